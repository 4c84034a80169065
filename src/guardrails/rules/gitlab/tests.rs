use super::rules;
use crate::guardrails::rules::finding_lines;
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

/// `file:line: [ID] message` of every finding of this domain's rules.
fn hits(text: &str) -> String {
    let model = RepoModel::from_memory(&[
        (".gitlab-ci.yml", text),
        ("ci/extra.yml", "x: {script: [true]}\n"),
    ]);
    assert!(
        model.model().parse_warnings().is_empty(),
        "{:?}",
        model.model().parse_warnings()
    );
    finding_lines(&check_all(&model, &Params::default(), rules()))
}

#[test]
fn golden_gitlab_is_clean() {
    assert!(hits(&golden()).is_empty(), "{:?}", hits(&golden()));
}

#[test]
fn gitlab001_image_digest() {
    let g = golden().replace(&format!("rust:1.85@sha256:{SHA}{SHA}"), "rust:1.85");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:8: [PVD-GITLAB-001] image `rust:1.85` is not pinned by digest; the tag can be moved to other content");
    let g = golden().replace(&format!("postgres:16@sha256:{SHA}{SHA}"), "postgres:16");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:13: [PVD-GITLAB-001] image `postgres:16` is not pinned by digest; the tag can be moved to other content");
    let g = golden().replace("audit:\n", "audit:\n  image: alpine\n");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:20: [PVD-GITLAB-001] image `alpine` is not pinned by digest; the tag can be moved to other content");
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
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:23: [PVD-GITLAB-001] image `silvs/kubectl:latest` is not pinned by digest; the tag can be moved to other content");
}

#[test]
fn gitlab002_allow_failure_on_security_job() {
    let g = golden().replace("audit:\n", "audit:\n  allow_failure: true\n");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:20: [PVD-GITLAB-002] security job `audit` has `allow_failure: true`: its findings never fail the pipeline");
    let g = format!("{}sast:\n  allow_failure: true\n", golden());
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:23: [PVD-GITLAB-002] security job `sast` has `allow_failure: true`: its findings never fail the pipeline");
    let g = golden().replace("test:\n", "test:\n  allow_failure: true\n");
    assert!(hits(&g).is_empty());
    let g = golden().replace("cargo deny check", "cargo deny check || true");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:21: [PVD-GITLAB-002] security scanner's failure is ignored (`|| true`, exit code 0 on findings): it never fails the pipeline");
}

#[test]
fn gitlab003_untrusted_vars() {
    let g = golden().replace(
        "\"building $CI_COMMIT_REF_NAME\"",
        "building $CI_COMMIT_REF_NAME",
    );
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:17: [PVD-GITLAB-003] `$CI_COMMIT_REF_NAME` is chosen by whoever pushes or opens the merge request, and is used unquoted: the shell splits and globs it into extra arguments");
    let g = golden().replace("- cargo test", "- eval \"echo $CI_COMMIT_MESSAGE\"");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:18: [PVD-GITLAB-003] `$CI_COMMIT_MESSAGE` is chosen by whoever pushes or opens the merge request, and is re-evaluated by the shell (eval, sh -c): its text runs as commands");
    let g = golden().replace(
        "- cargo test",
        "- |\n      echo ok\n      git tag $CI_COMMIT_BRANCH",
    );
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:20: [PVD-GITLAB-003] `$CI_COMMIT_BRANCH` is chosen by whoever pushes or opens the merge request, and is used unquoted: the shell splits and globs it into extra arguments");
    let g = golden().replace(
        ".base: &base\n",
        ".base: &base\n  script: [echo $CI_COMMIT_TITLE]\n",
    );
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:12: [PVD-GITLAB-003] `$CI_COMMIT_TITLE` is chosen by whoever pushes or opens the merge request, and is used unquoted: the shell splits and globs it into extra arguments");
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
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:6: [PVD-GITLAB-004] pipeline code fetched from `https://example.com/ci.yml` at run time; whoever controls that URL controls the pipeline");
}

#[test]
fn gitlab005_debug_trace() {
    let g = golden().replace("CARGO_TERM_COLOR: always", "CI_DEBUG_TRACE: \"true\"");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:10: [PVD-GITLAB-005] `CI_DEBUG_TRACE` prints every variable, masked secrets included, into the job log");
}

#[test]
fn gitlab006_project_ref() {
    let g = golden().replace(&format!("    ref: {SHA}\n"), "    ref: main\n");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:4: [PVD-GITLAB-006] include of `platform/ci` follows `ref: main`, not a commit SHA");
    let g = golden().replace(&format!("    ref: {SHA}\n"), "");
    insta::assert_snapshot!(hits(&g), @".gitlab-ci.yml:3: [PVD-GITLAB-006] include of `platform/ci` follows no `ref` (the default branch), not a commit SHA");
}
