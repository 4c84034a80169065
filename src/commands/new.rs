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
    writeln!(
        std::io::stdout(),
        "Created {} from {} {} in {} ({} files: {}{})",
        args.name,
        bp.manifest.id,
        bp.manifest.version,
        target.display(),
        report.files,
        ownership_counts(&tree),
        if report.overwritten > 0 {
            format!("; {} existing files overwritten", report.overwritten)
        } else {
            String::new()
        }
    )?;
    if let Some(line) = layer_summary(&tree, &bp) {
        writeln!(std::io::stdout(), "{line}")?;
    }
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

/// "40 managed, 16 seeded, 4 shared": every file the blueprint owns a rule for (shared
/// only when there are any), so the figures add up to the files written but paved's own.
fn ownership_counts(tree: &RenderedTree) -> String {
    let count = |which: Ownership| {
        tree.files
            .iter()
            .filter(|f| f.ownership == Some(which))
            .count()
    };
    let mut text = format!(
        "{} managed, {} seeded",
        count(Ownership::Managed),
        count(Ownership::Seeded)
    );
    let shared = count(Ownership::Shared);
    if shared > 0 {
        text.push_str(&format!(", {shared} shared"));
    }
    text
}

/// Files per source of a composed blueprint, in composition order:
/// "From layers: kubernetes 8 files, terraform 9 files; from the blueprint: 39 files".
/// `None` for a blueprint that is not composed, or a frozen release (flattened: its
/// files no longer know their layer).
fn layer_summary(tree: &RenderedTree, bp: &engine::Blueprint) -> Option<String> {
    let mut per_layer: Vec<(&str, usize)> = bp
        .manifest
        .composed
        .iter()
        .map(|l| (l.id.as_str(), 0))
        .collect();
    let mut own = 0;
    for file in &tree.files {
        let Some(source) = file.source.as_deref() else {
            continue; // paved's own .paved/answers.toml
        };
        match bp.layer_of(source) {
            Some(id) => match per_layer.iter_mut().find(|(l, _)| *l == id) {
                Some(entry) => entry.1 += 1,
                None => per_layer.push((id, 1)),
            },
            None => own += 1,
        }
    }
    if per_layer.iter().all(|(_, n)| *n == 0) {
        return None;
    }
    let layers: Vec<String> = per_layer
        .iter()
        .map(|(id, n)| format!("{id} {n} {}", plural(*n)))
        .collect();
    Some(format!(
        "From layers: {}; from the blueprint: {own} {}",
        layers.join(", "),
        plural(own)
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "file"
    } else {
        "files"
    }
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
        let layer = f
            .source
            .as_deref()
            .and_then(|s| bp.layer_of(s))
            .map(|id| format!("  (layer {id})"))
            .unwrap_or_default();
        writeln!(
            std::io::stdout(),
            "  {tag:<8} {}{exe}  [{} bytes]{layer}",
            f.path,
            f.contents.len()
        )?;
    }
    writeln!(
        std::io::stdout(),
        "{} files ({}), {} bytes; nothing written (--dry-run)",
        tree.files.len(),
        ownership_counts(tree),
        tree.total_bytes()
    )?;
    if let Some(line) = layer_summary(tree, bp) {
        writeln!(std::io::stdout(), "{line}")?;
    }
    Ok(())
}
