use super::rules;
use crate::guardrails::{check_all, Params, RepoModel, Severity};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn golden() -> String {
    format!(
        r#"include:
  - template: Security/SAST.gitlab-ci.yml
  - project: platform/ci
    ref: {SHA}
    file: /base.yml
  - local: ci/extra.yml
default:
  image: rust:1.85@sha256:{SHA}{SHA}
variables:
  CARGO_TERM_COLOR: always
.base: &base
  services:
    - name: postgres:16@sha256:{SHA}{SHA}
test:
  <<: *base
  script:
    - echo "building $CI_COMMIT_REF_NAME"
    - cargo test
audit:
  script:
    - cargo deny check
"#
    )
}

fn hits(text: &str) -> Vec<(String, Option<u32>)> {
    let model = RepoModel::from_memory(&[
        (".gitlab-ci.yml", text),
        ("ci/extra.yml", "x: {script: [true]}\n"),
    ]);
    assert!(
        model.model().parse_warnings().is_empty(),
        "{:?}",
        model.model().parse_warnings()
    );
    check_all(&model, &Params::default(), rules())
        .into_iter()
        .map(|h| (h.rule.to_owned(), h.line))
        .collect()
}

fn one(id: &str, line: u32) -> Vec<(String, Option<u32>)> {
    vec![(id.to_owned(), Some(line))]
}

#[test]
fn golden_gitlab_is_clean() {
    assert!(hits(&golden()).is_empty(), "{:?}", hits(&golden()));
}

#[test]
fn gitlab001_image_digest() {
    let g = golden().replace(&format!("rust:1.85@sha256:{SHA}{SHA}"), "rust:1.85");
    assert_eq!(hits(&g), one("PVD-GITLAB-001", 8));
    let g = golden().replace(&format!("postgres:16@sha256:{SHA}{SHA}"), "postgres:16");
    assert_eq!(hits(&g), one("PVD-GITLAB-001", 13));
    let g = golden().replace("audit:\n", "audit:\n  image: alpine\n");
    assert_eq!(hits(&g), one("PVD-GITLAB-001", 20));
}

#[test]
fn gitlab001_a_hidden_job_nothing_extends_never_runs() {
    // meltano's `.review`: a leading dot disables the job.
    let g = format!(
        "{}.review:\n  image: silvs/kubectl:latest\n  script: [true]\n",
        golden()
    );
    assert!(hits(&g).is_empty(), "{:?}", hits(&g));
    // Once a job extends it, its image is what that job runs.
    let g = format!("{g}deploy:\n  extends: .review\n");
    assert_eq!(hits(&g), one("PVD-GITLAB-001", 23));
}

#[test]
fn gitlab002_allow_failure_on_security_job() {
    let g = golden().replace("audit:\n", "audit:\n  allow_failure: true\n");
    assert_eq!(hits(&g), one("PVD-GITLAB-002", 20));
    let g = format!("{}sast:\n  allow_failure: true\n", golden());
    assert_eq!(hits(&g), one("PVD-GITLAB-002", 23));
    let g = golden().replace("test:\n", "test:\n  allow_failure: true\n");
    assert!(hits(&g).is_empty());
    let g = golden().replace("cargo deny check", "cargo deny check || true");
    assert_eq!(hits(&g), one("PVD-GITLAB-002", 21));
}

#[test]
fn gitlab003_untrusted_vars() {
    let g = golden().replace(
        "\"building $CI_COMMIT_REF_NAME\"",
        "building $CI_COMMIT_REF_NAME",
    );
    assert_eq!(hits(&g), one("PVD-GITLAB-003", 17));
    let g = golden().replace("- cargo test", "- eval \"echo $CI_COMMIT_MESSAGE\"");
    assert_eq!(hits(&g), one("PVD-GITLAB-003", 18));
    let g = golden().replace(
        "- cargo test",
        "- |\n      echo ok\n      git tag $CI_COMMIT_BRANCH",
    );
    assert_eq!(hits(&g), one("PVD-GITLAB-003", 20));
    let g = golden().replace(
        ".base: &base\n",
        ".base: &base\n  script: [echo $CI_COMMIT_TITLE]\n",
    );
    assert_eq!(hits(&g), one("PVD-GITLAB-003", 12));
    let g = golden().replace("- cargo test", "- echo '$CI_COMMIT_TITLE'");
    assert!(hits(&g).is_empty());
}

#[test]
fn gitlab003_reevaluated_variables_are_graded_high() {
    let g = golden().replace(
        "- cargo test",
        "- eval \"echo $CI_COMMIT_MESSAGE\"\n    - git tag $CI_COMMIT_BRANCH",
    );
    let model = RepoModel::from_memory(&[(".gitlab-ci.yml", g.as_str())]);
    let graded: Vec<_> = check_all(&model, &Params::default(), rules())
        .into_iter()
        .filter(|h| h.rule == "PVD-GITLAB-003")
        .map(|h| (h.line, h.severity, h.message.contains("re-evaluated")))
        .collect();
    assert_eq!(
        graded,
        [
            (Some(18), Some(Severity::High), true),
            (Some(19), None, false)
        ]
    );
}

#[test]
fn gitlab004_remote_include() {
    let g = golden().replace(
        "  - local: ci/extra.yml",
        "  - remote: https://example.com/ci.yml",
    );
    assert_eq!(hits(&g), one("PVD-GITLAB-004", 6));
}

#[test]
fn gitlab005_debug_trace() {
    let g = golden().replace("CARGO_TERM_COLOR: always", "CI_DEBUG_TRACE: \"true\"");
    assert_eq!(hits(&g), one("PVD-GITLAB-005", 10));
}

#[test]
fn gitlab006_project_ref() {
    let g = golden().replace(&format!("    ref: {SHA}\n"), "    ref: main\n");
    assert_eq!(hits(&g), one("PVD-GITLAB-006", 4));
    let g = golden().replace(&format!("    ref: {SHA}\n"), "");
    assert_eq!(hits(&g), one("PVD-GITLAB-006", 3));
}
