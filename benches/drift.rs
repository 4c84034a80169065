//! `paved drift --recursive` over generated repositories, against `cat` of every file
//! in them (both as child processes, warm cache), plus the engine alone on one
//! repository held in memory.
//!
//! Run: `cargo bench --bench drift`. Environment: `PAVED_BENCH_REPOS` (default 100;
//! scripts/bench-drift.sh does 500 and reports peak memory), `PAVED_BENCH_BLUEPRINT`
//! (default `full`) and `PAVED_BENCH_BLUEPRINTS` (a --blueprints directory, default
//! tests/fixtures/blueprints; `builtin` for the embedded catalog).
//! Figures are in docs/performance.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use paved::blueprint::Catalog;
use paved::drift::{self, rules, Options};
use paved::guardrails::policy::Policy;

const PAVED: &str = env!("CARGO_BIN_EXE_paved");

fn catalog_dir() -> Option<PathBuf> {
    match std::env::var("PAVED_BENCH_BLUEPRINTS") {
        Ok(v) if v == "builtin" => None,
        Ok(v) => Some(PathBuf::from(v)),
        Err(_) => Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blueprints")),
    }
}

fn paved(catalog: &Option<PathBuf>) -> Command {
    let mut cmd = Command::new(PAVED);
    if let Some(dir) = catalog {
        cmd.arg("--blueprints").arg(dir);
    }
    cmd
}

fn run(mut cmd: Command) -> std::process::Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn bench(c: &mut Criterion) {
    let repos: usize = std::env::var("PAVED_BENCH_REPOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let blueprint = std::env::var("PAVED_BENCH_BLUEPRINT").unwrap_or_else(|_| "full".into());
    let catalog = catalog_dir();
    let scratch = tempfile::tempdir().unwrap();
    let org = scratch.path().join("org");
    for i in 0..repos {
        let mut cmd = paved(&catalog);
        cmd.args([
            "new",
            &format!("svc-{i}"),
            "--no-input",
            "--blueprint",
            &blueprint,
        ])
        .arg("--output")
        .arg(org.join(format!("svc-{i}")));
        run(cmd);
    }
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&org)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();

    let mut group = c.benchmark_group(format!(
        "drift/{blueprint} ({repos} repos, {} files)",
        files.len()
    ));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("paved drift --recursive", |b| {
        b.iter(|| {
            let mut cmd = paved(&catalog);
            cmd.args([
                "drift",
                "--recursive",
                "--format",
                "json",
                "--fail-on",
                "critical",
            ])
            .arg(&org);
            run(cmd)
        })
    });
    group.bench_function("cat every file", |b| {
        b.iter(|| {
            let mut cmd = Command::new("find");
            cmd.arg(&org)
                .args(["-type", "f", "-exec", "cat", "{}", "+"])
                .stdout(std::process::Stdio::null());
            run(cmd)
        })
    });
    group.finish();

    // The engine alone: parse and check one repository's files held in memory.
    let one = org.join("svc-0");
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|p| p.starts_with(&one))
        .map(|p| {
            (
                p.strip_prefix(&one).unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let policy = Policy::load(None, "baseline", rules::catalog().map(|r| &r.meta)).unwrap();
    let cat = Catalog::embedded();
    let opts = Options {
        policy: &policy,
        catalog: &cat,
        today: jiff::civil::date(2026, 6, 1),
    };
    c.bench_function("drift/engine on one repository in memory", |b| {
        b.iter(|| drift::audit_in_memory(&borrowed, &opts))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
