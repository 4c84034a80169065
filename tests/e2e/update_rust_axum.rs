//! The acceptance test of `paved update` on the real rust-axum blueprint: a service
//! generated from rust-axum 1.0.0, edited the way a team would (a route in a seeded
//! file, a CI step, a Kubernetes value) and committed, is updated to the latest
//! version built into paved. Every edit survives, every change of the latest version
//! is applied, the service builds and its tests pass, and drift reports only the
//! deliberate edits. An edit on lines the latest version changes gives conflict
//! markers and exit 1, and nothing else is lost.
//!
//! It runs against whatever the latest rust-axum is; while that is still 1.0.0 the
//! update has nothing to do and the conflict case has nothing to conflict with (it
//! says so on stderr).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::service_support::cargo;

fn paved(args: &[&str], dir: Option<&Path>) -> Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("paved"));
    cmd.env_remove("PAVED_BLUEPRINTS")
        .env_remove("PAVED_GUARDRAILS")
        .env_remove("PAVED_PROFILE")
        .args(args)
        .stdin(Stdio::null());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.output().expect("run paved")
}

fn latest() -> String {
    let out = paved(&["list"], None);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("rust-axum")).then(|| words.next().unwrap().to_string())
        })
        .expect("rust-axum in paved list")
}

fn generate(dir: &Path, version: &str) {
    let out = paved(
        &[
            "new",
            "demo-svc",
            "--blueprint",
            &format!("rust-axum@{version}"),
            "--no-input",
            "--output",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel}: no {from:?} to edit");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

const ROUTE_FROM: &str = r#"Router::new().route("/v1/whoami", get(whoami))"#;
const ROUTE_TO: &str = r#"Router::new()
        .route("/v1/whoami", get(whoami))
        .route("/v1/ping", get(ping))"#;
const PING: &str = "\nasync fn ping() -> Json<Value> {\n    Json(json!({ \"pong\": true }))\n}\n";
const CI_FROM: &str = "      - name: Test\n        run: cargo test --locked\n";
const CI_TO: &str = "      - name: Test\n        run: cargo test --locked\n      - name: Docs\n        run: cargo doc --no-deps --locked\n";
const K8S_FROM: &str = "  replicas: 2\n";
const K8S_TO: &str = "  replicas: 3\n";

/// The team's edits to managed files (the seeded route is separate: a fresh render
/// of the latest version has the latest seeded file, which an update never touches).
fn managed_edits(dir: &Path) {
    edit(dir, ".github/workflows/ci.yml", CI_FROM, CI_TO);
    edit(dir, "deploy/k8s/deployment.yaml", K8S_FROM, K8S_TO);
}

fn files_of(answers: &Path, key: &str) -> Vec<String> {
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(answers).unwrap()).unwrap();
    // `shared` is listed only by blueprints that have shared files.
    doc["files"]
        .get(key)
        .and_then(toml::Value::as_array)
        .map(|list| {
            list.iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn blueprint_findings(dir: &Path) -> Vec<(String, String)> {
    let out = paved(&["drift", "--format", "json", dir.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut found: Vec<(String, String)> = v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["file"].as_str().unwrap().into(),
            )
        })
        .collect();
    found.sort();
    found
}

fn work_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("paved-update-acceptance-")
        .tempdir()
        .unwrap()
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn team_edits_survive_an_update_to_the_latest_rust_axum() {
    let latest = latest();
    let work = work_dir();
    let svc = work.path().join("demo-svc");
    generate(&svc, "1.0.0");
    git(&svc, &["init", "-q"]);
    commit(&svc, "generated from rust-axum 1.0.0");
    edit(&svc, "src/routes.rs", ROUTE_FROM, ROUTE_TO);
    std::fs::OpenOptions::new()
        .append(true)
        .open(svc.join("src/routes.rs"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, PING.as_bytes()))
        .unwrap();
    managed_edits(&svc);
    commit(&svc, "team edits");
    let seeded_before: BTreeMap<String, Vec<u8>> =
        files_of(&svc.join(".paved/answers.toml"), "seeded")
            .into_iter()
            .map(|p| {
                let bytes = read(&svc, &p);
                (p, bytes)
            })
            .collect();

    let out = paved(&["update", "--no-input"], Some(&svc));
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{report}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers = std::fs::read_to_string(svc.join(".paved/answers.toml")).unwrap();
    assert!(
        answers.contains(&format!("version = \"{latest}\"")),
        "{answers}"
    );

    // Every change of the latest version is applied: each managed file equals a fresh
    // render of the latest version with the team's edits made to it.
    let fresh = work.path().join("fresh");
    generate(&fresh, &latest);
    managed_edits(&fresh);
    for rel in files_of(&fresh.join(".paved/answers.toml"), "managed") {
        assert!(
            read(&svc, &rel) == read(&fresh, &rel),
            "{rel} differs from the latest version with the team's edits"
        );
    }
    // Shared files (the team did not edit them) take the latest version's changes.
    for rel in files_of(&fresh.join(".paved/answers.toml"), "shared") {
        assert!(
            read(&svc, &rel) == read(&fresh, &rel),
            "shared {rel} differs from the latest version"
        );
    }
    // Seeded files: the team's are untouched, new ones are created.
    for rel in files_of(&fresh.join(".paved/answers.toml"), "seeded") {
        match seeded_before.get(&rel) {
            Some(before) => assert!(&read(&svc, &rel) == before, "seeded {rel} was touched"),
            None => assert!(read(&svc, &rel) == read(&fresh, &rel), "new seeded {rel}"),
        }
    }
    let routes = String::from_utf8(read(&svc, "src/routes.rs")).unwrap();
    assert!(routes.contains("/v1/ping"), "{routes}");

    // It builds and its tests pass.
    let (test, took) = cargo(&svc, &["test", "--locked"]);
    eprintln!(
        "updated service: cargo test --locked in {took:?}: {}",
        String::from_utf8_lossy(&test.stdout)
            .lines()
            .filter(|l| l.starts_with("test result"))
            .collect::<Vec<_>>()
            .join(" | ")
    );

    // Drift reports only the deliberate edits of managed files.
    assert_eq!(
        blueprint_findings(&svc),
        [
            (
                "PVD-BLUEPRINT-001".to_string(),
                ".github/workflows/ci.yml".to_string()
            ),
            (
                "PVD-BLUEPRINT-001".into(),
                "deploy/k8s/deployment.yaml".into()
            ),
        ]
    );
}

/// The first line of `base` that `theirs` replaces or deletes, 0-based.
fn first_changed_line(base: &str, theirs: &str) -> Option<usize> {
    similar::TextDiff::from_lines(base, theirs)
        .ops()
        .iter()
        .find(|op| {
            matches!(
                op.tag(),
                similar::DiffTag::Replace | similar::DiffTag::Delete
            )
        })
        .map(|op| op.old_range().start)
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn an_edit_on_lines_the_latest_version_changes_conflicts() {
    let latest = latest();
    let work = work_dir();
    let old = work.path().join("old");
    let fresh = work.path().join("fresh");
    generate(&old, "1.0.0");
    generate(&fresh, &latest);
    // A managed text file both versions have, and a line the latest changes.
    let managed_old = files_of(&old.join(".paved/answers.toml"), "managed");
    let target = files_of(&fresh.join(".paved/answers.toml"), "managed")
        .into_iter()
        .filter(|rel| managed_old.contains(rel))
        .find_map(|rel| {
            let base = String::from_utf8(read(&old, &rel)).ok()?;
            let theirs = String::from_utf8(read(&fresh, &rel)).ok()?;
            first_changed_line(&base, &theirs).map(|line| (rel, line))
        });
    let Some((rel, line)) = target else {
        eprintln!("skipped: rust-axum {latest} changes no line of a managed file of 1.0.0");
        return;
    };

    eprintln!(
        "conflict case: {rel} line {} (changed by {latest})",
        line + 1
    );
    let svc = work.path().join("svc");
    generate(&svc, "1.0.0");
    git(&svc, &["init", "-q"]);
    commit(&svc, "generated");
    let text = String::from_utf8(read(&svc, &rel)).unwrap();
    let edited: String = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i == line {
                format!("{} team-edit\n", l.trim_end_matches('\n'))
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(svc.join(&rel), &edited).unwrap();
    commit(&svc, "edit a line the blueprint changes");

    let out = paved(&["update", "--no-input"], Some(&svc));
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains(&format!("conflict   {rel}")), "{report}");
    let merged = String::from_utf8(read(&svc, &rel)).unwrap();
    assert!(merged.contains("<<<<<<< ours\n"), "{merged}");
    assert!(
        merged.contains(&format!(">>>>>>> blueprint {latest}\n")),
        "{merged}"
    );
    assert!(merged.contains("team-edit"), "{merged}");
    // Nothing else lost: every other managed file is the latest version's.
    for other in files_of(&fresh.join(".paved/answers.toml"), "managed") {
        if other != rel {
            assert!(read(&svc, &other) == read(&fresh, &other), "{other}");
        }
    }
}
