//! One module per subcommand. Each returns the process exit code on success and an
//! error (reported by `main` with exit code 2) for bad input or configuration.

pub mod blueprint_check;
pub mod drift;
pub mod list;
pub mod new;
pub mod rules;
pub mod update;

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{BlueprintCommand, Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let blueprints = cli.blueprints.as_deref();
    match cli.command {
        Command::New(args) => new::run(&args, blueprints),
        Command::List => list::run(blueprints),
        Command::Blueprint(BlueprintCommand::Check { dir }) => blueprint_check::run(&dir),
        Command::Blueprint(BlueprintCommand::Release { dir }) => blueprint_check::release(&dir),
        Command::Drift(args) => drift::run(&args, blueprints),
        Command::Update(args) => update::run(&args, blueprints),
        Command::Rules(args) => rules::list(&args),
        Command::Explain { id } => rules::explain(&id),
    }
}

/// A bar on stderr for work over `len` repositories (`auditing 3/10 repositories`),
/// only when there are several and stderr is a terminal.
fn progress_bar(len: usize, verb: &str) -> Option<indicatif::ProgressBar> {
    if len < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {verb} {{pos}}/{{len}} repositories {{wide_bar}} {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
