use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::blueprint::source::{self, Catalog};

pub fn run(blueprints: Option<&Path>) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::open(blueprints)?;
    let summaries = source::summaries(&catalog);
    if summaries.is_empty() {
        eprintln!("no blueprints in {}", catalog.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let width = summaries.keys().map(String::len).max().unwrap_or(0);
    let mut broken = 0;
    for (id, summary) in &summaries {
        match summary {
            Ok((version, description)) => writeln!(
                std::io::stdout(),
                "{id:<width$}  {version:<8}  {description}"
            )?,
            Err(e) => {
                broken += 1;
                writeln!(std::io::stdout(), "{id:<width$}  (invalid)  see stderr")?;
                eprintln!("warning: {e}");
            }
        }
    }
    if broken > 0 {
        eprintln!("warning: {broken} blueprint(s) in {} cannot be used; run `paved blueprint check DIR` on them", catalog.describe());
    }
    Ok(ExitCode::SUCCESS)
}
