//! Blueprint conformance on repositories generated from the fixture blueprint.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;
use paved::blueprint::conformance::{check_repo, Conformance, Deviation};
use paved::blueprint::Catalog;

fn generate(dir: &Path) -> PathBuf {
    let out = dir.join("svc");
    paved_fixtures()
        .args([
            "new",
            "svc",
            "-b",
            "full",
            "--no-input",
            "--set",
            "use_db=true",
            "--set",
            "db_name=orders",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    out
}

fn catalog() -> Catalog {
    Catalog::from_dir(&fixture_blueprints()).unwrap()
}

fn deviations(repo: &Path) -> Vec<Deviation> {
    match check_repo(repo, &catalog()) {
        Some(Conformance::Checked {
            deviations,
            compared,
            hash_changed,
            ..
        }) => {
            assert_eq!(compared, 8);
            assert!(!hash_changed);
            deviations
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn fresh_repository_conforms() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(deviations(&generate(tmp.path())), vec![]);
}

#[test]
fn repository_without_provenance_is_not_checked() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(check_repo(tmp.path(), &catalog()), None);
}

#[test]
fn changed_missing_and_mode_deviations_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path());
    crate::common::deviate_full_fixture(&repo);
    // Seeded files belong to the service: editing them is not drift.
    fs::write(repo.join("src/main.rs"), "fn main() {}\n").unwrap();
    fs::write(repo.join("README.md"), "mine now\n").unwrap();

    let found = deviations(&repo);
    assert_eq!(found.len(), 3, "{found:?}");
    match &found[0] {
        Deviation::Missing { path } => assert_eq!(path, "db/schema.sql"),
        other => panic!("{other:?}"),
    }
    match &found[1] {
        Deviation::Changed { path, line, diff } => {
            assert_eq!(path, "deploy/k8s/deployment.yaml");
            assert_eq!(*line, Some(9));
            assert!(diff.contains("+  paused: true"), "{diff}");
            assert!(
                diff.contains("--- a/deploy/k8s/deployment.yaml (blueprint)"),
                "{diff}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        found[2],
        Deviation::Mode {
            path: "scripts/run.sh".into(),
            expected_executable: true
        }
    );
}

#[test]
fn links_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path());
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::copy(
        repo.join("deploy/terraform/main.tf"),
        outside.join("main.tf"),
    )
    .unwrap();
    fs::remove_dir_all(repo.join("deploy/terraform")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("deploy/terraform")).unwrap();
    let found = deviations(&repo);
    assert_eq!(
        found,
        vec![Deviation::NotAFile {
            path: "deploy/terraform/main.tf".into(),
            what: "a symbolic link"
        }]
    );
}

#[test]
fn other_version_or_unknown_blueprint_is_said_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path());
    let prov = repo.join(".paved/answers.toml");
    let text = fs::read_to_string(&prov).unwrap();
    fs::write(
        &prov,
        text.replace("version = \"1.2.3\"", "version = \"1.0.0\""),
    )
    .unwrap();
    match check_repo(&repo, &catalog()) {
        Some(Conformance::VersionUnavailable {
            available,
            provenance,
        }) => {
            assert_eq!(available.to_string(), "1.2.3");
            assert_eq!(provenance.blueprint_version.to_string(), "1.0.0");
        }
        other => panic!("{other:?}"),
    }
    fs::write(&prov, text.replace("id = \"full\"", "id = \"gone\"")).unwrap();
    assert!(matches!(
        check_repo(&repo, &catalog()),
        Some(Conformance::BlueprintUnavailable { .. })
    ));
    fs::write(&prov, "not = [toml").unwrap();
    assert!(matches!(
        check_repo(&repo, &catalog()),
        Some(Conformance::Broken { .. })
    ));
    fs::write(
        &prov,
        text.replace("db_name = \"orders\"", "db_name = \"$(id)\""),
    )
    .unwrap();
    match check_repo(&repo, &catalog()) {
        Some(Conformance::Broken { message, .. }) => {
            assert!(message.contains("no longer render"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn edited_blueprint_without_version_bump_is_noticed() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = generate(tmp.path());
    let prov = repo.join(".paved/answers.toml");
    let text = fs::read_to_string(&prov).unwrap();
    let hash_line = text.lines().find(|l| l.starts_with("hash = ")).unwrap();
    fs::write(&prov, text.replace(hash_line, "hash = \"sha256:0000\"")).unwrap();
    assert!(matches!(
        check_repo(&repo, &catalog()),
        Some(Conformance::Checked {
            hash_changed: true,
            ..
        })
    ));
}
