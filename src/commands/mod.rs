//! One module per subcommand. Each returns the process exit code on success and an
//! error (reported by `main` with exit code 2) for bad input or configuration.

pub mod blueprint_check;
pub mod drift;
pub mod list;
pub mod new;
pub mod rules;
pub mod update;

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
