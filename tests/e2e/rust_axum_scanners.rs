//! The third-party scanners a security team already runs — checkov, zizmor, hadolint
//! and actionlint — must report nothing on a freshly generated `rust-axum` service,
//! whatever the answers. Each test generates one combination with the real `paved`
//! binary (embedded blueprints) and runs `scripts/scan-generated.sh` over it.
//!
//! The scanners come from `$PAVED_SCANNERS_VENV` (default `.scanners` at the repository
//! root; `scripts/install-scanners.sh` creates it). A missing scanner fails the test:
//! a security gate that skips itself when its tools are absent is no gate.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Generates `demo-svc` with the given `--set` answers into a fresh temporary directory.
fn generate(sets: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let out = tmp.path().join("demo-svc");
    let mut cmd = crate::common::paved();
    cmd.args(["new", "demo-svc", "--blueprint", "rust-axum", "--no-input"])
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
    // Shown with --nocapture, and kept in the failure message otherwise.
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

fn exists(dir: &Path, rel: &str) -> bool {
    dir.join(rel).exists()
}

/// Generates, checks which CI / IaC files exist (so a scan can never pass because the
/// files it should look at were not generated), then scans.
fn check(sets: &[&str], expect_present: &[&str], expect_absent: &[&str]) {
    let label = if sets.is_empty() {
        "defaults".to_string()
    } else {
        sets.join(" ")
    };
    let (_tmp, dir) = generate(sets);
    for rel in ["Dockerfile", ".dockerignore", ".paved/answers.toml"]
        .iter()
        .chain(expect_present)
    {
        assert!(exists(&dir, rel), "[{label}] {rel} was not generated");
    }
    for rel in expect_absent {
        assert!(
            !exists(&dir, rel),
            "[{label}] {rel} should not be generated"
        );
    }
    scan(&dir, &label);
}

const GITHUB: &[&str] = &[".github/workflows/ci.yml", ".github/dependabot.yml"];
const GITLAB: &[&str] = &[".gitlab-ci.yml", "renovate.json"];
const K8S: &str = "deploy/k8s/deployment.yaml";
const TF: &str = "deploy/terraform/main.tf";

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn defaults_are_clean() {
    check(
        &[],
        &[GITHUB[0], GITHUB[1], K8S, TF],
        &[GITLAB[0], GITLAB[1]],
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
    check(&["auth=api-key"], &[GITHUB[0], K8S, TF], &[]);
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
fn kubernetes_only_is_clean() {
    check(&["iac=kubernetes"], &[GITHUB[0], K8S], &[TF]);
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
        ],
        &[GITLAB[0], K8S, TF],
        &[GITHUB[0]],
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
fn ecr_registry_with_irsa_on_github_is_clean() {
    check(
        &[
            "registry=ecr",
            "image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/demo-svc",
            "needs_aws=true",
            "exposure=internet",
        ],
        &[GITHUB[0], K8S, TF, "deploy/terraform/.terraform.lock.hcl"],
        &[],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn ecr_registry_on_gitlab_with_two_idp_blocks_is_clean() {
    check(
        &[
            "ci=gitlab",
            "registry=ecr",
            "aws_region=us-east-2",
            "image=123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-svc",
            "idp_egress_cidrs=203.0.113.0/24,2001:db8:1::/48",
        ],
        &[GITLAB[0], K8S, TF, "ci/semgrep/requirements.txt"],
        &[GITHUB[0]],
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn gitlab_registry_on_github_and_ghcr_on_gitlab_are_clean() {
    check(
        &["registry=gitlab", "image=registry.gitlab.com/acme/demo-svc"],
        &[GITHUB[0], K8S, TF],
        &[GITLAB[0]],
    );
    check(
        &["ci=gitlab", "registry=ghcr", "iac=kubernetes"],
        &[GITLAB[0], K8S],
        &[TF],
    );
}
