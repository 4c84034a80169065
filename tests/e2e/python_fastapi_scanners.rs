//! A freshly generated `python-fastapi` service has zero findings, whatever the
//! answers: from the third-party scanners a security team already runs (checkov,
//! zizmor, hadolint, actionlint, through `scripts/scan-generated.sh`) and from
//! `paved drift` itself. Each test generates one answer combination with the real
//! `paved` binary (embedded blueprints).
//!
//! The scanners come from `$PAVED_SCANNERS_VENV` (default `.scanners` at the
//! repository root; `scripts/install-scanners.sh` creates it). A missing scanner fails
//! the test: a security gate that skips itself when its tools are absent is no gate.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate(sets: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let out = tmp.path().join("demo-svc");
    let mut cmd = crate::common::paved();
    cmd.args([
        "new",
        "demo-svc",
        "--blueprint",
        "python-fastapi",
        "--no-input",
    ])
    .arg("--output")
    .arg(&out);
    for set in sets {
        cmd.args(["--set", set]);
    }
    let output = cmd.output().expect("run paved");
    assert!(
        output.status.success(),
        "paved new {sets:?} failed:\n{}",
        crate::common::stderr_of(&output)
    );
    (tmp, out)
}

/// Runs the scanners; panics with everything they printed unless all four are clean.
fn scan(dir: &Path, label: &str) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/scan-generated.sh"))
        .arg(dir);
    if std::env::var_os("PAVED_SCANNERS_VENV").is_none() {
        cmd.env("PAVED_SCANNERS_VENV", repo_root().join(".scanners"));
    }
    let output = cmd.output().expect("run scripts/scan-generated.sh");
    let stdout = crate::common::stdout_of(&output);
    let stderr = crate::common::stderr_of(&output);
    println!("[{label}]\n{stdout}{stderr}");
    match output.status.code() {
        Some(0) => {}
        Some(3) => panic!(
            "[{label}] a scanner is missing or failed to run; install them with \
             scripts/install-scanners.sh (or set PAVED_SCANNERS_VENV):\n{stdout}{stderr}"
        ),
        code => panic!("[{label}] scanners reported findings (exit {code:?}):\n{stdout}{stderr}"),
    }
    for tool in ["checkov", "zizmor", "hadolint", "actionlint"] {
        assert!(
            stdout.contains(&format!("{tool}: 0 findings")),
            "[{label}] no clean result line for {tool}:\n{stdout}"
        );
    }
}

/// `paved drift --format json --fail-on low`: exit 0 and no finding at all.
fn drift(dir: &Path, label: &str) {
    let out = crate::common::paved()
        .args(["drift", "--format", "json", "--fail-on", "low"])
        .arg(dir)
        .output()
        .expect("run paved drift");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "[{label}] drift did not print JSON ({e}): {}",
            crate::common::stderr_of(&out)
        )
    });
    let repo = &report["repos"][0];
    assert_eq!(repo["blueprint"], "python-fastapi", "[{label}] {report:#}");
    assert_eq!(
        repo["findings"].as_array().map(Vec::len),
        Some(0),
        "[{label}] drift findings on a fresh service: {report:#}"
    );
    assert_eq!(out.status.code(), Some(0), "[{label}] {report:#}");
}

fn check(sets: &[&str], expect_present: &[&str], expect_absent: &[&str]) {
    let label = if sets.is_empty() {
        "defaults".to_string()
    } else {
        sets.join(" ")
    };
    let (_tmp, dir) = generate(sets);
    for rel in [
        "Dockerfile",
        ".dockerignore",
        ".paved/answers.toml",
        "requirements.txt",
        "requirements-dev.txt",
        "src/app/auth/middleware.py",
    ]
    .iter()
    .chain(expect_present)
    {
        assert!(dir.join(rel).exists(), "[{label}] {rel} was not generated");
    }
    for rel in expect_absent {
        assert!(
            !dir.join(rel).exists(),
            "[{label}] {rel} should not be generated"
        );
    }
    drift(&dir, &label);
    scan(&dir, &label);
}

const GITHUB: &[&str] = &[".github/workflows/ci.yml", ".github/dependabot.yml"];
const GITLAB: &[&str] = &[".gitlab-ci.yml", "renovate.json"];
const K8S: &str = "deploy/k8s/deployment.yaml";
const TF: &str = "deploy/terraform/main.tf";
const JWT: &str = "src/app/auth/oidc.py";
const API_KEY: &str = "src/app/auth/api_key.py";

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn defaults_are_clean() {
    check(
        &[],
        &[GITHUB[0], GITHUB[1], K8S, TF, JWT],
        &[GITLAB[0], GITLAB[1], API_KEY],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn internet_exposure_is_clean() {
    check(&["exposure=internet"], &[GITHUB[0], K8S, TF], &[]);
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn api_key_auth_is_clean() {
    check(&["auth=api-key"], &[GITHUB[0], K8S, TF, API_KEY], &[JWT]);
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn gitlab_ci_is_clean() {
    check(
        &["ci=gitlab"],
        &[GITLAB[0], GITLAB[1], K8S, TF],
        &[GITHUB[0], GITHUB[1]],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn kubernetes_only_with_an_idp_range_is_clean() {
    check(
        &[
            "iac=kubernetes",
            "idp_egress_cidrs=203.0.113.0/24,198.51.100.0/24",
        ],
        &[GITHUB[0], K8S],
        &[TF],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn terraform_only_is_clean() {
    check(&["iac=terraform"], &[GITHUB[0], TF], &[K8S]);
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn no_iac_is_clean() {
    check(&["iac="], &[GITHUB[0]], &[K8S, TF]);
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn pii_data_is_clean() {
    check(&["data_classification=pii"], &[GITHUB[0], K8S, TF], &[]);
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn every_non_default_answer_together_is_clean() {
    check(
        &[
            "exposure=internet",
            "data_classification=confidential",
            "auth=api-key",
            "ci=gitlab",
            "iac=kubernetes,terraform",
            "ingress_namespace=edge",
            "aws_region=us-east-2",
            "image=registry.example.com/team/demo-svc",
            "security_owner=@acme/appsec",
        ],
        &[GITLAB[0], K8S, TF, API_KEY],
        &[GITHUB[0], JWT],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn public_internet_terraform_only_on_github_is_clean() {
    check(
        &[
            "exposure=internet",
            "data_classification=public",
            "iac=terraform",
        ],
        &[GITHUB[0], TF],
        &[K8S],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn ecr_registry_with_aws_runtime_role_is_clean() {
    check(
        &["registry=ecr", "needs_aws=true"],
        &[
            GITHUB[0],
            K8S,
            TF,
            "deploy/terraform/backend.tf",
            "deploy/terraform/.terraform.lock.hcl",
        ],
        &[],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn gitlab_with_ecr_is_clean() {
    check(
        &["ci=gitlab", "registry=ecr", "exposure=internet"],
        &[GITLAB[0], K8S, TF],
        &[GITHUB[0]],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn egress_cidr_answer_refuses_world_open_blocks() {
    for cidr in [
        "0.0.0.0/0",
        "0.0.0.0/1",
        "10.0.0.0/7",
        "100.64.0.0/16",
        "169.254.169.254/32",
        "not-a-cidr",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = crate::common::paved()
            .args([
                "new",
                "demo-svc",
                "--blueprint",
                "python-fastapi",
                "--no-input",
            ])
            .arg("--output")
            .arg(tmp.path().join("demo-svc"))
            .args(["--set", &format!("idp_egress_cidrs={cidr}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cidr} accepted");
        assert!(
            crate::common::stderr_of(&out).contains("idp_egress_cidr"),
            "{cidr}"
        );
        assert!(!tmp.path().join("demo-svc").exists());
    }
}
