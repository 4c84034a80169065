//! Blueprints composed from shared layers (tests/fixtures/layered): precedence,
//! overrides, variables from layers, provenance and conformance, and every way a
//! composition can be refused (tests/fixtures/layered-broken).

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;
use paved::blueprint::conformance::{check_repo, Conformance, Deviation, LayerChange};
use paved::blueprint::Catalog;

fn layered() -> PathBuf {
    fixtures().join("layered")
}

fn broken() -> PathBuf {
    fixtures().join("layered-broken")
}

fn new_svc(out: &Path, extra: &[&str]) -> std::process::Output {
    paved()
        .arg("--blueprints")
        .arg(layered())
        .args([
            "new",
            "demo",
            "--blueprint",
            "svc",
            "--no-input",
            "--output",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn read(path: PathBuf) -> String {
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn layers_are_not_listed_as_blueprints() {
    paved()
        .arg("--blueprints")
        .arg(layered())
        .arg("list")
        .assert()
        .success()
        .stdout("svc  2.0.0     Fixture service composed from shared layers\n");
}

#[test]
fn composed_output_follows_the_precedence_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run = new_svc(&out, &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    assert_eq!(
        file_names(&out),
        [
            ".github/workflows/ci.yml",
            ".github/workflows/security.yml",
            ".paved/answers.toml",
            "CODEOWNERS",
            "SECURITY.md",
            "deploy/k8s/deployment.yaml",
            "deploy/k8s/networkpolicy.yaml",
            "src/main.txt",
        ]
    );
    // Files from three layers and the blueprint, each rendered with every answer.
    assert_eq!(read(out.join("CODEOWNERS")), "* @acme/demo\n");
    assert_eq!(
        read(out.join("SECURITY.md")),
        "# Security policy of demo\n\nReachable from: internal.\nOwned by @acme/demo.\n"
    );
    assert_eq!(
        read(out.join("src/main.txt")),
        "port = 8080\nowner = @acme/demo\n"
    );
    // `[[layers]] defaults` replaces the layer's default (2).
    assert!(read(out.join("deploy/k8s/deployment.yaml")).contains("replicas: 3\n"));
    // The blueprint's partial fills in the layer's hook.
    assert_eq!(
        read(out.join(".github/workflows/ci.yml")),
        "name: ci\njobs:\n  build:\n    steps:\n      - run: make build PORT=8080\n  secrets:\n    steps:\n      - run: gitleaks detect\n"
    );
    // `[[overrides]]`: the blueprint's security.yml wins over the layer's.
    assert_eq!(
        read(out.join(".github/workflows/security.yml")),
        "name: security (svc)\n"
    );
}

#[test]
fn layer_variables_are_answered_and_validated_like_the_blueprints() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run = new_svc(
        &out,
        &[
            "--set",
            "replicas=5",
            "--set",
            "deploy=false",
            "--set",
            "exposure=internet",
        ],
    );
    assert!(run.status.success(), "{}", stderr_of(&run));
    // A layer's file rule (`deploy/k8s/**` when deploy) applies.
    assert!(!out.join("deploy").exists());
    assert!(read(out.join("SECURITY.md")).contains("Reachable from: internet."));

    let bad = tmp.path().join("bad");
    let run = new_svc(&bad, &["--set", "exposure=public"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr_of(&run).contains("exposure"), "{}", stderr_of(&run));
    let run = new_svc(&bad, &["--set", "replicas=50"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!bad.exists());
}

#[test]
fn provenance_records_the_layers_and_their_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    assert!(new_svc(&out, &[]).status.success());
    let text = read(out.join(".paved/answers.toml"));
    let answers: toml::Table = toml::from_str(&text).unwrap();
    let blueprint = answers["blueprint"].as_table().unwrap();
    let layers: Vec<(&str, &str)> = blueprint["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l["hash"].as_str().unwrap()))
        .collect();
    let ids: Vec<&str> = layers.iter().map(|l| l.0).collect();
    assert_eq!(ids, ["governance", "k8s", "ci"]);
    assert!(layers
        .iter()
        .all(|l| l.1.starts_with("sha256:") && l.1.len() == 71));
    let bp = Catalog::from_dir(&layered()).unwrap().load("svc").unwrap();
    assert_eq!(blueprint["hash"].as_str(), Some(bp.hash.as_str()));
    // Answers follow declaration order: layers first, then the blueprint.
    assert!(
        text.contains("[answers]\nname = \"demo\"\nowner = \"@acme/demo\"\nexposure = \"internal\"\nreplicas = 3\ndeploy = true\nport = 8080\n"),
        "{text}"
    );
}

#[test]
fn conformance_compares_files_from_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    assert!(new_svc(&out, &[]).status.success());
    let catalog = Catalog::from_dir(&layered()).unwrap();
    let deviations = |repo: &Path| match check_repo(repo, &catalog) {
        Some(Conformance::Checked {
            deviations,
            compared,
            hash_changed,
            ..
        }) => {
            assert_eq!(compared, 4);
            assert!(!hash_changed);
            deviations
        }
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(deviations(&out), vec![]);

    // A managed file from a layer, edited; a seeded one from another layer, edited.
    let deploy = out.join("deploy/k8s/deployment.yaml");
    fs::write(
        &deploy,
        read(deploy.clone()).replace("replicas: 3", "replicas: 1"),
    )
    .unwrap();
    fs::write(out.join("SECURITY.md"), "ours now\n").unwrap();
    fs::remove_file(out.join(".github/workflows/ci.yml")).unwrap();
    let found = deviations(&out);
    let paths: Vec<&str> = found.iter().map(Deviation::path).collect();
    assert_eq!(
        paths,
        [".github/workflows/ci.yml", "deploy/k8s/deployment.yaml"]
    );
    match &found[1] {
        Deviation::Changed { line, diff, .. } => {
            assert_eq!(*line, Some(8));
            assert!(diff.contains("-  replicas: 3\n+  replicas: 1\n"), "{diff}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn check_covers_layers_and_the_blueprints_using_them() {
    paved()
        .args(["blueprint", "check"])
        .arg(layered())
        .assert()
        .success()
        .stdout(
            "ok: layer ci: 2 templates, rendered 1 answer sets\n\
             ok: layer governance: 2 templates, rendered 3 answer sets\n\
             ok: layer k8s: 4 templates, rendered 5 answer sets\n\
             ok: svc 2.0.0: 7 templates, rendered 5 answer sets, 0 frozen release(s) checked\n",
        );
    paved()
        .args(["blueprint", "check"])
        .arg(layered().join("_layers/k8s"))
        .assert()
        .success()
        .stdout(
            "ok: layer k8s: 4 templates, rendered 5 answer sets\n\
             ok: svc 2.0.0: 7 templates, rendered 5 answer sets, 0 frozen release(s) checked\n",
        );
}

#[test]
fn check_reports_a_layer_mistake_at_the_layer_and_in_its_blueprints() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("blueprints");
    copy_tree(&layered(), &root);
    // A variable the layer does not declare.
    fs::write(
        root.join("_layers/k8s/template/deploy/k8s/networkpolicy.yaml.hbs"),
        "kind: NetworkPolicy\nname: {{name}}\nport: {{port}}\n",
    )
    .unwrap();
    let out = paved()
        .args(["blueprint", "check"])
        .arg(root.join("_layers/k8s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    let file = format!(
        "{}/template/deploy/k8s/networkpolicy.yaml.hbs:3",
        root.join("_layers/k8s").display()
    );
    assert!(
        text.contains(&format!(
            "error: {file}: uses \"port\", which is not a declared variable"
        )),
        "{text}"
    );
    // Through svc, which declares `port`, the same template is fine.
    assert!(text.contains("ok: svc 2.0.0"), "{text}");
    // Also every rendering of the layer on its own fails on it.
    assert!(text.contains("5 problem(s) found in layer k8s"), "{text}");
}

#[test]
fn a_path_written_twice_is_an_error_naming_both_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let run = paved()
        .arg("--blueprints")
        .arg(broken())
        .args([
            "new",
            "x",
            "--blueprint",
            "conflict",
            "--no-input",
            "--output",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = stderr_of(&run);
    let b = broken();
    for expected in [
        format!(
            "{}/conflict/blueprint.toml: \"CODEOWNERS\" is written by",
            b.display()
        ),
        format!(
            "layer \"base\" ({}/_layers/base/template/CODEOWNERS)",
            b.display()
        ),
        format!(
            "the blueprint ({}/conflict/template/CODEOWNERS)",
            b.display()
        ),
        "[[overrides]] path = \"CODEOWNERS\" from = \"base\" or \"blueprint\"".to_string(),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in {err}");
    }
    assert!(!out.exists());
}

#[test]
fn missing_escaping_and_linked_layers_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let b = broken();
    let refused = |root: &Path, id: &str| {
        let out = tmp.path().join(id);
        let run = paved()
            .arg("--blueprints")
            .arg(root)
            .args(["new", "x", "--blueprint", id, "--no-input", "--output"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{id}");
        assert!(!out.exists());
        stderr_of(&run)
    };
    let err = refused(&b, "missing");
    assert!(
        err.contains(&format!(
            "{}/missing/blueprint.toml:6: layer \"no-such-layer\" not found: there is no {}/_layers/no-such-layer/layer.toml (available: base, escape)",
            b.display(),
            b.display()
        )),
        "{err}"
    );
    let err = refused(&b, "dotdot");
    assert!(
        err.contains("dotdot/blueprint.toml:6: [[layers]] layer id \"../conflict\" must be"),
        "{err}"
    );
    let err = refused(&b, "escape");
    assert!(
        err.contains("_layers/escape/layer.toml:5: [[files]] path \"../outside/**\" must be relative to template/"),
        "{err}"
    );

    // Links: a layer folder that is a link, and a link inside a layer.
    let root = tmp.path().join("linked");
    copy_tree(&layered(), &root);
    let outside = tmp.path().join("outside-k8s");
    fs::rename(root.join("_layers/k8s"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("_layers/k8s")).unwrap();
    let err = refused(&root, "svc");
    assert!(
        err.contains("_layers/k8s: symbolic links are not allowed in a blueprint"),
        "{err}"
    );
    fs::remove_file(root.join("_layers/k8s")).unwrap();
    fs::rename(&outside, root.join("_layers/k8s")).unwrap();
    std::os::unix::fs::symlink(
        "/etc/passwd",
        root.join("_layers/governance/template/passwd"),
    )
    .unwrap();
    let err = refused(&root, "svc");
    assert!(
        err.contains("_layers/governance/template/passwd: symbolic links are not allowed"),
        "{err}"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_composed_blueprint_is_frozen_flattened() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("blueprints");
    copy_tree(&layered(), &root);
    let run = paved()
        .args(["blueprint", "release"])
        .arg(root.join("svc"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_of(&run));
    let release = root.join("svc/releases/2.0.0");
    let manifest = read(release.join("blueprint.toml"));
    assert!(!manifest.contains("[[layers]]"), "{manifest}");
    assert!(
        manifest.contains("[[composed]]\nlayer = \"governance\""),
        "{manifest}"
    );
    assert!(release
        .join("template/deploy/k8s/deployment.yaml.hbs")
        .is_file());
    assert!(release.join("partials/build-steps.hbs").is_file());
    // The layer's security.yml lost to the blueprint's and is not frozen.
    assert_eq!(
        read(release.join("template/.github/workflows/security.yml")),
        "name: security (svc)\n"
    );

    // Later layer edits do not reach the release: generate from it after one.
    fs::write(
        root.join("_layers/governance/template/CODEOWNERS.hbs"),
        "* @acme/platform\n",
    )
    .unwrap();
    let bp = root.join("svc/blueprint.toml");
    fs::write(
        &bp,
        read(bp.clone()).replace("version = \"2.0.0\"", "version = \"2.1.0\"")
            + "\n[[changelog]]\nversion = \"2.1.0\"\nsummary = \"Platform owns CODEOWNERS\"\nsecurity = false\nfixes = []\n",
    )
    .unwrap();
    let old = tmp.path().join("old");
    let run = paved()
        .arg("--blueprints")
        .arg(&root)
        .args([
            "new",
            "demo",
            "--blueprint",
            "svc@2.0.0",
            "--no-input",
            "--output",
        ])
        .arg(&old)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_of(&run));
    assert_eq!(read(old.join("CODEOWNERS")), "* @acme/demo\n");
    let fresh = tmp.path().join("fresh");
    assert!(new_svc_in(&root, &fresh).status.success());
    assert_eq!(read(fresh.join("CODEOWNERS")), "* @acme/platform\n");
    paved()
        .args(["blueprint", "check"])
        .arg(root.join("svc"))
        .assert()
        .success();
}

fn new_svc_in(root: &Path, out: &Path) -> std::process::Output {
    paved()
        .arg("--blueprints")
        .arg(root)
        .args([
            "new",
            "demo",
            "--blueprint",
            "svc",
            "--no-input",
            "--output",
        ])
        .arg(out)
        .output()
        .unwrap()
}

/// A copy of tests/fixtures/layered in which svc 2.0.0 is released (flattened) and
/// 2.1.0 changes a managed file of the k8s layer: the shape of a platform team's
/// layer fix.
fn layered_with_a_release(root: &Path) {
    copy_tree(&layered(), root);
    let run = paved()
        .args(["blueprint", "release"])
        .arg(root.join("svc"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_of(&run));
    let policy = root.join("_layers/k8s/template/deploy/k8s/networkpolicy.yaml.hbs");
    fs::write(
        &policy,
        read(policy.clone()) + "# reviewed by @acme/platform\n",
    )
    .unwrap();
    let bp = root.join("svc/blueprint.toml");
    fs::write(
        &bp,
        read(bp.clone()).replace("version = \"2.0.0\"", "version = \"2.1.0\"")
            + "\n[[changelog]]\nversion = \"2.1.0\"\nsummary = \"NetworkPolicy reviewed\"\nsecurity = false\nfixes = []\n",
    )
    .unwrap();
}

fn generate_at(root: &Path, out: &Path, reference: &str) {
    let run = paved()
        .arg("--blueprints")
        .arg(root)
        .args([
            "new",
            "demo",
            "--blueprint",
            reference,
            "--no-input",
            "--output",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_of(&run));
}

fn recorded_layers(repo: &Path) -> Vec<(String, String)> {
    let text = read(repo.join(".paved/answers.toml"));
    paved::blueprint::provenance::parse(&text, ".paved/answers.toml")
        .unwrap()
        .layers
        .into_iter()
        .map(|l| (l.id, l.hash))
        .collect()
}

fn composed_layers(root: &Path, reference: &str) -> Vec<(String, String)> {
    let catalog = Catalog::from_dir(root).unwrap();
    let r = paved::blueprint::versions::BlueprintRef::parse(reference).unwrap();
    catalog
        .load_ref(&r)
        .unwrap()
        .manifest
        .composed
        .iter()
        .map(|l| (l.id.clone(), l.hash.clone()))
        .collect()
}

#[test]
fn provenance_reads_back_the_recorded_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    assert!(new_svc(&out, &[]).status.success());
    let layers = recorded_layers(&out);
    let ids: Vec<&str> = layers.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(ids, ["governance", "k8s", "ci"]);
    assert_eq!(layers, composed_layers(&layered(), "svc"));
}

#[test]
fn conformance_and_drift_name_the_layer_edited_without_a_version_bump() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("blueprints");
    copy_tree(&layered(), &root);
    let out = tmp.path().join("demo");
    generate_at(&root, &out, "svc");
    // A layer edited in place: svc's content changes, its version does not.
    fs::write(
        root.join("_layers/k8s/template/deploy/k8s/networkpolicy.yaml.hbs"),
        read(root.join("_layers/k8s/template/deploy/k8s/networkpolicy.yaml.hbs")) + "# edited\n",
    )
    .unwrap();
    let catalog = Catalog::from_dir(&root).unwrap();
    match check_repo(&out, &catalog) {
        Some(Conformance::Checked {
            hash_changed,
            layer_changes,
            deviations,
            ..
        }) => {
            assert!(hash_changed);
            assert_eq!(layer_changes, vec![LayerChange::Changed("k8s".into())]);
            let paths: Vec<&str> = deviations.iter().map(Deviation::path).collect();
            assert_eq!(paths, ["deploy/k8s/networkpolicy.yaml"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let run = paved()
        .arg("--blueprints")
        .arg(&root)
        .arg("drift")
        .arg(&out)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout_of(&run), stderr_of(&run));
    assert!(text.contains("(layer k8s changed)"), "{text}");
}

#[test]
fn paved_update_moves_a_composed_service_across_a_layer_change() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("blueprints");
    layered_with_a_release(&root);
    let out = tmp.path().join("demo");
    generate_at(&root, &out, "svc@2.0.0");
    let policy = out.join("deploy/k8s/networkpolicy.yaml");
    assert!(!read(policy.clone()).contains("@acme/platform"));
    let before = recorded_layers(&out);
    assert_eq!(before, composed_layers(&root, "svc@2.0.0"));

    let run = paved()
        .arg("--blueprints")
        .arg(&root)
        .args(["update", "--no-input"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        stdout_of(&run),
        stderr_of(&run)
    );
    // The layer's change reached the service, and provenance now records 2.1.0's
    // layers: the k8s hash moved, the others did not.
    assert!(read(policy).ends_with("# reviewed by @acme/platform\n"));
    let after = recorded_layers(&out);
    assert_eq!(after, composed_layers(&root, "svc"));
    let moved: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.as_str())
        .collect();
    assert_eq!(moved, ["k8s"]);
    let catalog = Catalog::from_dir(&root).unwrap();
    match check_repo(&out, &catalog) {
        Some(Conformance::Checked {
            provenance,
            hash_changed,
            layer_changes,
            deviations,
            ..
        }) => {
            assert_eq!(provenance.blueprint_version.to_string(), "2.1.0");
            assert!(!hash_changed);
            assert_eq!(layer_changes, vec![]);
            assert_eq!(deviations, vec![]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn paved_new_counts_the_files_from_each_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run = new_svc(&out, &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let text = stdout_of(&run);
    // 8 files: CODEOWNERS and SECURITY.md (governance), the two manifests (k8s),
    // ci.yml (ci; its security.yml lost to the blueprint's), the blueprint's
    // security.yml and main.txt, and .paved/answers.toml.
    assert!(
        text.contains("From layers: governance 2 files, k8s 2 files, ci 1 file; from the blueprint: 2 files\n"),
        "{text}"
    );
    let run = paved()
        .arg("--blueprints")
        .arg(layered())
        .args([
            "new",
            "demo",
            "--blueprint",
            "svc",
            "--no-input",
            "--dry-run",
            "--output",
        ])
        .arg(tmp.path().join("plan"))
        .output()
        .unwrap();
    let text = stdout_of(&run);
    assert!(
        text.contains("deploy/k8s/networkpolicy.yaml  [") && text.contains("(layer k8s)\n"),
        "{text}"
    );
    assert!(text.contains("From layers: governance 2 files"), "{text}");
}
