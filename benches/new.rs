//! `paved new` on the largest built-in blueprint, against `cp -r` of the tree it
//! generates. Both run as child processes, so process start-up is counted for both
//! — that is what a user waits for. Target: `paved new` within 3x of `cp -r`.
//!
//! Run: `cargo bench --bench new` (figures are in docs/performance.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use paved::blueprint::Catalog;

const PAVED: &str = env!("CARGO_BIN_EXE_paved");

/// The built-in blueprint with the most template bytes, or the fixture if none is built in.
fn largest() -> (Option<PathBuf>, String) {
    let catalog = Catalog::embedded();
    let best = catalog
        .ids()
        .iter()
        .filter_map(|id| catalog.load(id).ok())
        .max_by_key(|bp| bp.templates.iter().map(|t| t.bytes.len()).sum::<usize>());
    match best {
        Some(bp) => (None, bp.id().to_string()),
        None => (
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blueprints")),
            "full".to_string(),
        ),
    }
}

fn paved_new(catalog: &Option<PathBuf>, id: &str, out: &Path) -> Command {
    let mut cmd = Command::new(PAVED);
    if let Some(dir) = catalog {
        cmd.arg("--blueprints").arg(dir);
    }
    cmd.args([
        "new",
        "bench-svc",
        "--no-input",
        "--blueprint",
        id,
        "--output",
    ])
    .arg(out);
    cmd
}

fn run(mut cmd: Command) {
    let status = cmd.output().expect("spawn");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn bench(c: &mut Criterion) {
    let (catalog, id) = largest();
    let scratch = tempfile::tempdir().unwrap();
    let reference = scratch.path().join("reference");
    run(paved_new(&catalog, &id, &reference));
    let files = walkdir::WalkDir::new(&reference)
        .into_iter()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_type().is_file()))
        .count();

    let mut group = c.benchmark_group(format!("new/{id} ({files} files)"));
    group.measurement_time(Duration::from_secs(8));
    let mut n = 0u64;
    let mut timed = |make: &dyn Fn(&Path) -> Command, iters: u64| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            n += 1;
            let out = scratch.path().join(format!("run-{n}"));
            let cmd = make(&out);
            let start = Instant::now();
            run(cmd);
            total += start.elapsed();
            std::fs::remove_dir_all(&out).unwrap();
        }
        total
    };
    group.bench_function("paved new", |b| {
        b.iter_custom(|iters| timed(&|out: &Path| paved_new(&catalog, &id, out), iters))
    });
    group.bench_function("cp -r", |b| {
        b.iter_custom(|iters| {
            timed(
                &|out: &Path| {
                    let mut cmd = Command::new("cp");
                    cmd.arg("-r").arg(&reference).arg(out);
                    cmd
                },
                iters,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
