//! `paved new`: catalog → blueprint → answers → rendered tree → atomic write.

use std::io::IsTerminal;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::blueprint::answers::{self, AnswersFile, Inputs, Prompter};
use crate::blueprint::prompt::{self, TerminalPrompter};
use crate::blueprint::source::{self, Catalog};
use crate::blueprint::versions::BlueprintRef;
use crate::blueprint::write::{self, TargetState};
use crate::blueprint::{self as engine, Ownership, RenderedTree};
use crate::cli::NewArgs;

pub fn run(args: &NewArgs, blueprints: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Refuse a hostile name before reading anything else.
    crate::blueprint::value::check_service_name(&args.name).map_err(|reason| {
        engine::BlueprintError::InvalidName {
            name: args.name.clone(),
            reason,
        }
    })?;
    let interactive =
        !args.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let catalog = Catalog::open(blueprints)?;
    let reference = match &args.blueprint {
        Some(text) => BlueprintRef::parse(text)?,
        None if interactive && catalog.ids().len() > 1 => BlueprintRef::parse(&choose(&catalog)?)?,
        None => BlueprintRef::parse(&catalog.default_id()?)?,
    };
    let bp = catalog.load_ref(&reference)?;

    let file = args.answers.as_deref().map(AnswersFile::read).transpose()?;
    let inputs = Inputs {
        sets: args.sets.clone(),
        file,
    };
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    // Learn early that the target is unusable, before asking any questions.
    let state = write::inspect_target(&target, args.force)?;

    let mut terminal = TerminalPrompter;
    let prompter: Option<&mut dyn Prompter> = if interactive {
        Some(&mut terminal)
    } else {
        None
    };
    let answers = answers::resolve(&bp, &args.name, &inputs, prompter)?;
    let tree = engine::generate(&bp, &answers)?;

    if args.dry_run {
        print_plan(&tree, &target, &bp, state)?;
        return Ok(ExitCode::SUCCESS);
    }
    let report = write::write_tree(&tree, &target, args.force)?;
    let (managed, seeded) = counts(&tree);
    writeln!(
        std::io::stdout(),
        "Created {} from {} {} in {} ({} files: {managed} managed, {seeded} seeded{})",
        args.name,
        bp.manifest.id,
        bp.manifest.version,
        target.display(),
        report.files,
        if report.overwritten > 0 {
            format!("; {} existing files overwritten", report.overwritten)
        } else {
            String::new()
        }
    )?;
    writeln!(
        std::io::stdout(),
        "Answers recorded in {}",
        target.join(engine::provenance::answers_path()).display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn choose(catalog: &Catalog) -> anyhow::Result<String> {
    let summaries = source::summaries(catalog);
    let options: Vec<String> = summaries
        .iter()
        .map(|(id, s)| match s {
            Ok((version, description)) => format!("{id} {version} — {description}"),
            Err(_) => format!("{id} (invalid)"),
        })
        .collect();
    let start = catalog
        .ids()
        .iter()
        .position(|i| i == source::DEFAULT_BLUEPRINT)
        .unwrap_or(0);
    Ok(prompt::choose_blueprint(options, start)?)
}

fn counts(tree: &RenderedTree) -> (usize, usize) {
    let managed = tree
        .files
        .iter()
        .filter(|f| f.ownership == Some(Ownership::Managed))
        .count();
    let seeded = tree
        .files
        .iter()
        .filter(|f| f.ownership == Some(Ownership::Seeded))
        .count();
    (managed, seeded)
}

fn print_plan(
    tree: &RenderedTree,
    target: &Path,
    bp: &engine::Blueprint,
    state: TargetState,
) -> std::io::Result<()> {
    let verb = match state {
        TargetState::NonEmpty => "write into the existing directory",
        _ => "create",
    };
    writeln!(
        std::io::stdout(),
        "Would {verb} {} from {} {}:",
        target.display(),
        bp.manifest.id,
        bp.manifest.version
    )?;
    for f in &tree.files {
        let tag = match f.ownership {
            Some(o) => o.as_str(),
            None => "paved",
        };
        let exe = if f.executable { " (executable)" } else { "" };
        writeln!(
            std::io::stdout(),
            "  {tag:<8} {}{exe}  [{} bytes]",
            f.path,
            f.contents.len()
        )?;
    }
    let (managed, seeded) = counts(tree);
    writeln!(
        std::io::stdout(),
        "{} files ({managed} managed, {seeded} seeded), {} bytes; nothing written (--dry-run)",
        tree.files.len(),
        tree.total_bytes()
    )
}
