//! `paved drift` engine behaviour on small hand-written repositories: YAML that the
//! consuming tools accept, blind spots, other tools' inline suppressions and grouped
//! reports. Runs the real binary with the default profile.

use std::fs;
use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// Writes `files` (path, text) below `root`.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

fn drift() -> assert_cmd::Command {
    let mut cmd = paved();
    cmd.env("PAVED_TODAY", "2026-06-01")
        .env_remove("PAVED_PROFILE")
        .env_remove("PAVED_GUARDRAILS")
        .env("NO_COLOR", "1")
        .arg("drift");
    cmd
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(out)))
}

/// (rule, file, line) of every finding of the first repository.
fn findings(v: &Value) -> Vec<(String, String, Option<u64>)> {
    v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

const DEDENTED_WORKFLOW: &str = "\
on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        dir: [
          'a',
          'b'
      ]
    steps:
      - uses: actions/checkout@v4
";

/// A flow sequence closed left of its key is valid for GitHub; the workflow is audited
/// (its unpinned action is found on its own line) instead of being a parse blind spot.
#[test]
fn dedented_flow_sequence_workflow_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[(".github/workflows/ci.yml", DEDENTED_WORKFLOW)],
    );
    let out = drift()
        .arg(tmp.path())
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    let found = findings(&v);
    assert!(
        found.contains(&(
            "PVD-GHA-001".into(),
            ".github/workflows/ci.yml".into(),
            Some(13)
        )),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(r, _, _)| r == "PVD-AUDIT-001"),
        "{found:?}"
    );
}

const RENDERED: &str = "\
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app:1.0
          securityContext:
            privileged: true
";

/// A Helm chart is reported as not audited, with the command that audits it; its
/// rendered output audited with `--manifests -` shows what the templates deploy.
#[test]
fn helm_chart_is_a_visible_blind_spot_and_manifests_audit_the_render() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "charts/app/Chart.yaml",
                "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            ),
            (
                "charts/app/templates/deployment.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
            ),
        ],
    );
    let out = drift()
        .arg(tmp.path())
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    let audit: Vec<&Value> = v["repos"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PVD-AUDIT-002")
        .collect();
    assert_eq!(audit.len(), 1, "{v:#}");
    assert_eq!(audit[0]["file"], "charts/app/Chart.yaml");
    let message = audit[0]["message"].as_str().unwrap();
    assert!(
        message.contains("helm template charts/app | paved drift --manifests -"),
        "{message}"
    );

    // The rendered chart on standard input: Kubernetes rules only, lines of the stream.
    let out = drift()
        .args(["--manifests", "-", "--format=json"])
        .write_stdin(RENDERED)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_eq!(v["repos"][0]["path"], "(stdin)");
    let found = findings(&v);
    assert!(
        found.contains(&("PVD-KUBE-001".into(), "(stdin)".into(), Some(14))),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|(r, _, _)| r.starts_with("PVD-KUBE-") || r.starts_with("PVD-SECRET")),
        "repository rules do not apply to rendered manifests: {found:?}"
    );

    // The same from a directory, as `helm template --output-dir` writes it.
    let rendered = tmp.path().join("rendered");
    write_tree(&rendered, &[("app/templates/deployment.yaml", RENDERED)]);
    let out = drift()
        .arg("--manifests")
        .arg(&rendered)
        .arg("--format=json")
        .output()
        .unwrap();
    let v = json_of(&out);
    assert!(
        findings(&v).contains(&(
            "PVD-KUBE-001".into(),
            "app/templates/deployment.yaml".into(),
            Some(14)
        )),
        "{v:#}"
    );
}

#[test]
fn manifests_bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("empty/readme.txt", "x"),
            ("chart/templates/d.yaml", "a: [\n"),
        ],
    );
    let cases: Vec<(Vec<String>, Option<&str>, &str)> = vec![
        (
            vec!["--manifests".into(), "-".into()],
            Some("a: [1,\n"),
            "not YAML",
        ),
        (
            vec!["--manifests".into(), "-".into()],
            Some("a: 1\n"),
            "no Kubernetes object",
        ),
        (
            vec!["--manifests".into(), "-".into()],
            Some(""),
            "no Kubernetes object",
        ),
        (
            vec![
                "--manifests".into(),
                tmp.path().join("missing").display().to_string(),
            ],
            None,
            "cannot read this path",
        ),
        (
            vec![
                "--manifests".into(),
                tmp.path().join("empty").display().to_string(),
            ],
            None,
            "no .yaml or .yml file",
        ),
        (
            vec![
                "--manifests".into(),
                tmp.path().join("chart").display().to_string(),
            ],
            None,
            "not templates",
        ),
        (
            vec!["--manifests".into(), "-".into(), "--recursive".into()],
            Some(RENDERED),
            "cannot be used with",
        ),
    ];
    for (args, stdin, needle) in cases {
        let mut cmd = drift();
        cmd.args(&args);
        if let Some(text) = stdin {
            cmd.write_stdin(text);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains(needle),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
