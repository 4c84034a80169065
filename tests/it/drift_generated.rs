//! The acceptance test of `paved drift` against the product's own output: a freshly
//! generated rust-axum service has zero findings, and each weakened copy of it is
//! caught on the file that was weakened, with exit code 1 under `--fail-on low`.
//!
//! Every mutation must actually change the file it targets (the test fails when a
//! pattern no longer matches), so the test cannot pass by weakening nothing.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::paved;
use serde_json::Value;

fn generate(dir: &Path, name: &str, sets: &[&str]) -> PathBuf {
    generate_from(dir, "rust-axum", name, sets)
}

fn generate_from(dir: &Path, blueprint: &str, name: &str, sets: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut cmd = paved();
    cmd.args([
        "new",
        name,
        "--blueprint",
        blueprint,
        "--no-input",
        "--output",
    ])
    .arg(&out);
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.assert().success();
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).follow_links(false) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Runs `paved drift --format json --fail-on low` and returns (exit code, report).
fn drift(repo: &Path) -> (i32, Value) {
    let out = paved()
        .args(["drift", "--format", "json", "--fail-on", "low"])
        .arg(repo)
        .env("PAVED_TODAY", "2026-11-26")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "drift did not print JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["repos"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap().iter())
        .filter(|f| !f["waived"].as_bool().unwrap_or(false))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Replaces the first match of `pattern` in `file`; panics when nothing matches.
fn edit(repo: &Path, file: &str, pattern: &str, replacement: &str) {
    let path = repo.join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let re = regex::Regex::new(pattern).unwrap();
    assert!(
        re.is_match(&text),
        "{file}: pattern {pattern:?} no longer matches"
    );
    let new = re.replace(&text, replacement).into_owned();
    assert_ne!(new, text, "{file}: the edit changed nothing");
    fs::write(&path, new).unwrap();
}

/// The first file below `dir` (relative to the repo) whose text matches `pattern`.
fn find_file(repo: &Path, dir: &str, pattern: &str) -> String {
    let re = regex::Regex::new(pattern).unwrap();
    for e in walkdir::WalkDir::new(repo.join(dir)).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            if let Ok(text) = fs::read_to_string(e.path()) {
                if re.is_match(&text) {
                    return e
                        .path()
                        .strip_prefix(repo)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                }
            }
        }
    }
    panic!("no file under {dir} matches {pattern:?}");
}

struct Case {
    name: &'static str,
    /// Applies the weakening and returns the file it touched.
    weaken: fn(&Path) -> String,
    /// The rule family that must fire on that file, e.g. "PVD-DOCKER-".
    rule_prefix: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            // The distroless `:nonroot` base runs as UID 65532 without USER: the
            // weakening that matters is a switch to root.
            name: "USER switched to root",
            weaken: |r| {
                edit(r, "Dockerfile", r"(?m)^USER .*\n", "USER root\n");
                "Dockerfile".into()
            },
            rule_prefix: "PVD-DOCKER-",
        },
        Case {
            name: "base image unpinned",
            weaken: |r| {
                edit(r, "Dockerfile", r"@sha256:[0-9a-f]{64}", ":latest");
                "Dockerfile".into()
            },
            rule_prefix: "PVD-DOCKER-",
        },
        Case {
            name: "action unpinned",
            weaken: |r| {
                let f = find_file(
                    r,
                    ".github/workflows",
                    r"uses: actions/checkout@[0-9a-f]{40}",
                );
                edit(
                    r,
                    &f,
                    r"uses: actions/checkout@[0-9a-f]{40}",
                    "uses: actions/checkout@v4",
                );
                f
            },
            rule_prefix: "PVD-GHA-",
        },
        Case {
            name: "credentials persisted by checkout",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"persist-credentials: false");
                edit(
                    r,
                    &f,
                    r"persist-credentials: false",
                    "persist-credentials: true",
                );
                f
            },
            rule_prefix: "PVD-GHA-",
        },
        Case {
            name: "dangerous trigger",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"(?m)^  pull_request:");
                edit(r, &f, r"(?m)^  pull_request:", "  pull_request_target:");
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "secret-scan job deleted",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"gitleaks");
                // Drop the whole job that runs gitleaks: from its key to the next job key.
                let text = fs::read_to_string(r.join(&f)).unwrap();
                let mut out = String::new();
                let mut skipping = false;
                let jobs: Vec<&str> = text.lines().collect();
                let mut i = 0;
                while i < jobs.len() {
                    let line = jobs[i];
                    let is_job_key = line.starts_with("  ")
                        && !line.starts_with("   ")
                        && line.trim_end().ends_with(':');
                    if is_job_key {
                        // Look ahead: does this job mention gitleaks before the next job?
                        let end = (i + 1..jobs.len())
                            .find(|&j| {
                                let l = jobs[j];
                                (l.starts_with("  ")
                                    && !l.starts_with("   ")
                                    && l.trim_end().ends_with(':'))
                                    || (!l.starts_with(' ') && !l.is_empty())
                            })
                            .unwrap_or(jobs.len());
                        skipping = jobs[i..end].iter().any(|l| l.contains("gitleaks"));
                    } else if !line.starts_with(' ') && !line.is_empty() {
                        skipping = false;
                    }
                    if !skipping {
                        out.push_str(line);
                        out.push('\n');
                    }
                    i += 1;
                }
                assert!(
                    !out.contains("gitleaks"),
                    "{f}: gitleaks job not removed:\n{out}"
                );
                fs::write(r.join(&f), out).unwrap();
                f
            },
            rule_prefix: "PVD-CI-",
        },
        Case {
            name: "privileged container",
            weaken: |r| {
                let f = find_file(r, "deploy/k8s", r"privileged: false");
                edit(r, &f, r"privileged: false", "privileged: true");
                f
            },
            rule_prefix: "PVD-KUBE-",
        },
        Case {
            name: "host network",
            weaken: |r| {
                let f = find_file(
                    r,
                    "deploy/k8s",
                    r"(?m)^      automountServiceAccountToken: false",
                );
                edit(
                    r,
                    &f,
                    r"(?m)^      automountServiceAccountToken: false",
                    "      automountServiceAccountToken: false\n      hostNetwork: true",
                );
                f
            },
            rule_prefix: "PVD-KUBE-",
        },
        Case {
            name: "wildcard IAM action",
            weaken: |r| {
                // The service's own identity policy, not the trust or key policy.
                let pat = r#"(?s)(data "aws_iam_policy_document" "service" \{.*?actions\s*=\s*\[)"#;
                let f = find_file(r, "deploy/terraform", pat);
                edit(r, &f, pat, r#"${1}"*", "#);
                f
            },
            rule_prefix: "PVD-TF-",
        },
        Case {
            name: "KMS rotation disabled",
            weaken: |r| {
                let f = find_file(r, "deploy/terraform", r"enable_key_rotation\s*=\s*true");
                edit(
                    r,
                    &f,
                    r"enable_key_rotation\s*=\s*true",
                    "enable_key_rotation = false",
                );
                f
            },
            rule_prefix: "PVD-TF-",
        },
        Case {
            name: "SECURITY.md deleted",
            weaken: |r| {
                fs::remove_file(r.join("SECURITY.md")).unwrap();
                "SECURITY.md".into()
            },
            rule_prefix: "PVD-REPO-",
        },
        Case {
            name: "CODEOWNERS deleted",
            weaken: |r| {
                fs::remove_file(r.join("CODEOWNERS")).unwrap();
                "CODEOWNERS".into()
            },
            rule_prefix: "PVD-REPO-",
        },
        Case {
            name: "private key committed",
            weaken: |r| {
                fs::write(
                    r.join("deploy/server.pem"),
                    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
                )
                .unwrap();
                "deploy/server.pem".into()
            },
            rule_prefix: "PVD-SECRET-",
        },
        Case {
            name: ".env committed",
            weaken: |r| {
                fs::write(r.join(".env"), "DATABASE_URL=postgres://app@db/app\n").unwrap();
                ".env".into()
            },
            rule_prefix: "PVD-REPO-",
        },
        Case {
            name: "healthcheck removed",
            weaken: |r| {
                edit(r, "Dockerfile", r"(?ms)^HEALTHCHECK.*?\]\s*\n", "");
                "Dockerfile".into()
            },
            rule_prefix: "PVD-DOCKER-",
        },
        Case {
            name: "remote script piped into a shell",
            weaken: |r| {
                edit(
                    r,
                    "Dockerfile",
                    r"(?m)^RUN ",
                    "RUN curl -fsSL https://example.com/i.sh | sh && ",
                );
                "Dockerfile".into()
            },
            rule_prefix: "PVD-DOCKER-",
        },
        Case {
            name: "secret in ENV",
            weaken: |r| {
                edit(
                    r,
                    "Dockerfile",
                    r"(?m)^(FROM .*)$",
                    "${1}\nENV DB_PASSWORD=hunter2hunter2",
                );
                "Dockerfile".into()
            },
            rule_prefix: "PVD-DOCKER-",
        },
        Case {
            name: "workflow-level permissions removed",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"(?m)^permissions:");
                edit(r, &f, r"(?m)^permissions:.*\n", "");
                f
            },
            rule_prefix: "PVD-GHA-",
        },
        Case {
            name: "untrusted input in run",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"(?m)^        run: cargo");
                edit(
                    r,
                    &f,
                    r"(?m)^        run: cargo",
                    "        run: echo \"$${{ github.event.pull_request.title }}\" && cargo",
                );
                f
            },
            rule_prefix: "PVD-GHA-",
        },
        Case {
            name: "secret scanner allowed to fail",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"gitleaks");
                edit(
                    r,
                    &f,
                    r"(?m)^(\s+)- name: (.*gitleaks.*)$",
                    "${1}- name: ${2}\n${1}  continue-on-error: true",
                );
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "writable root filesystem",
            weaken: |r| {
                let f = find_file(r, "deploy/k8s", r"readOnlyRootFilesystem: true");
                edit(
                    r,
                    &f,
                    r"readOnlyRootFilesystem: true",
                    "readOnlyRootFilesystem: false",
                );
                f
            },
            rule_prefix: "PVD-KUBE-",
        },
        Case {
            name: "mutable image tag",
            weaken: |r| {
                let f = find_file(r, "deploy/k8s", r"image: \S+@sha256:");
                edit(
                    r,
                    &f,
                    r"image: (\S+)@sha256:[0-9a-f]{64}",
                    "image: ${1}:latest",
                );
                f
            },
            rule_prefix: "PVD-KUBE-",
        },
        Case {
            name: "limits removed",
            weaken: |r| {
                let f = find_file(r, "deploy/k8s", r"(?m)^            limits:");
                edit(
                    r,
                    &f,
                    r"(?m)^            limits:\n(              .*\n)+",
                    "",
                );
                f
            },
            rule_prefix: "PVD-KUBE-",
        },
        Case {
            name: "egress to the identity provider widened to the whole internet",
            weaken: |r| {
                let f = find_file(r, "deploy/k8s", r"cidr: 192\.0\.2\.0/24");
                edit(r, &f, r"cidr: 192\.0\.2\.0/24", "cidr: 0.0.0.0/0");
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "egress opened to every destination (empty `to`)",
            weaken: |r| {
                let f = find_file(
                    r,
                    "deploy/k8s",
                    r"(?m)^        - ipBlock:\n            cidr: .*\n",
                );
                edit(
                    r,
                    &f,
                    r"(?m)^    - to:\n        - ipBlock:\n            cidr: .*\n",
                    "    - ports:\n",
                );
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "image signing removed from the publish job",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"cosign sign");
                edit(
                    r,
                    &f,
                    r#"(?m)^      - name: Sign the image \(cosign, keyless\)\n(        .*\n)+"#,
                    "",
                );
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "SAST gate removed",
            weaken: |r| {
                let f = find_file(
                    r,
                    ".github/workflows",
                    r"Fail on high and critical SAST results",
                );
                edit(
                    r,
                    &f,
                    r"(?m)^      - name: Fail on high and critical SAST results\n(        .*\n|          .*\n)+",
                    "",
                );
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "Terraform state backend unencrypted",
            weaken: |r| {
                let f = find_file(r, "deploy/terraform", r"encrypt\s*=\s*true");
                edit(r, &f, r"encrypt(\s*)=\s*true", "encrypt${1}= false");
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "pre-commit hook pinned to a movable tag",
            weaken: |r| {
                edit(
                    r,
                    ".pre-commit-config.yaml",
                    r"rev: [0-9a-f]{40} # frozen: (v[0-9.]+)",
                    "rev: ${1}",
                );
                ".pre-commit-config.yaml".into()
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "scanners installed without hashes",
            weaken: |r| {
                let f = find_file(r, ".github/workflows", r"--require-hashes");
                edit(r, &f, r" --require-hashes", "");
                f
            },
            rule_prefix: "PVD-",
        },
        Case {
            name: "SSH open to the world",
            weaken: |r| {
                let f = "deploy/terraform/main.tf".to_string();
                let mut text = fs::read_to_string(r.join(&f)).unwrap();
                text.push_str(
                    "\nresource \"aws_security_group_rule\" \"ssh\" {\n  type              = \"ingress\"\n  from_port         = 22\n  to_port           = 22\n  protocol          = \"tcp\"\n  cidr_blocks       = [\"0.0.0.0/0\"]\n  security_group_id = \"sg-0123456789abcdef0\"\n}\n",
                );
                fs::write(r.join(&f), text).unwrap();
                f
            },
            rule_prefix: "PVD-TF-",
        },
        Case {
            name: "log retention shortened",
            weaken: |r| {
                let f = find_file(r, "deploy/terraform", r"retention_in_days");
                edit(
                    r,
                    &f,
                    r"retention_in_days\s*=\s*\S+",
                    "retention_in_days = 7",
                );
                f
            },
            rule_prefix: "PVD-TF-",
        },
        Case {
            name: "mutable registry tags",
            weaken: |r| {
                let f = find_file(r, "deploy/terraform", r#""IMMUTABLE""#);
                edit(r, &f, r#""IMMUTABLE""#, r#""MUTABLE""#);
                f
            },
            rule_prefix: "PVD-TF-",
        },
        Case {
            name: "Cargo.lock deleted",
            weaken: |r| {
                fs::remove_file(r.join("Cargo.lock")).unwrap();
                "Cargo.lock".into()
            },
            rule_prefix: "PVD-REPO-",
        },
        Case {
            name: "dependabot config deleted",
            weaken: |r| {
                fs::remove_file(r.join(".github/dependabot.yml")).unwrap();
                ".github/dependabot.yml".into()
            },
            rule_prefix: "PVD-REPO-",
        },
        Case {
            name: ".gitignore no longer covers .env",
            weaken: |r| {
                let text = fs::read_to_string(r.join(".gitignore")).unwrap();
                assert!(text.contains(".env"), ".gitignore no longer mentions .env");
                let text: String = text
                    .lines()
                    .filter(|l| !l.contains(".env"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                fs::write(r.join(".gitignore"), text).unwrap();
                ".gitignore".into()
            },
            rule_prefix: "PVD-REPO-",
        },
        Case {
            name: "extra public path",
            weaken: |r| {
                edit(
                    r,
                    "src/auth/mod.rs",
                    r#""/readyz""#,
                    r#""/readyz", "/admin""#,
                );
                "src/auth/mod.rs".into()
            },
            rule_prefix: "PVD-AUTH-",
        },
        Case {
            name: "HMAC algorithm allowed",
            weaken: |r| {
                edit(
                    r,
                    "src/auth/jwt.rs",
                    r"Algorithm::RS256",
                    "Algorithm::HS256",
                );
                "src/auth/jwt.rs".into()
            },
            rule_prefix: "PVD-AUTH-",
        },
        Case {
            name: "auth module deleted",
            weaken: |r| {
                fs::remove_file(r.join("src/auth/mod.rs")).unwrap();
                "src/auth/mod.rs".into()
            },
            rule_prefix: "PVD-AUTH-",
        },
        Case {
            name: "auth layer removed from the router",
            weaken: |r| {
                edit(r, "src/app.rs", r"\.layer\([^;]*require_auth[^;]*?\)\)", "");
                "src/app.rs".into()
            },
            rule_prefix: "PVD-AUTH-",
        },
        Case {
            name: "JWT leeway raised",
            weaken: |r| {
                edit(
                    r,
                    "src/auth/jwt.rs",
                    r"pub const LEEWAY: u64 = 60;",
                    "pub const LEEWAY: u64 = 600;",
                );
                "src/auth/jwt.rs".into()
            },
            rule_prefix: "PVD-AUTH-",
        },
        Case {
            name: "auth layer removed and .paved/ deleted (no provenance)",
            weaken: |r| {
                edit(r, "src/app.rs", r"\.layer\([^;]*require_auth[^;]*?\)\)", "");
                fs::remove_dir_all(r.join(".paved")).unwrap();
                "src/app.rs".into()
            },
            rule_prefix: "PVD-AUTH-",
        },
        Case {
            name: "readiness no longer gated on the signing keys",
            weaken: |r| {
                edit(
                    r,
                    "src/probes.rs",
                    r"if state\.auth\.is_ready\(\)",
                    "if true",
                );
                "src/probes.rs".into()
            },
            rule_prefix: "PVD-BLUEPRINT-",
        },
        Case {
            name: "connection limits removed",
            weaken: |r| {
                edit(
                    r,
                    "src/server.rs",
                    r"\.header_read_timeout\(limits\.header_read_timeout\)",
                    ".header_read_timeout(None)",
                );
                "src/server.rs".into()
            },
            rule_prefix: "PVD-BLUEPRINT-",
        },
    ]
}

#[test]
fn fresh_service_has_zero_findings_and_weakened_copies_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    // With the runtime IAM role and an ECR repository, so the IAM and registry
    // weakenings have something to weaken; the defaults are checked in
    // every_answer_combination_is_clean.
    let fresh = generate(
        tmp.path(),
        "demo-svc",
        &[
            "needs_aws=true",
            "registry=ecr",
            "image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-svc",
        ],
    );

    let (code, report) = drift(&fresh);
    assert_eq!(
        findings(&report),
        Vec::<(String, String, String)>::new(),
        "fresh service must be clean"
    );
    assert_eq!(code, 0);
    assert_eq!(report["repos"][0]["blueprint"], "rust-axum");

    let mut failures = Vec::new();
    for (i, case) in cases().into_iter().enumerate() {
        let copy = tmp.path().join(format!("weak-{i}"));
        copy_tree(&fresh, &copy);
        let file = (case.weaken)(&copy);
        let (code, report) = drift(&copy);
        let found = findings(&report);
        let hit = found
            .iter()
            .any(|(rule, f, _)| rule.starts_with(case.rule_prefix) && f == &file);
        if code != 1 || !hit {
            failures.push(format!(
                "{}: exit {code}, expected a {}* finding on {file}; got {found:#?}",
                case.name, case.rule_prefix
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_answer_combination_is_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let combos: &[&[&str]] = &[
        &[],
        &["exposure=internet", "data_classification=pii"],
        &["auth=api-key"],
        &["ci=gitlab"],
        &["iac=kubernetes"],
        &["iac=terraform"],
        &[
            "registry=ecr",
            "image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/demo-svc",
            "needs_aws=true",
        ],
        &[
            "ci=gitlab",
            "registry=ecr",
            "image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-svc",
        ],
        &["idp_egress_cidrs=203.0.113.0/24,2001:db8:1::/48"],
    ];
    let mut failures = Vec::new();
    for (i, sets) in combos.iter().enumerate() {
        let repo = generate(tmp.path(), &format!("svc-{i}"), sets);
        let (code, report) = drift(&repo);
        let found = findings(&report);
        if code != 0 || !found.is_empty() {
            failures.push(format!("{sets:?}: exit {code}: {found:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn gitlab_weakened_copies_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = generate(tmp.path(), "gl-svc", &["ci=gitlab"]);
    let (code, report) = drift(&fresh);
    assert_eq!(findings(&report), Vec::<(String, String, String)>::new());
    assert_eq!(code, 0);

    let weakenings: &[(&str, &str, &str)] = &[
        // (what, pattern, replacement) on .gitlab-ci.yml
        (
            "scanner allowed to fail",
            r"(?m)^secret_detection:\n",
            "secret_detection:\n  allow_failure: true\n",
        ),
        ("image unpinned", r"@sha256:[0-9a-f]{64}", ""),
        (
            "secret detection removed",
            r"(?m)^    - gitleaks git .*\n",
            "    - echo skipped\n",
        ),
    ];
    let mut failures = Vec::new();
    for (i, (what, pattern, replacement)) in weakenings.iter().enumerate() {
        let copy = tmp.path().join(format!("gl-weak-{i}"));
        copy_tree(&fresh, &copy);
        edit(&copy, ".gitlab-ci.yml", pattern, replacement);
        let (code, report) = drift(&copy);
        let found = findings(&report);
        let hit = found.iter().any(|(rule, f, _)| {
            (rule.starts_with("PVD-GITLAB-") || rule.starts_with("PVD-CI-"))
                && f == ".gitlab-ci.yml"
        });
        if code != 1 || !hit {
            failures.push(format!("{what}: exit {code}: {found:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Each blueprint's dependency scanning replaced by an SBOM-only step: the pipeline
/// still "has a CycloneDX step", but nothing looks for vulnerable dependencies, so
/// PVD-CI-002 must fire on the workflow (not only the blueprint diff).
#[test]
fn sbom_only_dependency_scanning_is_caught_for_every_blueprint() {
    let tmp = tempfile::tempdir().unwrap();
    let wf = ".github/workflows/ci.yml";
    let weakenings: &[(&str, &[(&str, &str)])] = &[
        (
            "rust-axum",
            &[(
                r"run: cargo deny --locked check advisories bans licenses sources",
                "run: trivy fs --format cyclonedx --output sbom.cdx.json .",
            )],
        ),
        (
            "python-fastapi",
            &[(
                r#"(?m)^( +)"\$RUNNER_TEMP/sca/bin/pip-audit".*\n +"\$RUNNER_TEMP/sca/bin/pip-audit".*\n"#,
                "${1}\"$$RUNNER_TEMP/sca/bin/cyclonedx-py\" requirements requirements.txt -o sbom.cdx.json\n",
            )],
        ),
        (
            "typescript-fastify",
            &[
                (
                    r"run: npm audit --audit-level=high",
                    "run: npx @cyclonedx/cyclonedx-npm --output-file sbom.cdx.json",
                ),
                (
                    r"(?s)      - name: osv-scanner.*?\n\n",
                    "      - uses: anchore/sbom-action@e11c554f704a0b820cbf8c51673f6945e0731532 # v0.20.0\n\n",
                ),
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (blueprint, edits) in weakenings {
        let fresh = generate_from(tmp.path(), blueprint, &format!("sbom-{blueprint}"), &[]);
        let (code, report) = drift(&fresh);
        assert_eq!(
            findings(&report),
            Vec::<(String, String, String)>::new(),
            "{blueprint}"
        );
        assert_eq!(code, 0, "{blueprint}");
        let copy = tmp.path().join(format!("sbom-weak-{blueprint}"));
        copy_tree(&fresh, &copy);
        for (pattern, replacement) in *edits {
            edit(&copy, wf, pattern, replacement);
        }
        let (code, report) = drift(&copy);
        let found = findings(&report);
        let hit = found
            .iter()
            .any(|(rule, f, _)| rule == "PVD-CI-002" && f == wf);
        if code != 1 || !hit {
            failures.push(format!("{blueprint}: exit {code}: {found:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One weakening of a freshly generated service: regex edits of one file (each must
/// match) and the rule that must then report that file.
struct Weakening {
    blueprint: &'static str,
    /// `--set` answers the service is generated with (e.g. `auth=api-key`).
    sets: &'static [&'static str],
    what: &'static str,
    file: &'static str,
    edits: &'static [(&'static str, &'static str)],
    rule: &'static str,
}

/// The weakenings of the auth wiring (and a few of the container and CI) that every
/// blueprint must survive, as `(what, file, edits, rule)`. Each is applied to a fresh
/// copy twice: as generated, and with `.paved/` deleted, where no provenance says what
/// the service is (its authentication module still does; see PVD-AUTH-008 for a service
/// that carries none).
fn weakenings() -> Vec<Weakening> {
    let w = |blueprint, what, file, edits, rule| Weakening {
        blueprint,
        sets: &[],
        what,
        file,
        edits,
        rule,
    };
    let api_key = |blueprint, what, file, edits, rule| Weakening {
        sets: &["auth=api-key"],
        ..w(blueprint, what, file, edits, rule)
    };
    vec![
        // rust-axum
        w(
            "rust-axum",
            "authentication layer removed",
            "src/app.rs",
            &[(
                r"(?m)^\s*\.layer\(from_fn_with_state\(state\.clone\(\), require_auth\)\)\n",
                "\n",
            )],
            "PVD-AUTH-002",
        ),
        w(
            "rust-axum",
            "authentication layer made conditional on an environment variable",
            "src/app.rs",
            &[(
                r"\.layer\(from_fn_with_state\(state\.clone\(\), require_auth\)\)",
                ".option_layer(std::env::var_os(\"AUTH_DISABLED\").is_none().then(|| from_fn_with_state(state.clone(), require_auth)))",
            )],
            "PVD-AUTH-002",
        ),
        w(
            "rust-axum",
            "extra public path",
            "src/auth/mod.rs",
            &[(r#"\(Method::GET, "/readyz"\)"#, r#"(Method::GET, "/readyz"), (Method::GET, "/debug")"#)],
            "PVD-AUTH-004",
        ),
        w(
            "rust-axum",
            "HS256 allowed",
            "src/auth/jwt.rs",
            &[(r"(?m)^    Algorithm::RS256,\n", "    Algorithm::RS256,\n    Algorithm::HS256,\n")],
            "PVD-AUTH-005",
        ),
        w(
            "rust-axum",
            "signature validation disabled",
            "src/auth/jwt.rs",
            &[(
                r"(?m)^(\s+)validation\.leeway = LEEWAY;\n",
                "${1}validation.leeway = LEEWAY;\n${1}validation.insecure_disable_signature_validation();\n",
            )],
            "PVD-AUTH-005",
        ),
        w(
            "rust-axum",
            "leeway raised",
            "src/auth/jwt.rs",
            &[(r"pub const LEEWAY: u64 = 60;", "pub const LEEWAY: u64 = 600;")],
            "PVD-AUTH-007",
        ),
        w(
            "rust-axum",
            "USER switched to root",
            "Dockerfile",
            &[(r"(?m)^USER .*\n", "USER root\n")],
            "PVD-DOCKER-001",
        ),
        w(
            "rust-axum",
            "audience no longer checked",
            "src/auth/jwt.rs",
            &[(r"(?m)^\s*validation\.set_audience\(&\[&config\.audience\]\);\n", "")],
            "PVD-AUTH-009",
        ),
        w(
            "rust-axum",
            "exp and aud no longer required",
            "src/auth/jwt.rs",
            &[(
                r#"set_required_spec_claims\(&\["exp", "iss", "aud", "sub"\]\)"#,
                r#"set_required_spec_claims(&["iss", "sub"])"#,
            )],
            "PVD-AUTH-009",
        ),
        w(
            "rust-axum",
            "expiry no longer validated",
            "src/auth/jwt.rs",
            &[(r"validation\.validate_exp = true;", "validation.validate_exp = false;")],
            "PVD-AUTH-009",
        ),
        api_key(
            "rust-axum",
            "API key digests compared with ==",
            "src/auth/api_key.rs",
            &[(
                r"digest\.ct_eq\(&presented\)",
                "subtle::Choice::from(u8::from(digest == presented))",
            )],
            "PVD-AUTH-010",
        ),
        // python-fastapi
        w(
            "python-fastapi",
            "authentication middleware removed",
            "src/app/app.py",
            &[(
                r"(?m)^    middleware\.append\(Middleware\(AuthMiddleware, verifier=verifier\)\)\n",
                "",
            )],
            "PVD-AUTH-002",
        ),
        w(
            "python-fastapi",
            "authentication middleware made conditional on an environment variable",
            "src/app/app.py",
            &[
                (r"(?m)^from __future__ import annotations\n", "from __future__ import annotations\n\nimport os\n"),
                (
                    r"(?m)^    middleware\.append\(Middleware\(AuthMiddleware, verifier=verifier\)\)\n",
                    "    if os.environ.get(\"AUTH_DISABLED\") != \"1\":\n        middleware.append(Middleware(AuthMiddleware, verifier=verifier))\n",
                ),
            ],
            "PVD-AUTH-002",
        ),
        w(
            "python-fastapi",
            "route on a second application outside the middleware",
            "src/app/app.py",
            &[(
                r"(?s)\z",
                "\n\ndebug_app = FastAPI()\n\n\n@debug_app.get(\"/debug/config\")\nasync def debug_config() -> dict[str, str]:\n    return {}\n",
            )],
            "PVD-AUTH-003",
        ),
        w(
            "python-fastapi",
            "extra public path",
            "src/app/auth/middleware.py",
            &[(r#"\("GET", "/readyz"\),"#, r#"("GET", "/readyz"), ("GET", "/metrics"),"#)],
            "PVD-AUTH-004",
        ),
        w(
            "python-fastapi",
            "HS256 allowed",
            "src/app/auth/oidc.py",
            &[(r#""EdDSA"\}"#, r#""EdDSA", "HS256"}"#)],
            "PVD-AUTH-005",
        ),
        w(
            "python-fastapi",
            "algorithm none allowed",
            "src/app/auth/oidc.py",
            &[(r#""EdDSA"\}"#, r#""EdDSA", "none"}"#)],
            "PVD-AUTH-005",
        ),
        w(
            "python-fastapi",
            "signature verification turned off",
            "src/app/auth/oidc.py",
            &[(r#""verify_signature": True"#, r#""verify_signature": False"#)],
            "PVD-AUTH-005",
        ),
        w(
            "python-fastapi",
            "leeway raised",
            "src/app/auth/oidc.py",
            &[(r"LEEWAY_S: Final = 60\b", "LEEWAY_S: Final = 600")],
            "PVD-AUTH-007",
        ),
        w(
            "python-fastapi",
            // Without USER the distroless `:nonroot` base still runs as its
            // documented UID 65532, so the weakening that matters is root.
            "USER switched to root",
            "Dockerfile",
            &[(r"(?m)^USER .*\n", "USER root\n")],
            "PVD-DOCKER-001",
        ),
        w(
            "python-fastapi",
            "pip-audit made non-blocking",
            ".github/workflows/ci.yml",
            &[(
                r"(?m)^(      - name: pip-audit \(known.*\n)",
                "${1}        continue-on-error: true\n",
            )],
            "PVD-GHA-012",
        ),
        w(
            "python-fastapi",
            "audience no longer checked",
            "src/app/auth/oidc.py",
            &[(r"(?m)^\s*audience=self\._settings\.audience,\n", "")],
            "PVD-AUTH-009",
        ),
        w(
            "python-fastapi",
            "exp and aud no longer required",
            "src/app/auth/oidc.py",
            &[(r#""require": \["exp", "iss", "aud", "sub"\]"#, r#""require": ["iss", "sub"]"#)],
            "PVD-AUTH-009",
        ),
        w(
            "python-fastapi",
            "audience verification turned off",
            "src/app/auth/oidc.py",
            &[(r#""verify_signature": True"#, r#""verify_signature": True, "verify_aud": False"#)],
            "PVD-AUTH-009",
        ),
        api_key(
            "python-fastapi",
            "API key digests compared with ==",
            "src/app/auth/api_key.py",
            &[(r"hmac\.compare_digest\(presented, digest\)", "presented == digest")],
            "PVD-AUTH-010",
        ),
        // typescript-fastify
        w(
            "typescript-fastify",
            "authentication hook removed",
            "src/app.ts",
            &[(r"(?m)^  installAuthentication\(app, options\.authenticator\);\n", "")],
            "PVD-AUTH-002",
        ),
        w(
            "typescript-fastify",
            "authentication hook made conditional on an environment variable",
            "src/app.ts",
            &[(
                r"(?m)^  installAuthentication\(app, options\.authenticator\);\n",
                "  if (process.env.AUTH_DISABLED !== \"1\") {\n    installAuthentication(app, options.authenticator);\n  }\n",
            )],
            "PVD-AUTH-002",
        ),
        w(
            "typescript-fastify",
            "route on a second instance outside the hook",
            "src/app.ts",
            &[(
                r"(?s)\z",
                "\nexport const debug = Fastify();\ndebug.get(\"/debug/config\", async () => ({}));\n",
            )],
            "PVD-AUTH-003",
        ),
        w(
            "typescript-fastify",
            "extra public path",
            "src/auth/hook.ts",
            &[(r#"\["GET", "/readyz"\],"#, r#"["GET", "/readyz"], ["GET", "/metrics"],"#)],
            "PVD-AUTH-004",
        ),
        w(
            "typescript-fastify",
            "HS256 allowed",
            "src/auth/jwt.ts",
            &[(r#"(?m)^  "EdDSA",\n"#, "  \"EdDSA\",\n  \"HS256\",\n")],
            "PVD-AUTH-005",
        ),
        w(
            "typescript-fastify",
            "algorithm none allowed",
            "src/auth/jwt.ts",
            &[(r#"(?m)^  "EdDSA",\n"#, "  \"EdDSA\",\n  \"none\",\n")],
            "PVD-AUTH-005",
        ),
        w(
            "typescript-fastify",
            "leeway raised",
            "src/auth/jwt.ts",
            &[(r"LEEWAY_SECONDS: number = 60;", "LEEWAY_SECONDS: number = 600;")],
            "PVD-AUTH-007",
        ),
        w(
            "typescript-fastify",
            "audience no longer checked",
            "src/auth/jwt.ts",
            &[(r"(?m)^\s*audience: this\.#config\.audience,\n", "")],
            "PVD-AUTH-009",
        ),
        w(
            "typescript-fastify",
            "exp no longer required",
            "src/auth/jwt.ts",
            &[(r#"requiredClaims: \["exp", "sub"\]"#, r#"requiredClaims: ["sub"]"#)],
            "PVD-AUTH-009",
        ),
        api_key(
            "typescript-fastify",
            "API key digests compared with Buffer.equals",
            "src/auth/apiKey.ts",
            &[(r"timingSafeEqual\(presented, digest\)", "presented.equals(digest)")],
            "PVD-AUTH-010",
        ),
        api_key(
            "typescript-fastify",
            "API key digests compared with ===",
            "src/auth/apiKey.ts",
            &[(
                r"timingSafeEqual\(presented, digest\)",
                r#"presented.toString("hex") === digest.toString("hex")"#,
            )],
            "PVD-AUTH-010",
        ),
        w(
            "typescript-fastify",
            "USER switched to root",
            "Dockerfile",
            &[(r"(?m)^USER .*\n", "USER root\n")],
            "PVD-DOCKER-001",
        ),
        w(
            "typescript-fastify",
            "npm audit made non-blocking",
            ".github/workflows/ci.yml",
            &[(
                r"(?m)^(      - name: npm audit \(known.*\n)",
                "${1}        continue-on-error: true\n",
            )],
            "PVD-GHA-012",
        ),
    ]
}

/// Every weakening of [`weakenings`] is caught by its named rule on the weakened file,
/// with exit code 1, both with the service's `.paved/` and without it.
#[test]
fn weakened_copies_of_every_blueprint_are_caught_with_and_without_provenance() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (i, case) in weakenings().iter().enumerate() {
        // A service name: lowercase letters, digits and `-`, not ending with `-`.
        let variant: String = case
            .sets
            .iter()
            .map(|s| format!("-{}", s.replace(['=', '_'], "-")))
            .collect();
        let name = format!("fresh-{}{variant}", case.blueprint);
        let fresh = tmp.path().join(&name);
        if !fresh.exists() {
            generate_from(tmp.path(), case.blueprint, &name, case.sets);
            let (code, report) = drift(&fresh);
            assert_eq!(
                findings(&report),
                Vec::<(String, String, String)>::new(),
                "{}",
                case.blueprint
            );
            assert_eq!(code, 0, "{}", case.blueprint);
        }
        for provenance in [true, false] {
            let copy = tmp.path().join(format!("weak-{i}-{provenance}"));
            copy_tree(&fresh, &copy);
            if !provenance {
                fs::remove_dir_all(copy.join(".paved")).unwrap();
            }
            for (pattern, replacement) in case.edits {
                edit(&copy, case.file, pattern, replacement);
            }
            let (code, report) = drift(&copy);
            let found = findings(&report);
            let hit = found
                .iter()
                .any(|(r, f, _)| r == case.rule && f == case.file);
            checked += 1;
            if code != 1 || !hit {
                failures.push(format!(
                    "{}: {} ({}): exit {code}, expected {} on {}: {found:#?}",
                    case.blueprint,
                    case.what,
                    if provenance {
                        "with .paved/"
                    } else {
                        "without .paved/"
                    },
                    case.rule,
                    case.file
                ));
            }
        }
    }
    assert!(checked >= 70, "only {checked} weakened copies were checked");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
