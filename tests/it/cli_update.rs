//! `paved new ID@VERSION`, drift against the recorded version, and `paved update`,
//! on the `mini` fixture blueprint (tests/fixtures/versioned/mini): releases 1.0.0
//! and 1.1.0 (a security fix) frozen, 2.0.0 the latest (renames legacy_port to port,
//! drops old_flag, adds region without a default, drops two files, makes owned.txt
//! managed, adds a seeded file).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

fn versioned() -> PathBuf {
    fixtures().join("versioned")
}

fn mini() -> assert_cmd::Command {
    let mut cmd = paved();
    cmd.arg("--blueprints").arg(versioned());
    cmd
}

/// `paved new demo --blueprint mini@VERSION` into `dir/name`, committed to git.
fn generate(dir: &Path, name: &str, version: &str, extra: &[&str]) -> PathBuf {
    let out_dir = dir.join(name);
    let out = mini()
        .args([
            "new",
            name,
            "--blueprint",
            &format!("mini@{version}"),
            "--no-input",
            "--output",
        ])
        .arg(&out_dir)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    git(&out_dir, &["init", "-q"]);
    commit(&out_dir, "generated");
    out_dir
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = std::process::Command::new("git")
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
    assert!(out.status.success(), "git {args:?}: {}", stderr_of(&out));
    out
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let text = read(dir, rel);
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(dir.join(rel), text.replacen(from, to, 1)).unwrap();
}

fn update(dir: &Path, extra: &[&str]) -> Output {
    mini().arg("update").arg(dir).args(extra).output().unwrap()
}

fn drift_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = mini()
        .args(["drift", "--format", "json"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr_of(&out)))
}

fn findings(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    report["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .filter(|f| f.0.starts_with("PVD-BLUEPRINT"))
        .collect()
}

#[test]
fn new_renders_an_older_release_and_refuses_unknown_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "demo", "1.0.0", &[]);
    let answers = read(&repo, ".paved/answers.toml");
    assert!(answers.contains("version = \"1.0.0\""), "{answers}");
    assert!(answers.contains("legacy_port = 8080"), "{answers}");
    assert!(repo.join("obsolete.txt").exists());
    assert!(!repo.join("SECURITY.md").exists());
    // The frozen release's hash is the one its services record.
    let hashes = std::fs::read_to_string(versioned().join("mini/releases/hashes.toml")).unwrap();
    let hash = answers
        .lines()
        .find_map(|l| l.strip_prefix("hash = "))
        .unwrap();
    assert!(hashes.contains(&format!("\"1.0.0\" = {hash}")), "{hashes}");

    let out = mini()
        .args([
            "new",
            "x",
            "--blueprint",
            "mini@0.9.0",
            "--no-input",
            "--output",
        ])
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("available versions: 2.0.0, 1.1.0, 1.0.0"),
        "{}",
        stderr_of(&out)
    );
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn embedded_rust_axum_1_0_0_is_the_frozen_release() {
    let tmp = tempfile::tempdir().unwrap();
    let out = paved()
        .args([
            "new",
            "demo-svc",
            "--blueprint",
            "rust-axum@1.0.0",
            "--no-input",
            "--output",
        ])
        .arg(tmp.path().join("svc"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let answers = read(&tmp.path().join("svc"), ".paved/answers.toml");
    let hashes = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/rust-axum/releases/hashes.toml"),
    )
    .unwrap();
    let hash = answers
        .lines()
        .find_map(|l| l.strip_prefix("hash = "))
        .unwrap();
    assert!(
        hashes.contains(&format!("\"1.0.0\" = {hash}")),
        "{hashes}\n{answers}"
    );
}

#[test]
fn drift_checks_the_recorded_version_and_reports_being_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let old = generate(tmp.path(), "old", "1.0.0", &[]);
    let report = drift_json(&old, &[]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "PVD-BLUEPRINT-005");
    assert_eq!(f[0].1, "medium");
    assert!(
        f[0].3.contains("1.1.0 fixes the CI workflow's token"),
        "{}",
        f[0].3
    );
    assert!(f[0].3.contains("paved update"), "{}", f[0].3);
    let strict = findings(&drift_json(&old, &["--profile", "strict"]));
    assert_eq!(strict[0].1, "high");

    // Conformance is against 1.0.0: a file 1.0.0 manages and 2.0.0 dropped is compared.
    edit(&old, "obsolete.txt", "line two", "line 2");
    let f = findings(&drift_json(&old, &[]));
    let changed: Vec<_> = f.iter().filter(|f| f.0 == "PVD-BLUEPRINT-001").collect();
    assert_eq!(changed.len(), 1, "{f:?}");
    assert_eq!(changed[0].2, "obsolete.txt");
    assert!(changed[0].3.contains("mini 1.0.0"));
    assert!(!f.iter().any(|f| f.0 == "PVD-BLUEPRINT-003"), "{f:?}");

    // 1.1.0 is behind 2.0.0, which fixes nothing: info only.
    let mid = generate(tmp.path(), "mid", "1.1.0", &[]);
    let f = findings(&drift_json(&mid, &[]));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str()),
        ("PVD-BLUEPRINT-004", "info")
    );
    assert!(f[0].3.contains("2.0.0 is available"), "{}", f[0].3);

    let latest = generate(tmp.path(), "new", "2.0.0", &["--set", "region=eu"]);
    assert!(findings(&drift_json(&latest, &[])).is_empty());
}

/// The team's edits of a 1.0.0 service that do not touch what 2.0.0 changes.
fn team_edits(repo: &Path) {
    edit(repo, "config.yaml", "level: info", "level: debug");
    edit(
        repo,
        "ci.yml",
        "      - run: make build\n",
        "      - run: make build\n      - run: make deploy\n",
    );
    edit(
        repo,
        "src/app.txt",
        "  - /healthz\n",
        "  - /healthz\n  - /v1/items\n",
    );
    edit(
        repo,
        "obsolete-edited.txt",
        "unless changed",
        "unless changed (we did)",
    );
    let answers = read(repo, ".paved/answers.toml");
    std::fs::write(
        repo.join(".paved/answers.toml"),
        answers.replace(
            "[answers]\n",
            "[answers]\n# owner agreed with the platform team\n",
        ),
    )
    .unwrap();
    commit(repo, "team edits");
}

#[test]
fn update_merges_keeps_edits_and_follows_every_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "demo", "1.0.0", &[]);
    team_edits(&repo);

    let out = update(&repo, &["--no-input", "--set", "region=eu"]);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr_of(&out));

    // Edits survive, 2.0.0's changes are applied.
    let config = read(&repo, "config.yaml");
    assert!(config.contains("level: debug"), "{config}");
    assert!(
        config.contains("region: eu") && config.contains("memory: 512Mi"),
        "{config}"
    );
    let ci = read(&repo, "ci.yml");
    assert!(
        ci.contains("make deploy") && ci.contains("contents: read"),
        "{ci}"
    );
    assert!(read(&repo, "src/app.txt").contains("/v1/items"));
    assert_eq!(read(&repo, "demo.md"), "# demo\nRuns in eu.\n");
    assert!(repo.join("SECURITY.md").exists());
    // New seeded file created; dropped files removed only when unchanged.
    assert_eq!(read(&repo, "src/notes.txt"), "notes for demo\n");
    assert!(!repo.join("obsolete.txt").exists());
    assert!(read(&repo, "obsolete-edited.txt").contains("(we did)"));
    assert!(
        text.contains("kept       obsolete-edited.txt  (no longer in 2.0.0, but changed here"),
        "{text}"
    );
    assert!(text.contains("removed    obsolete.txt"), "{text}");
    // Ownership change reported.
    assert!(
        text.contains("owned.txt  (seeded in 1.0.0, managed from 2.0.0"),
        "{text}"
    );
    // Answers: rename, drop, new; the file is edited in place, comment kept.
    let answers = read(&repo, ".paved/answers.toml");
    assert!(answers.contains("version = \"2.0.0\""), "{answers}");
    assert!(
        answers.contains("# owner agreed with the platform team\n"),
        "{answers}"
    );
    assert!(
        answers.contains("port = 8080") && !answers.contains("legacy_port"),
        "{answers}"
    );
    assert!(!answers.contains("old_flag"), "{answers}");
    assert!(answers.contains("region = \"eu\""), "{answers}");
    assert!(
        text.contains("answer legacy_port renamed to port (2.0.0)"),
        "{text}"
    );
    assert!(!tree(&repo)
        .keys()
        .any(|p| p.ends_with(".rej") || p.ends_with(".orig")));

    // Drift now reports only the deliberate edit of a managed file.
    let f = findings(&drift_json(&repo, &[]));
    let files: Vec<&str> = f.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(files, ["ci.yml", "config.yaml"], "{f:?}");
    assert!(f.iter().all(|f| f.0 == "PVD-BLUEPRINT-001"));

    // A second run has nothing to do.
    commit(&repo, "update");
    let again = update(&repo, &["--no-input"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout_of(&again).contains("Already current"),
        "{}",
        stdout_of(&again)
    );
}

#[test]
fn conflicting_edit_gets_markers_and_exit_1_and_nothing_else_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "demo", "1.0.0", &[]);
    team_edits(&repo);
    edit(&repo, "config.yaml", "memory: 256Mi", "memory: 1Gi");
    commit(&repo, "more memory");

    let out = update(&repo, &["--no-input", "--set", "region=eu"]);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr_of(&out));
    assert!(
        text.contains("conflict   config.yaml  (1 conflicting region(s))"),
        "{text}"
    );
    assert!(
        text.contains("1 conflict(s) to resolve by hand: config.yaml"),
        "{text}"
    );
    let config = read(&repo, "config.yaml");
    assert!(
        config.contains(
            "<<<<<<< ours\n  memory: 1Gi\n=======\n  memory: 512Mi\n>>>>>>> blueprint 2.0.0\n"
        ),
        "{config}"
    );
    assert!(
        config.contains("level: debug") && config.contains("region: eu"),
        "{config}"
    );
    assert!(read(&repo, "ci.yml").contains("make deploy"));
    assert!(!tree(&repo).keys().any(|p| p.ends_with(".rej")));

    // A later update refuses until the markers are resolved.
    commit(&repo, "update with conflict");
    let again = update(&repo, &["--no-input"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr_of(&again)
        .contains("conflict markers from an earlier update are still in config.yaml"));
}

#[test]
fn bad_input_and_dirty_trees_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "demo", "1.0.0", &[]);
    team_edits(&repo);
    let before = tree(&repo);

    // region has no default: --no-input without it is exit 2, nothing written.
    let out = update(&repo, &["--no-input"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--set region=VALUE"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(tree(&repo), before);

    for (args, expect) in [
        (
            vec!["--no-input", "--set", "region=eu", "--to", "3.0.0"],
            "no version 3.0.0",
        ),
        (
            vec!["--no-input", "--set", "region=eu", "--to", "0.1.0"],
            "only moves forward",
        ),
        (
            vec!["--no-input", "--set", "nope=1"],
            "unknown variable \"nope\"",
        ),
        (
            vec!["--no-input", "--set", "region=eu; rm -rf /"],
            "invalid value for region",
        ),
    ] {
        let out = update(&repo, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_of(&out).contains(expect),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert_eq!(tree(&repo), before, "{args:?}");
    }

    // Dry run: plan and diffs, nothing written.
    let out = update(&repo, &["--no-input", "--set", "region=eu", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout_of(&out);
    assert!(
        text.contains("+  contents: read") && text.contains("nothing written (--dry-run)"),
        "{text}"
    );
    assert_eq!(tree(&repo), before);

    // An uncommitted change is refused, untouched; --allow-dirty goes ahead.
    std::fs::write(repo.join("scratch.txt"), "wip").unwrap();
    let before = tree(&repo);
    let out = update(&repo, &["--no-input", "--set", "region=eu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("uncommitted changes"),
        "{}",
        stderr_of(&out)
    );
    assert!(stderr_of(&out).contains("--allow-dirty"));
    assert_eq!(tree(&repo), before);
    let out = update(
        &repo,
        &["--no-input", "--set", "region=eu", "--allow-dirty"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(read(&repo, "scratch.txt"), "wip");
}

#[test]
fn restore_puts_managed_files_back_and_clears_conformance_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path(), "demo", "1.1.0", &[]);
    edit(&repo, "ci.yml", "contents: read", "contents: write");
    edit(&repo, "config.yaml", "replicas: 2", "replicas: 9");
    std::fs::remove_file(repo.join("run.sh")).unwrap();
    edit(&repo, "src/app.txt", "/healthz", "/health");
    commit(&repo, "drifted");
    let f = findings(&drift_json(&repo, &[]));
    assert_eq!(
        f.iter().filter(|f| f.0 != "PVD-BLUEPRINT-004").count(),
        3,
        "{f:?}"
    );
    let report = drift_json(&repo, &[]);
    let remediation = report["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PVD-BLUEPRINT-001")
        .unwrap()["remediation"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        remediation.contains("paved update --restore FILE"),
        "{remediation}"
    );

    // One file.
    let out = update(&repo, &["--restore", "ci.yml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(read(&repo, "ci.yml").contains("contents: read"));
    assert!(read(&repo, "config.yaml").contains("replicas: 9"));
    commit(&repo, "restored ci");

    // A seeded or unknown file is refused.
    for (file, expect) in [("src/app.txt", "seeded"), ("nope.txt", "does not manage")] {
        let out = update(&repo, &["--restore", file]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr_of(&out).contains(expect), "{}", stderr_of(&out));
    }

    // Everything managed; the seeded edit stays; the version does not move.
    let out = update(&repo, &["--restore"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(read(&repo, "config.yaml").contains("replicas: 2"));
    assert!(repo.join("run.sh").exists());
    assert!(read(&repo, "src/app.txt").contains("/health\n"));
    assert!(read(&repo, ".paved/answers.toml").contains("version = \"1.1.0\""));
    let f = findings(&drift_json(&repo, &[]));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "PVD-BLUEPRINT-004");
}

#[test]
fn recursive_updates_each_repository_independently_and_summarises() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    let clean = generate(&fleet, "clean", "1.0.0", &[]);
    team_edits(&clean);
    let conflicted = generate(&fleet, "conflicted", "1.1.0", &[]);
    edit(&conflicted, "config.yaml", "memory: 256Mi", "memory: 1Gi");
    commit(&conflicted, "edit");
    generate(&fleet, "current", "2.0.0", &["--set", "region=eu"]);
    let dirty = generate(&fleet, "dirty", "1.0.0", &[]);
    std::fs::write(dirty.join("wip.txt"), "x").unwrap();
    let broken = generate(&fleet.join("nested"), "broken", "1.0.0", &[]);
    std::fs::write(broken.join(".paved/answers.toml"), "not = [toml").unwrap();
    commit(&broken, "broke it");
    std::fs::create_dir_all(fleet.join("not-generated/.git")).unwrap();
    let dirty_before = tree(&dirty);

    let out = mini()
        .args([
            "update",
            "--no-input",
            "--set",
            "region=eu",
            "--format",
            "json",
            "--recursive",
        ])
        .arg(&fleet)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status: Vec<(String, String)> = v["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let path = r["path"].as_str().unwrap();
            let rel = Path::new(path)
                .strip_prefix(&fleet)
                .unwrap()
                .display()
                .to_string();
            (rel, r["status"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        status,
        [
            ("clean".to_string(), "updated".to_string()),
            ("conflicted".into(), "conflicts".into()),
            ("current".into(), "current".into()),
            ("dirty".into(), "refused".into()),
            ("nested/broken".into(), "refused".into()),
        ]
    );
    assert_eq!(v["summary"]["repos"], 5);
    assert_eq!(v["summary"]["updated"], 1);
    assert_eq!(v["summary"]["conflicts"], 1);
    assert_eq!(v["summary"]["refused"], 2);
    assert_eq!(v["repos"][1]["conflicts"][0], "config.yaml");
    assert!(v["repos"][3]["reason"]
        .as_str()
        .unwrap()
        .contains("uncommitted"));
    assert!(read(&clean, "config.yaml").contains("level: debug"));
    assert!(read(&conflicted, "config.yaml").contains(">>>>>>> blueprint 2.0.0"));
    assert_eq!(tree(&dirty), dirty_before);

    // The human table, for a run with a failure (a needed answer missing) too.
    let fleet2 = tmp.path().join("fleet2");
    generate(&fleet2, "a", "1.0.0", &[]);
    generate(&fleet2, "b", "2.0.0", &["--set", "region=eu"]);
    let out = mini()
        .args(["update", "--no-input", "--recursive"])
        .arg(&fleet2)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = stdout_of(&out);
    assert!(text.starts_with("REPOSITORY"), "{text}");
    assert!(
        text.contains("failed") && text.contains("--set region=VALUE"),
        "{text}"
    );
    assert!(
        text.contains("2 repositories: 0 updated cleanly, 0 with conflicts, 1 already current, 0 refused, 1 failed"),
        "{text}"
    );
}

/// Copies the versioned `mini` fixture so a test can change it.
fn copy_mini(dest: &Path) -> PathBuf {
    let src = versioned().join("mini");
    let target = dest.join("mini");
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let to = target.join(e.path().strip_prefix(&src).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    target
}

fn check(dir: &Path) -> (i32, String) {
    let out = paved()
        .args(["blueprint", "check"])
        .arg(dir)
        .output()
        .unwrap();
    (out.status.code().unwrap(), stdout_of(&out))
}

#[test]
fn blueprint_check_checks_every_release() {
    let tmp = tempfile::tempdir().unwrap();
    let bp = copy_mini(tmp.path());
    let (code, text) = check(&bp);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("2 frozen release(s) checked"), "{text}");

    // A modified release.
    let release = bp.join("releases/1.0.0/template/ci.yml");
    let original = std::fs::read(&release).unwrap();
    std::fs::write(&release, b"name: changed\n").unwrap();
    let (code, text) = check(&bp);
    assert_eq!(code, 1);
    assert!(
        text.contains("release 1.0.0 was modified after it was frozen"),
        "{text}"
    );
    std::fs::write(&release, &original).unwrap();

    // A version without release notes, a release whose variable is gone without a
    // migration, a release folder holding another version.
    let manifest = bp.join("blueprint.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let without_notes = text.replace(
        "[[changelog]]\nversion = \"2.0.0\"\nsummary = \"port replaces legacy_port, a region is required, owned.txt becomes managed\"\n",
        "",
    );
    let without_migration = without_notes.replace("drop = [\"old_flag\"]\n", "");
    std::fs::write(&manifest, &without_migration).unwrap();
    let (code, out) = check(&bp);
    assert_eq!(code, 1);
    assert!(
        out.contains("has no [[changelog]] entry for 2.0.0"),
        "{out}"
    );
    assert!(
        out.contains("variable \"old_flag\" of release 1.0.0 is gone from 2.0.0"),
        "{out}"
    );
    std::fs::write(&manifest, &text).unwrap();

    std::fs::rename(bp.join("releases/1.1.0"), bp.join("releases/1.2.0")).unwrap();
    let (code, out) = check(&bp);
    assert_eq!(code, 1);
    assert!(
        out.contains("blueprint.version is 1.1.0 but the release folder is named 1.2.0"),
        "{out}"
    );
    assert!(
        out.contains("records release 1.1.0, but releases/1.1.0/ is missing"),
        "{out}"
    );
}

#[test]
fn blueprint_release_freezes_the_current_version_once() {
    let tmp = tempfile::tempdir().unwrap();
    let bp = copy_mini(tmp.path());
    let out = paved()
        .args(["blueprint", "release"])
        .arg(&bp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("Frozen mini 2.0.0"),
        "{}",
        stdout_of(&out)
    );
    let frozen = bp.join("releases/2.0.0");
    for rel in [
        "blueprint.toml",
        "template/config.yaml.hbs",
        "template/run.sh",
    ] {
        assert_eq!(
            std::fs::read(frozen.join(rel)).unwrap(),
            std::fs::read(bp.join(rel)).unwrap(),
            "{rel}"
        );
    }
    assert!(!frozen.join("releases").exists());
    let hashes = std::fs::read_to_string(bp.join("releases/hashes.toml")).unwrap();
    assert!(hashes.starts_with("# Content hash"), "{hashes}");
    assert!(hashes.contains("\"2.0.0\" = \"sha256:"), "{hashes}");
    // Until the version is bumped the check accepts the identical latest.
    let (code, text) = check(&bp);
    assert_eq!(code, 0, "{text}");

    let before = tree(&bp);
    let out = paved()
        .args(["blueprint", "release"])
        .arg(&bp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("is frozen already"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(tree(&bp), before);

    // Editing the latest without bumping its version is caught.
    std::fs::write(bp.join("template/run.sh"), "#!/bin/sh\necho changed\n").unwrap();
    let (code, text) = check(&bp);
    assert_eq!(code, 1);
    assert!(
        text.contains("is not older than the latest version 2.0.0, and differs from it"),
        "{text}"
    );
}

/// The built-in rust-axum: a 1.0.0 service audited by this binary is checked against
/// 1.0.0 (no conformance finding), and is reported as behind the latest version, as a
/// security finding when a newer version's release notes say so.
#[test]
fn rust_axum_1_0_0_is_checked_against_1_0_0_and_reported_behind() {
    let manifest: toml::Table = toml::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/rust-axum/blueprint.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    let latest = manifest["blueprint"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    if latest == "1.0.0" {
        return;
    }
    let security = manifest
        .get("changelog")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .any(|e| e["security"].as_bool() == Some(true) && e["version"].as_str() != Some("1.0.0"));
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    let out = paved()
        .args([
            "new",
            "demo-svc",
            "--blueprint",
            "rust-axum@1.0.0",
            "--no-input",
            "--output",
        ])
        .arg(&svc)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let out = paved()
        .args(["drift", "--format", "json"])
        .arg(&svc)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{f:?}");
    let (rule, severity) = if security {
        ("PVD-BLUEPRINT-005", "medium")
    } else {
        ("PVD-BLUEPRINT-004", "info")
    };
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str()),
        (rule, severity),
        "{f:?}"
    );
    assert!(f[0].3.contains(&latest), "{}", f[0].3);
    let all = report["repos"][0]["findings"].as_array().unwrap();
    assert_eq!(
        all.len(),
        1,
        "a fresh 1.0.0 service has no other finding: {all:?}"
    );
}
