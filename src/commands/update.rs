//! `paved update`: one repository (PATH, default `.`) or a fleet (`--recursive
//! DIR...`), each prepared, then written all or nothing; a summary for people or
//! JSON for scripts.
//!
//! Exit codes: 0 every repository updated cleanly or already current; 1 conflict
//! markers were left (and nothing was refused or failed); 2 bad input, or a
//! repository was refused (dirty tree, broken provenance) or failed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

use crate::blueprint::answers::{AnswersFile, Prompter};
use crate::blueprint::prompt::TerminalPrompter;
use crate::blueprint::provenance;
use crate::blueprint::Catalog;
use crate::cli::{UpdateArgs, UpdateFormat};
use crate::drift::discover;
use crate::update::{self, Plan, Request, Status, UpdateError};

macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// A closed pipe (`| head`) is not an error worth a message.
fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush());
}

pub fn run(args: &UpdateArgs, blueprints: Option<&Path>) -> anyhow::Result<ExitCode> {
    let to = args
        .to
        .as_deref()
        .map(|v| {
            semver::Version::parse(v.trim())
                .with_context(|| format!("--to {v:?} is not a version (e.g. 1.1.0)"))
        })
        .transpose()?;
    let answers = args.answers.as_deref().map(AnswersFile::read).transpose()?;
    let request = Request {
        to,
        sets: args.sets.clone(),
        answers,
        allow_dirty: args.allow_dirty,
        restore: args.restore.clone(),
    };
    let catalog = Catalog::open(blueprints)?;
    match &args.recursive {
        Some(dirs) => fleet(args, dirs, &catalog, &request),
        None => single(args, &catalog, &request),
    }
}

/// The outcome of one repository, as the summary and JSON report it.
struct RepoResult {
    path: String,
    result: Result<Plan, UpdateError>,
    /// The plan was computed but writing it failed.
    write_error: Option<UpdateError>,
}

impl RepoResult {
    fn status(&self) -> Status {
        match (&self.result, &self.write_error) {
            (_, Some(_)) => Status::Failed,
            (Ok(plan), None) => Status::of(plan),
            (Err(e), None) if e.is_refusal() => Status::Refused,
            (Err(_), None) => Status::Failed,
        }
    }

    fn reason(&self) -> Option<String> {
        match (&self.result, &self.write_error) {
            (_, Some(e)) | (Err(e), None) => Some(format!("{e}")),
            (Ok(plan), None) => {
                let conflicts = plan.conflicts();
                (!conflicts.is_empty()).then(|| {
                    conflicts
                        .iter()
                        .map(|s| s.path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            }
        }
    }
}

fn run_one(
    repo: &Path,
    display: String,
    catalog: &Catalog,
    request: &Request,
    prompter: Option<&mut dyn Prompter>,
    dry_run: bool,
) -> RepoResult {
    let result = update::prepare(repo, catalog, request, prompter);
    let write_error = match (&result, dry_run) {
        (Ok(plan), false) => update::apply(plan).err(),
        _ => None,
    };
    RepoResult {
        path: display,
        result,
        write_error,
    }
}

fn single(args: &UpdateArgs, catalog: &Catalog, request: &Request) -> anyhow::Result<ExitCode> {
    let repo = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    if !repo.is_dir() {
        anyhow::bail!(
            "{}: not a directory; pass the root of a generated repository",
            repo.display()
        );
    }
    let interactive = !args.no_input
        && args.format == UpdateFormat::Human
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal();
    let mut terminal = TerminalPrompter;
    let prompter: Option<&mut dyn Prompter> = if interactive {
        Some(&mut terminal)
    } else {
        None
    };
    let display = repo.display().to_string();
    let outcome = run_one(&repo, display, catalog, request, prompter, args.dry_run);
    if args.format == UpdateFormat::Json {
        let results = [outcome];
        print_json(&results, args.dry_run)?;
        return Ok(ExitCode::from(exit_code(&results)));
    }
    if let Some(e) = outcome.write_error {
        return Err(anyhow::Error::new(e)
            .context("the update was not written; the repository is unchanged"));
    }
    let plan = outcome.result?;
    emit(&render_plan(&plan, args.dry_run));
    Ok(if plan.conflicts().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn fleet(
    args: &UpdateArgs,
    dirs: &[PathBuf],
    catalog: &Catalog,
    request: &Request,
) -> anyhow::Result<ExitCode> {
    let mut repos = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            anyhow::bail!("--recursive {}: not a directory", dir.display());
        }
        let found: Vec<PathBuf> = discover::repositories(dir)
            .into_iter()
            .filter(|r| {
                std::fs::symlink_metadata(r.join(provenance::answers_path()))
                    .is_ok_and(|m| m.is_file())
            })
            .collect();
        if found.is_empty() {
            eprintln!(
                "warning: {}: no generated repositories (with {}) below it",
                dir.display(),
                provenance::answers_path()
            );
        }
        repos.extend(found);
    }
    repos.sort();
    repos.dedup();

    let progress = super::progress_bar(repos.len(), "updating");
    let results: Vec<RepoResult> = repos
        .par_iter()
        .map(|repo| {
            let display = repo.to_string_lossy().into_owned();
            // No prompts in a fleet run: a needed answer without a default fails
            // that repository, with the --set to pass.
            let r = run_one(repo, display, catalog, request, None, args.dry_run);
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            r
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    match args.format {
        UpdateFormat::Json => print_json(&results, args.dry_run)?,
        UpdateFormat::Human => emit(&render_table(&results, args.dry_run)),
    }
    Ok(ExitCode::from(exit_code(&results)))
}

fn exit_code(results: &[RepoResult]) -> u8 {
    let statuses: Vec<Status> = results.iter().map(RepoResult::status).collect();
    if statuses
        .iter()
        .any(|s| matches!(s, Status::Refused | Status::Failed))
    {
        2
    } else if statuses.contains(&Status::Conflicts) {
        1
    } else {
        0
    }
}

fn render_plan(plan: &Plan, dry_run: bool) -> String {
    let mut out = String::new();
    let repo = plan.repo.display();
    let what = if plan.restore {
        format!(
            "restoring managed files of {repo} ({} {})",
            plan.id, plan.from
        )
    } else if plan.from == plan.to {
        format!("{repo}: {} {}", plan.id, plan.to)
    } else {
        format!("{repo}: {} {} → {}", plan.id, plan.from, plan.to)
    };
    outln!(out, "{}{what}", if dry_run { "Plan for " } else { "" });
    for note in &plan.notes {
        outln!(out, "  answers    {note}");
    }
    for step in &plan.steps {
        let detail = step.describe();
        if detail.is_empty() {
            outln!(out, "  {:<10} {}", step.outcome.as_str(), step.path);
        } else {
            outln!(
                out,
                "  {:<10} {}  ({detail})",
                step.outcome.as_str(),
                step.path
            );
        }
    }
    if dry_run {
        for step in &plan.steps {
            if let Some(diff) = step_diff(step) {
                out.push_str(&diff);
            }
        }
    }
    let changed = plan.changes().len();
    let conflicts = plan.conflicts();
    if plan.is_current() {
        outln!(
            out,
            "{}",
            if plan.restore {
                "Every managed file already matches the recorded version; nothing to do."
            } else {
                "Already current; nothing to do."
            }
        );
        return out;
    }
    let verb = if dry_run { "Would write" } else { "Wrote" };
    outln!(
        out,
        "{verb} {changed} file(s){}{}",
        if plan.provenance.is_some() {
            format!(" (including {})", provenance::answers_path())
        } else {
            String::new()
        },
        if dry_run {
            "; nothing written (--dry-run)"
        } else {
            ""
        }
    );
    if !conflicts.is_empty() {
        outln!(out,
            "{} conflict(s) to resolve by hand: {}. Edit the conflict markers (<<<<<<< ours … >>>>>>> blueprint {}), then commit.",
            conflicts.len(),
            conflicts
                .iter()
                .map(|s| s.path.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            plan.to
        );
    } else if !dry_run {
        outln!(
            out,
            "Review with `git diff`, run the service's tests, then commit."
        );
    }
    out
}

fn step_diff(step: &update::FileStep) -> Option<String> {
    let after = match &step.change {
        Some(update::transaction::Change::Write { contents, .. }) => contents.as_slice(),
        Some(update::transaction::Change::Remove { .. }) => &[],
        None => return None,
    };
    let before = step.before.as_deref().unwrap_or_default();
    let (Ok(before), Ok(after)) = (std::str::from_utf8(before), std::str::from_utf8(after)) else {
        return Some(format!("Binary file {} differs\n", step.path));
    };
    let diff = similar::TextDiff::from_lines(before, after);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", step.path), &format!("b/{}", step.path))
            .to_string(),
    )
}

fn render_table(results: &[RepoResult], dry_run: bool) -> String {
    let mut out = String::new();
    let width = results
        .iter()
        .map(|r| r.path.len())
        .max()
        .unwrap_or(10)
        .clamp(10, 60);
    outln!(
        out,
        "{:<width$}  {:<9}  {:<17}  DETAIL",
        "REPOSITORY",
        "STATUS",
        "VERSION"
    );
    for r in results {
        let version = match &r.result {
            Ok(p) if p.from == p.to => p.to.to_string(),
            Ok(p) => format!("{} → {}", p.from, p.to),
            Err(_) => "-".to_string(),
        };
        let detail = r.reason().unwrap_or_else(|| match &r.result {
            Ok(p) => format!("{} file(s)", p.changes().len()),
            Err(_) => String::new(),
        });
        outln!(
            out,
            "{:<width$}  {:<9}  {:<17}  {}",
            r.path,
            r.status().as_str(),
            version,
            detail.replace('\n', " ")
        );
    }
    let count = |s: Status| results.iter().filter(|r| r.status() == s).count();
    outln!(out,
        "{} repositories: {} updated cleanly, {} with conflicts, {} already current, {} refused, {} failed{}",
        results.len(),
        count(Status::Updated),
        count(Status::Conflicts),
        count(Status::Current),
        count(Status::Refused),
        count(Status::Failed),
        if dry_run { " (--dry-run: nothing written)" } else { "" }
    );
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    paved_version: &'a str,
    dry_run: bool,
    repos: Vec<JsonRepo>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonRepo {
    path: String,
    status: Status,
    blueprint: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reason: Option<String>,
    conflicts: Vec<String>,
    files: Vec<JsonFile>,
    answers: Vec<String>,
}

#[derive(Serialize)]
struct JsonFile {
    path: String,
    outcome: update::Outcome,
    note: Option<String>,
}

#[derive(Serialize, Default)]
struct JsonSummary {
    repos: usize,
    updated: usize,
    conflicts: usize,
    current: usize,
    refused: usize,
    failed: usize,
}

fn print_json(results: &[RepoResult], dry_run: bool) -> anyhow::Result<()> {
    let mut summary = JsonSummary {
        repos: results.len(),
        ..Default::default()
    };
    let repos = results
        .iter()
        .map(|r| {
            let status = r.status();
            match status {
                Status::Updated => summary.updated += 1,
                Status::Conflicts => summary.conflicts += 1,
                Status::Current => summary.current += 1,
                Status::Refused => summary.refused += 1,
                Status::Failed => summary.failed += 1,
            }
            let plan = r.result.as_ref().ok();
            JsonRepo {
                path: r.path.clone(),
                status,
                blueprint: plan.map(|p| p.id.clone()),
                from: plan.map(|p| p.from.to_string()),
                to: plan.map(|p| p.to.to_string()),
                reason: match (&r.result, &r.write_error) {
                    (_, Some(e)) | (Err(e), None) => Some(e.to_string()),
                    _ => None,
                },
                conflicts: plan
                    .map(|p| p.conflicts().iter().map(|s| s.path.clone()).collect())
                    .unwrap_or_default(),
                files: plan
                    .map(|p| {
                        p.steps
                            .iter()
                            .map(|s| JsonFile {
                                path: s.path.clone(),
                                outcome: s.outcome,
                                note: s.note.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                answers: plan.map(|p| p.notes.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let report = JsonReport {
        paved_version: provenance::PAVED_VERSION,
        dry_run,
        repos,
        summary,
    };
    let mut text = serde_json::to_string_pretty(&report)?;
    text.push('\n');
    emit(&text);
    Ok(())
}
