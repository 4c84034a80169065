//! `paved list` and `paved blueprint check`.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn list_shows_id_version_and_description() {
    paved_fixtures()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "full  1.2.3     Fixture exercising every blueprint feature",
        ));
    paved_fixtures()
        .arg("blueprints")
        .assert()
        .success()
        .stdout(predicate::str::contains("full"));
}

#[test]
fn list_reports_broken_manifests_without_failing() {
    // `list` reads manifests only (it must stay fast); a template that does not
    // compile is `paved blueprint check`'s to report.
    paved()
        .arg("--blueprints")
        .arg(fixtures().join("broken-blueprints"))
        .arg("list")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("manifest  (invalid)")
                .and(predicate::str::contains("lint      0.1.0"))
                .and(predicate::str::contains("syntax    0.1.0")),
        )
        .stderr(
            predicate::str::contains("manifest/blueprint.toml")
                .and(predicate::str::contains("not a semantic version"))
                .and(predicate::str::contains("paved blueprint check")),
        );
}

#[test]
fn built_in_blueprints_are_embedded() {
    // Run from an empty directory: nothing beside the binary is needed.
    let tmp = tempfile::tempdir().unwrap();
    let out = paved()
        .current_dir(tmp.path())
        .arg("list")
        .output()
        .unwrap();
    assert!(out.status.success());
    let ids: Vec<String> = paved::blueprint::Catalog::embedded().ids().to_vec();
    for id in ids {
        assert!(
            stdout_of(&out).contains(&id),
            "{id} missing from {}",
            stdout_of(&out)
        );
    }
}

#[test]
fn check_passes_a_good_blueprint() {
    paved()
        .args(["blueprint", "check"])
        .arg(fixture_blueprints().join("full"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ok: full 1.2.3: 10 templates, rendered 9 answer sets",
        ));
}

#[test]
fn check_reports_every_authoring_mistake_with_file_and_line() {
    let dir = fixtures().join("broken-blueprints/lint");
    let out = paved()
        .args(["blueprint", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    let readme = format!("{}/template/README.md.hbs", dir.display());
    let manifest = format!("{}/blueprint.toml", dir.display());
    for expected in [
        format!("error: {readme}:3: uses \"colour\", which is not a declared variable"),
        format!("error: {readme}:5: uses \"topping\""),
        format!("error: {manifest}:14: variable \"never_used\" is declared but no template"),
        format!(
            "error: {manifest}:19: [[files]] rule 1 (\"nothing/matches/**\") matches no template"
        ),
        // Rendering with defaults fails on the undeclared variable...
        "(rendering with the defaults)".to_string(),
        // ...and the choice branch is rendered too, finding the second one.
        "(rendering with flavour=\"chocolate\")".to_string(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn check_reports_template_syntax_errors() {
    let dir = fixtures().join("broken-blueprints/syntax");
    paved()
        .args(["blueprint", "check"])
        .arg(&dir)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{}/template/bad.txt.hbs:3:",
            dir.display()
        )));
}

#[test]
fn check_of_missing_directory_is_a_usage_error() {
    paved()
        .args(["blueprint", "check", "/nonexistent/bp"])
        .assert()
        .code(2);
}

#[test]
fn usage_errors_exit_2() {
    paved().arg("new").assert().code(2);
    paved().args(["new", "x", "--bogus"]).assert().code(2);
    paved().arg("frobnicate").assert().code(2);
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    // `paved rules --format json | head -c 100`: the output is larger than a pipe
    // holds, so paved is still writing when the reader goes away.
    use std::io::Read;
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paved"))
        .args(["rules", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}
