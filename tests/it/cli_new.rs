//! `paved new` end to end on the fixture blueprint: every flag, every variable type,
//! conditional files, templated names, verbatim and binary files, provenance.

use std::fs;

use crate::common::*;

const ALL_DEFAULT_FILES: &[&str] = &[
    ".github/workflows/ci.yml",
    ".paved/answers.toml",
    "README.md",
    "assets/logo.png",
    "config/demo_svc.toml",
    "demo-svc-docs/index.md",
    "deploy/k8s/deployment.yaml",
    "deploy/terraform/main.tf",
    "scripts/run.sh",
    "src/main.rs",
];

#[test]
fn generates_with_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo-svc");
    paved_fixtures()
        .args([
            "new",
            "demo-svc",
            "--blueprint",
            "full",
            "--no-input",
            "--output",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Created demo-svc from full 1.2.3",
        ));

    assert_eq!(file_names(&out), ALL_DEFAULT_FILES);
    // Nothing but the target is left beside it (the staging directory is gone).
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);

    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.starts_with(
            "# Demo Svc\n\nThe Demo Svc service\n\nOwned by @acme/demo-svc. Exposure: internal.\n"
        ),
        "{readme}"
    );
    assert!(
        !readme.contains("Replicas"),
        "replicas is skipped for internal services"
    );

    let config = fs::read_to_string(out.join("config/demo_svc.toml")).unwrap();
    let parsed: toml::Table = toml::from_str(&config).unwrap();
    assert_eq!(parsed["service"]["struct"].as_str(), Some("DemoSvc"));
    assert_eq!(parsed["service"]["env_prefix"].as_str(), Some("DEMO_SVC"));

    // Verbatim copies keep their bytes and mode; rendered files keep escaped braces.
    let run = tree(&out).remove("scripts/run.sh").unwrap();
    let Entry::File { bytes, executable } = run else {
        panic!()
    };
    assert!(executable);
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("{{ not_a_variable }} and ${{ github.sha }}"));
    assert_eq!(
        fs::read(out.join("assets/logo.png")).unwrap(),
        fs::read(fixture_blueprints().join("full/template/assets/logo.png")).unwrap()
    );
    let ci = fs::read_to_string(out.join(".github/workflows/ci.yml")).unwrap();
    assert!(
        ci.contains(r#"echo "{{ github.sha }}""#) && ci.contains(r#"echo "${{ github.ref }}""#),
        "{ci}"
    );
    assert!(!fs::read_to_string(out.join("deploy/terraform/main.tf"))
        .unwrap()
        .is_empty());
}

#[test]
fn provenance_records_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo-svc");
    paved_fixtures()
        .args([
            "new",
            "demo-svc",
            "-b",
            "full",
            "--no-input",
            "--set",
            "exposure=internet",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = fs::read_to_string(out.join(".paved/answers.toml")).unwrap();
    let prov = paved::blueprint::provenance::parse(&text, "answers.toml").unwrap();
    assert_eq!(prov.blueprint_id, "full");
    assert_eq!(prov.blueprint_version.to_string(), "1.2.3");
    assert!(prov.blueprint_hash.starts_with("sha256:") && prov.blueprint_hash.len() == 71);
    assert_eq!(prov.paved_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(prov.answers["name"].as_str(), Some("demo-svc"));
    assert_eq!(prov.answers["exposure"].as_str(), Some("internet"));
    assert_eq!(prov.answers["replicas"].as_integer(), Some(2));
    assert_eq!(prov.answers["use_db"].as_bool(), Some(false));
    assert!(
        !prov.answers.contains_key("db_name"),
        "skipped variables are not recorded"
    );
    assert_eq!(prov.seeded, vec!["README.md", "src/main.rs"]);
    assert!(prov
        .managed
        .contains(&"deploy/k8s/deployment.yaml".to_string()));
    // The hash is the one the engine computes for the fixture.
    let bp = paved::blueprint::Catalog::from_dir(&fixture_blueprints())
        .unwrap()
        .load("full")
        .unwrap();
    assert_eq!(prov.blueprint_hash, bp.hash);
}

#[test]
fn set_answers_drive_conditions() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("orders");
    paved_fixtures()
        .args(["new", "orders", "-b", "full", "--no-input"])
        .args([
            "--set",
            "use_db=yes",
            "--set",
            "db_name=orders_db",
            "--set",
            "iac=terraform",
        ])
        .args([
            "--set",
            "exposure=internet",
            "--set",
            "replicas=5",
            "--set",
            "description=Order intake API",
        ])
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    let files = file_names(&out);
    assert!(files.contains(&"db/schema.sql".to_string()));
    assert!(
        !files.iter().any(|f| f.starts_with("deploy/k8s")),
        "{files:?}"
    );
    assert!(files.contains(&"deploy/terraform/main.tf".to_string()));
    assert_eq!(
        fs::read_to_string(out.join("db/schema.sql")).unwrap(),
        "CREATE DATABASE orders_db;\n"
    );
    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.contains("Order intake API") && readme.contains("Replicas: 5"),
        "{readme}"
    );
}

#[test]
fn same_answers_give_a_byte_identical_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a/demo-svc");
    let b = tmp.path().join("b/demo-svc");
    paved_fixtures()
        .args([
            "new",
            "demo-svc",
            "-b",
            "full",
            "--no-input",
            "--set",
            "iac=terraform,kubernetes",
            "-o",
        ])
        .arg(&a)
        .assert()
        .success();
    // Feed the recorded answers back: the same tree, byte for byte.
    paved_fixtures()
        .args(["new", "demo-svc", "-b", "full", "--no-input", "--answers"])
        .arg(a.join(".paved/answers.toml"))
        .arg("-o")
        .arg(&b)
        .assert()
        .success();
    assert_eq!(tree(&a), tree(&b));
}

#[test]
fn plain_answers_file() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = tmp.path().join("answers.toml");
    fs::write(&answers, "use_db = true\ndb_name = \"ledger\"\niac = []\n").unwrap();
    let out = tmp.path().join("svc");
    paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "--answers"])
        .arg(&answers)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let files = file_names(&out);
    assert!(files.contains(&"db/schema.sql".to_string()));
    assert!(!files.iter().any(|f| f.starts_with("deploy/")), "{files:?}");
}

#[test]
fn set_wins_over_answers_file() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = tmp.path().join("answers.toml");
    fs::write(&answers, "[answers]\nexposure = \"internet\"\n").unwrap();
    let out = tmp.path().join("svc");
    paved_fixtures()
        .args([
            "new",
            "svc",
            "-b",
            "full",
            "--no-input",
            "--set",
            "exposure=internal",
            "--answers",
        ])
        .arg(&answers)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(fs::read_to_string(out.join("README.md"))
        .unwrap()
        .contains("Exposure: internal."));
}

#[test]
fn dry_run_prints_the_tree_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo-svc");
    let output = paved_fixtures()
        .args([
            "new",
            "demo-svc",
            "-b",
            "full",
            "--no-input",
            "--dry-run",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        tree(tmp.path()).is_empty(),
        "dry run wrote {:?}",
        tree(tmp.path())
    );
    let stdout = stdout_of(&output).replace(&tmp.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("dry_run_full_defaults", stdout);
}

#[test]
fn default_output_is_name_in_current_directory() {
    let tmp = tempfile::tempdir().unwrap();
    paved_fixtures()
        .current_dir(tmp.path())
        .args(["new", "here-svc", "-b", "full", "--no-input"])
        .assert()
        .success();
    assert!(tmp.path().join("here-svc/.paved/answers.toml").is_file());
}

#[test]
fn empty_existing_directory_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("svc");
    fs::create_dir(&out).unwrap();
    paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("README.md").is_file());
}

#[test]
fn non_empty_target_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("svc");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("README.md"), "my notes").unwrap();
    let before = tree(tmp.path());
    let output = paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(tree(tmp.path()), before);
    // --dry-run refuses too, so it never promises what the real run would not do.
    paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "--dry-run", "-o"])
        .arg(&out)
        .assert()
        .code(2);
}

#[test]
fn force_overwrites_generated_files_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("svc");
    fs::create_dir_all(out.join(".git")).unwrap();
    fs::write(out.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::write(out.join("README.md"), "old").unwrap();
    fs::write(out.join("NOTES.txt"), "keep me").unwrap();
    paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "--force", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("1 existing files overwritten"));
    assert_eq!(
        fs::read_to_string(out.join("NOTES.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(
        fs::read_to_string(out.join(".git/HEAD")).unwrap(),
        "ref: refs/heads/main\n"
    );
    assert!(fs::read_to_string(out.join("README.md"))
        .unwrap()
        .starts_with("# Svc"));
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "no staging directory left"
    );
}

#[test]
fn force_refuses_to_write_through_a_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let out = tmp.path().join("svc");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep"), "x").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("deploy")).unwrap();
    let before = tree(tmp.path());
    let output = paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "--force", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("symbolic link"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(tree(tmp.path()), before);
}

#[test]
fn target_that_is_a_file_or_symlink_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &link).unwrap();
    for target in [&file, &link] {
        let before = tree(tmp.path());
        let output = paved_fixtures()
            .args(["new", "svc", "-b", "full", "--no-input", "--force", "-o"])
            .arg(target)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", target.display());
        assert_eq!(tree(tmp.path()), before);
    }
}

#[test]
fn missing_parents_are_created() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a/b/c/svc");
    paved_fixtures()
        .args(["new", "svc", "-b", "full", "--no-input", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("README.md").is_file());
}

#[test]
fn unknown_blueprint_lists_the_available_ones() {
    let tmp = tempfile::tempdir().unwrap();
    paved_fixtures()
        .current_dir(tmp.path())
        .args(["new", "svc", "-b", "nope", "--no-input"])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("no blueprint named \"nope\"")
                .and(predicates::str::contains("available: full")),
        );
    assert!(tree(tmp.path()).is_empty());
}

#[test]
fn blueprints_directory_from_environment() {
    let tmp = tempfile::tempdir().unwrap();
    paved()
        .env("PAVED_BLUEPRINTS", fixture_blueprints())
        .current_dir(tmp.path())
        .args(["new", "svc", "--no-input"])
        .assert()
        .success();
    // With one blueprint in the directory it is the default.
    assert!(tmp.path().join("svc/.paved/answers.toml").is_file());
}

#[test]
fn missing_blueprints_directory_is_a_clear_error() {
    paved()
        .args(["--blueprints", "/nonexistent/blueprints", "list"])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("/nonexistent/blueprints")
                .and(predicates::str::contains("--blueprints")),
        );
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn reserved_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    paved_fixtures()
        .current_dir(tmp.path())
        .args(["new", "reserved-svc", "-b", "full", "--no-input"])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("invalid service name \"reserved-svc\"")
                .and(predicates::str::contains("blueprint full cannot generate")),
        );
    assert!(tree(tmp.path()).is_empty());
    // The built-in blueprint refuses Rust built-ins and crates its lockfile pins.
    for name in ["test", "core", "tokio", "axum"] {
        paved()
            .current_dir(tmp.path())
            .args(["new", name, "--no-input"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("rust-axum cannot generate"));
    }
    assert!(tree(tmp.path()).is_empty());
}
