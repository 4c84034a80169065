use std::path::Path;
use std::process::ExitCode;

use crate::blueprint::check;

/// Exit 0 when the blueprint is clean, 1 when the check found problems.
pub fn run(dir: &Path) -> anyhow::Result<ExitCode> {
    if !dir.exists() {
        anyhow::bail!("{}: no such directory", dir.display());
    }
    let report = check::check_dir(dir);
    for d in &report.errors {
        println!("error: {d}");
    }
    match &report.blueprint {
        Some(bp) if report.errors.is_empty() => {
            println!(
                "ok: {bp}: {} templates, rendered {} answer sets, {} frozen release(s) checked",
                report.templates, report.renders, report.releases
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            println!(
                "{} problem(s) found in {}",
                report.errors.len(),
                dir.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// `paved blueprint release DIR`: freeze the current version before bumping it.
pub fn release(dir: &Path) -> anyhow::Result<ExitCode> {
    let frozen = crate::blueprint::releases::freeze(dir)?;
    println!(
        "Frozen {} {} in {} ({} files, {})",
        frozen.id,
        frozen.version,
        frozen.dir.display(),
        frozen.files,
        frozen.hash
    );
    println!(
        "Next: raise blueprint.version in {}, add a [[changelog]] entry for the new version, then edit the templates.",
        dir.join("blueprint.toml").display()
    );
    Ok(ExitCode::SUCCESS)
}
