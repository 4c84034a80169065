//! Fuzzing harnesses, shared by the cargo-fuzz targets in `fuzz/` (nightly) and the
//! stable-toolchain driver in `tests/it/fuzz.rs`, so every parser and rule is
//! fuzzed through the same entry points the CLI uses. A top-level module, like
//! `commands`: it drives the whole pipeline, reports included, so it sits above every
//! layer it calls (`tests/it/layering.rs`).

use std::sync::OnceLock;

use crate::blueprint::Catalog;
use crate::drift::{self, rules, Options, Report};
use crate::guardrails::policy::Policy;
use crate::report::{self, Format, Settings};

/// File names the harness can put bytes under: one per parser or rule family.
pub const NAMES: &[&str] = &[
    "Dockerfile",
    ".github/workflows/ci.yml",
    ".gitlab-ci.yml",
    "k8s.yaml",
    "deploy/k8s/deployment.yaml",
    "main.tf",
    "infra/iam.tf",
    ".paved/waivers.toml",
    ".paved/context.toml",
    ".paved/answers.toml",
    ".github/dependabot.yml",
    "SECURITY.md",
    "CODEOWNERS",
    ".gitignore",
    ".dockerignore",
    "Cargo.toml",
    "src/main.rs",
    "config/.env",
];

/// Splits `data` into files: repeatedly one byte naming the file (index into
/// [`NAMES`]), two bytes of length (little endian), then that many bytes of content;
/// whatever is left goes to the last file.
pub fn split(data: &[u8]) -> Vec<(&'static str, &[u8])> {
    let mut files = Vec::new();
    let mut rest = data;
    while rest.len() >= 3 && files.len() < 32 {
        let name = NAMES[rest[0] as usize % NAMES.len()];
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        rest = &rest[3..];
        let take = len.min(rest.len());
        files.push((name, &rest[..take]));
        rest = &rest[take..];
    }
    if !rest.is_empty() {
        files.push((NAMES[0], rest));
    }
    files
}

/// The inverse of [`split`], for building inputs from seeds.
pub fn join(files: &[(usize, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, bytes) in files {
        let bytes = &bytes[..bytes.len().min(u16::MAX as usize)];
        out.push(*name as u8);
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// Runs the whole engine and every renderer over the files in `data`.
pub fn repo_model(data: &[u8]) -> Report {
    let files = split(data);
    static POLICY: OnceLock<Policy> = OnceLock::new();
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        Policy::load(None, "strict", rules::catalog().map(|r| &r.meta))
            .expect("built-in profile loads")
    });
    let catalog = CATALOG.get_or_init(Catalog::embedded);
    let opts = Options {
        policy,
        catalog,
        today: jiff::civil::date(2026, 6, 1),
    };
    let repo = drift::audit_in_memory(&files, &opts);
    let report = Report {
        profile: policy.profile.clone(),
        repos: vec![repo],
    };
    let settings = Settings {
        fail_on: crate::guardrails::Severity::Low,
        color: true,
    };
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
    ] {
        let text = report::render(&report, format, &settings);
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_str::<serde_json::Value>(&text).expect("renders valid JSON");
        }
    }
    report
}

/// Loads `data` as a guardrails profile.
pub fn policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Policy::from_text("fuzz", &text, rules::catalog().map(|r| &r.meta));
}

/// Small valid inputs to mutate from.
pub const SEEDS: &[(usize, &str)] = &[
    (
        0,
        "FROM rust:1.80@sha256:0000000000000000000000000000000000000000000000000000000000000000 AS build\nARG TOKEN\nRUN curl -k https://x | sh\nUSER 10001\n",
    ),
    (
        1,
        "on:\n  pull_request_target:\npermissions: write-all\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo ${{ github.event.issue.title }}\n",
    ),
    (
        2,
        "stages: [test]\ntest:\n  image: alpine:latest\n  script:\n    - echo $CI_COMMIT_TITLE\n",
    ),
    (
        3,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n        - name: a\n          image: nginx:latest\n          securityContext: {privileged: true}\n---\na: &a [*a, *a]\n",
    ),
    (
        5,
        "resource \"aws_security_group\" \"a\" {\n  ingress {\n    from_port = 22\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\nresource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({ Statement = [{ Action = \"*\", Resource = \"*\" }] })\n}\n",
    ),
    (
        7,
        "[[waiver]]\nrule = \"PVD-BLUEPRINT-001\"\npath = \"**\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01\n",
    ),
    (8, "exposure = \"internet\"\ndata_classification = \"pii\"\n"),
    (
        9,
        "[blueprint]\nid = \"rust-axum\"\nversion = \"0.9.0\"\n[paved]\nversion = \"0.1.0\"\n[answers]\nname = \"x\"\nexposure = \"internet\"\n",
    ),
    (17, "AWS_SECRET_ACCESS_KEY=AKIAABCDEFGHIJKLMNOP\n-----BEGIN RSA PRIVATE KEY-----\n"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_round_trip() {
        let data = join(&[(1, b"on: push"), (5, b"x")]);
        let files = split(&data);
        assert_eq!(files, [(NAMES[1], &b"on: push"[..]), (NAMES[5], &b"x"[..])]);
        assert!(split(&[]).is_empty());
        assert_eq!(split(&[7]).len(), 1);
    }

    #[test]
    fn seeds_run_through_the_engine() {
        let files: Vec<(usize, &[u8])> = SEEDS.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
        let report = repo_model(&join(&files));
        let rules: Vec<&str> = report.repos[0].findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&"PVD-WAIVER-001"), "{rules:?}");
    }
}
