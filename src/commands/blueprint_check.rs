use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::blueprint::check_tree;

/// Exit 0 when everything checked is clean, 1 when the check found problems.
/// `dir` is a blueprint folder, a layer folder (the layer and every blueprint using
/// it are checked) or a blueprints directory (every layer and blueprint).
pub fn run(dir: &Path) -> anyhow::Result<ExitCode> {
    if !dir.exists() {
        anyhow::bail!("{}: no such directory", dir.display());
    }
    let reports = check_tree::check_path(dir);
    let mut problems = 0;
    for report in &reports {
        for d in &report.errors {
            writeln!(std::io::stdout(), "error: {d}")?;
        }
        problems += report.errors.len();
        match &report.blueprint {
            // Layers have no releases: blueprints freeze them flattened.
            Some(bp) if report.errors.is_empty() && bp.starts_with("layer ") => writeln!(
                std::io::stdout(),
                "ok: {bp}: {} templates, rendered {} answer sets",
                report.templates,
                report.renders
            )?,
            Some(bp) if report.errors.is_empty() => writeln!(
                std::io::stdout(),
                "ok: {bp}: {} templates, rendered {} answer sets, {} frozen release(s) checked",
                report.templates,
                report.renders,
                report.releases
            )?,
            Some(bp) => writeln!(
                std::io::stdout(),
                "{} problem(s) found in {bp}",
                report.errors.len()
            )?,
            None => problems += usize::from(report.errors.is_empty()),
        }
    }
    if problems == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        std::io::stdout(),
        "{problems} problem(s) found in {}",
        dir.display()
    )?;
    Ok(ExitCode::from(1))
}

/// `paved blueprint release DIR`: freeze the current version before bumping it.
pub fn release(dir: &Path) -> anyhow::Result<ExitCode> {
    let frozen = crate::blueprint::releases::freeze(dir)?;
    writeln!(
        std::io::stdout(),
        "Frozen {} {} in {} ({} files, {})",
        frozen.id,
        frozen.version,
        frozen.dir.display(),
        frozen.files,
        frozen.hash
    )?;
    writeln!(std::io::stdout(),
        "Next: raise blueprint.version in {}, add a [[changelog]] entry for the new version, then edit the templates.",
        dir.join("blueprint.toml").display()
    )?;
    Ok(ExitCode::SUCCESS)
}
