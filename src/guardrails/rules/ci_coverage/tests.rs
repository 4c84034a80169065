use super::rules;
use crate::guardrails::ci_tools::logical_lines;
use crate::guardrails::{check_all, Params, RepoModel};

const PIN: &str = "0123456789abcdef0123456789abcdef01234567";

fn golden() -> String {
    format!(
        r#"name: ci
on:
  pull_request:
  push:
    branches: [main]
permissions: {{}}
jobs:
  scan:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@{PIN}
        with:
          persist-credentials: false
      - uses: github/codeql-action/init@{PIN}
      - uses: github/codeql-action/analyze@{PIN}
      - run: cargo deny check
      - uses: gitleaks/gitleaks-action@{PIN}
      - uses: aquasecurity/trivy-action@{PIN}
        with:
          scan-type: image
          image-ref: app:ci
          exit-code: "1"
      - uses: aquasecurity/trivy-action@{PIN}
        with:
          scan-type: config
          exit-code: "1"
      - uses: anchore/sbom-action@{PIN}
"#
    )
}

/// The CI coverage rules, and the two rules that own a scanner that cannot fail
/// (so a test sees which rule reports it).
fn run(files: &[(&str, &str)]) -> Vec<(String, Option<u32>)> {
    let model = RepoModel::from_memory(files);
    let owners = crate::guardrails::rules::all()
        .filter(|r| matches!(r.meta.id, "PVD-GHA-012" | "PVD-GITLAB-002"));
    check_all(&model, &Params::default(), rules().iter().chain(owners))
        .into_iter()
        .map(|h| (h.rule.to_owned(), h.line))
        .collect()
}

fn ids(hits: &[(String, Option<u32>)]) -> Vec<&str> {
    hits.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn golden_pipeline_is_clean() {
    let wf = golden();
    let hits = run(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert!(hits.is_empty(), "{hits:?}");
}

#[test]
fn no_ci_at_all() {
    assert_eq!(run(&[("README.md", "x")]), [("PVD-CI-000".into(), None)]);
}

#[test]
fn each_missing_category_is_its_own_finding() {
    let cases = [
        ("github/codeql-action/analyze", "nothing/here", "PVD-CI-001"),
        ("run: cargo deny check", "run: cargo build", "PVD-CI-002"),
        ("gitleaks/gitleaks-action", "nothing/here", "PVD-CI-003"),
        ("scan-type: image", "scan-type: fs", "PVD-CI-004"),
        ("scan-type: config", "scan-type: fs", "PVD-CI-005"),
        ("anchore/sbom-action", "nothing/here", "PVD-CI-006"),
    ];
    for (needle, with, id) in cases {
        let wf = golden().replace(needle, with);
        let hits = run(&[
            (".github/workflows/ci.yml", &wf),
            ("Dockerfile", "FROM x\n"),
        ]);
        assert_eq!(hits, [(id.to_owned(), Some(2))], "removing {needle}");
    }
}

#[test]
fn silenced_or_disabled_scanner_does_not_count() {
    // Silenced: PVD-GHA-012 reports it at the step; PVD-CI-002 stays quiet.
    let wf = golden().replace("run: cargo deny check", "run: cargo deny check || true");
    let hits = run(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert_eq!(hits, [("PVD-GHA-012".into(), Some(19))]);
    let wf = golden().replace(
        "      - uses: gitleaks/gitleaks-action",
        "      - if: false\n        uses: gitleaks/gitleaks-action",
    );
    let hits = run(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert_eq!(hits, [("PVD-CI-003".into(), Some(2))]);
}

#[test]
fn a_silenced_scanner_is_reported_here_when_its_own_rule_does_not_run() {
    // A profile that turns PVD-GHA-012 / PVD-GITLAB-002 off (or selects only these
    // rules) must not hide that the pipeline has no scanner that can fail.
    let only_coverage = |files: &[(&str, &str)]| -> Vec<(&str, Option<u32>, String)> {
        let model = RepoModel::from_memory(files);
        check_all(&model, &Params::default(), rules())
            .into_iter()
            .map(|h| (h.rule, h.line, h.message))
            .collect()
    };
    let wf = golden().replace("run: cargo deny check", "run: cargo deny check || true");
    assert_eq!(
        only_coverage(&[(".github/workflows/ci.yml", &wf), ("Dockerfile", "FROM x\n")]),
        [(
            "PVD-CI-002",
            Some(19),
            "no dependency scanning (SCA) step in the pull-request pipeline can fail the build: this one ignores its failure".to_owned()
        )]
    );
    let ci = "include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Security/Secret-Detection.gitlab-ci.yml\naudit:\n  allow_failure: true\n  script:\n    - cargo audit\nsbom:\n  script: [syft . -o cyclonedx-json]\n";
    let hits = only_coverage(&[(".gitlab-ci.yml", ci)]);
    assert_eq!(
        hits.iter().map(|(r, l, _)| (*r, *l)).collect::<Vec<_>>(),
        [("PVD-CI-002", Some(5))]
    );
    // An enforced scanner elsewhere in the pipeline is coverage.
    let both = ci.replace("sbom:\n", "audit-strict:\n  script: [cargo audit]\nsbom:\n");
    assert!(only_coverage(&[(".gitlab-ci.yml", &both)]).is_empty());
}

#[test]
fn scanners_that_exit_zero_do_not_count() {
    let dock = ("Dockerfile", "FROM x\n");
    // Each is silenced: PVD-GHA-012 reports it at the step, PVD-CI-004 stays quiet.
    let wf = golden().replacen("          exit-code: \"1\"\n", "", 1);
    assert_eq!(
        ids(&run(&[(".github/workflows/ci.yml", &wf), dock])),
        ["PVD-GHA-012"]
    );
    for cmd in [
        "trivy image app:ci",
        "trivy image --exit-code 0 app:ci",
        "grype app:ci",
        "trivy image app || echo failed",
    ] {
        let wf = golden()
            .replacen("scan-type: image", "scan-type: fs", 1)
            .replace(
                "      - uses: anchore/sbom-action",
                &format!("      - run: {cmd}\n      - uses: anchore/sbom-action"),
            );
        assert_eq!(
            ids(&run(&[(".github/workflows/ci.yml", &wf), dock])),
            ["PVD-GHA-012"],
            "{cmd}"
        );
    }
    for cmd in [
        "trivy image --exit-code 1 app:ci",
        "trivy image \\\n          --exit-code 1 app:ci",
        "grype app:ci --fail-on high",
        "trivy image --exit-code 1 app || exit 1",
    ] {
        let wf = golden()
            .replacen("scan-type: image", "scan-type: fs", 1)
            .replace(
                "      - uses: anchore/sbom-action",
                &format!("      - run: |\n          {cmd}\n      - uses: anchore/sbom-action"),
            );
        assert!(
            run(&[(".github/workflows/ci.yml", &wf), dock]).is_empty(),
            "{cmd}"
        );
    }
}

/// `golden()` with its SCA step replaced by `step` (a YAML step, indented 6).
fn sca_hits(step: &str) -> Vec<(String, Option<u32>)> {
    let wf = golden().replace("      - run: cargo deny check\n", step);
    run(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ])
}

#[test]
fn sbom_generation_is_not_dependency_scanning() {
    let steps = [
            "      - run: trivy fs --format cyclonedx --output sbom.cdx.json .\n",
            "      - run: trivy fs -f spdx-json -o sbom.json .\n",
            "      - run: trivy fs --scanners secret,misconfig --exit-code 1 .\n",
            "      - run: trivy image --exit-code 1 app:ci\n",
            "      - uses: aquasecurity/trivy-action@x\n        with:\n          scan-type: fs\n          format: cyclonedx\n          output: sbom.cdx.json\n",
            "      - uses: aquasecurity/trivy-action@x\n        with:\n          scan-type: fs\n          format: cyclonedx\n          exit-code: 1\n",
            "      - run: cyclonedx-py requirements requirements.txt -o sbom.json\n",
            "      - run: npx @cyclonedx/cyclonedx-npm --output-file sbom.json\n",
            "      - run: syft . -o cyclonedx-json\n",
            "      - uses: anchore/sbom-action@x\n",
            "      - uses: docker/build-push-action@x\n        with:\n          sbom: true\n          push: false\n",
            "      - run: npm audit signatures\n",
            "      - run: cargo deny --locked check licenses bans sources\n",
            "      - run: cargo install --locked cargo-deny@0.20.2\n",
            "      - run: |\n          python -m venv v\n          v/bin/pip install --quiet pip-audit==2.10.1\n",
            "      - run: npm install -g snyk && snyk monitor\n",
            "      - run: grype registry.example/app:ci --fail-on high\n",
            "      - uses: anchore/scan-action@x\n        with:\n          image: app:ci\n",
            "      - uses: embarkstudios/cargo-deny-action@x\n        with:\n          command: check licenses\n",
            "      - uses: snyk/actions/docker@x\n",
        ];
    for step in steps {
        assert_eq!(
            sca_hits(step),
            [("PVD-CI-002".into(), Some(2))],
            "counted as SCA: {step}"
        );
    }
}

#[test]
fn dependency_scanners_of_each_ecosystem_count() {
    let steps = [
            "      - run: cargo deny --locked check advisories bans licenses sources\n",
            "      - run: cargo deny check\n",
            "      - run: cargo audit --deny warnings\n",
            "      - uses: rustsec/audit-check@x\n",
            "      - uses: EmbarkStudios/cargo-deny-action@x\n",
            "      - run: '\"$RUNNER_TEMP/sca/bin/pip-audit\" --strict -r requirements.txt'\n",
            "      - run: python -m pip_audit -r requirements.txt\n",
            "      - uses: pypa/gh-action-pip-audit@x\n",
            "      - run: osv-scanner scan source -r .\n",
            "      - uses: google/osv-scanner-action@x\n",
            "      - run: npm audit --audit-level=high --omit=dev\n",
            "      - run: pnpm audit --prod\n",
            "      - run: trivy fs --scanners vuln --exit-code 1 .\n",
            "      - run: trivy fs --exit-code 1 --severity HIGH,CRITICAL .\n",
            "      - run: trivy fs --format cyclonedx --scanners vuln --exit-code 1 .\n",
            "      - uses: aquasecurity/trivy-action@x\n        with:\n          scan-type: fs\n          scanners: vuln\n          exit-code: 1\n",
            "      - run: grype dir:. --fail-on high\n",
            "      - uses: anchore/scan-action@x\n        with:\n          path: .\n",
            "      - run: govulncheck ./...\n",
            "      - run: go install golang.org/x/vuln/cmd/govulncheck@v1.1.4 && govulncheck ./...\n",
            "      - uses: golang/govulncheck-action@x\n",
            "      - uses: actions/dependency-review-action@x\n",
            "      - run: npx snyk test --severity-threshold=high\n",
            "      - uses: snyk/actions/node@x\n",
        ];
    for step in steps {
        assert!(sca_hits(step).is_empty(), "not counted as SCA: {step}");
    }
}

#[test]
fn dependency_scanners_that_cannot_fail_do_not_count() {
    for step in [
            "      - run: trivy fs --scanners vuln .\n",
            "      - run: grype dir:.\n",
            "      - run: govulncheck -format sarif ./... > govuln.sarif\n",
            "      - run: govulncheck -json ./...\n",
            "      - uses: golang/govulncheck-action@x\n        with:\n          output-format: sarif\n",
            "      - uses: actions/dependency-review-action@x\n        with:\n          warn-only: true\n",
            "      - run: npm audit || true\n",
            "      - run: pip-audit -r requirements.txt\n        continue-on-error: true\n",
        ] {
            // Not coverage, and reported once: at the step, by PVD-GHA-012.
            assert_eq!(
                ids(&sca_hits(step)),
                ["PVD-GHA-012"],
                "counted as enforced SCA: {step}"
            );
        }
}

#[test]
fn python_sast_tools_count() {
    for step in [
        "      - run: bandit --recursive src --severity-level medium\n",
        "      - uses: PyCQA/bandit-action@x\n",
        "      - run: semgrep scan --config p/python --error\n",
    ] {
        let wf = golden().replace(
            &format!("      - uses: github/codeql-action/analyze@{PIN}\n"),
            step,
        );
        let hits = run(&[
            (".github/workflows/ci.yml", &wf),
            ("Dockerfile", "FROM x\n"),
        ]);
        assert!(hits.is_empty(), "{step}: {hits:?}");
    }
}

#[test]
fn tool_run_from_its_container_image_counts() {
    let wf = golden().replace(
            &format!("      - uses: gitleaks/gitleaks-action@{PIN}"),
            "      - run: docker run --rm -v \"$PWD:/repo:ro\" ghcr.io/gitleaks/gitleaks:v8.30.1@sha256:0000 git /repo",
        );
    assert!(!wf.contains("gitleaks-action"));
    let hits = run(&[(".github/workflows/ci.yml", &wf), ("Dockerfile", "FROM x")]);
    assert!(!hits.iter().any(|(r, _)| r == "PVD-CI-003"), "{hits:?}");
}

/// hadolint lints Dockerfiles: IaC coverage for a repository whose IaC is its
/// Dockerfiles (vaultwarden), not for one with Terraform or Kubernetes manifests too.
#[test]
fn hadolint_covers_dockerfiles_only() {
    let wf = golden().replace(
        &format!("      - uses: aquasecurity/trivy-action@{PIN}\n        with:\n          scan-type: config\n          exit-code: \"1\"\n"),
        &format!("      - uses: hadolint/hadolint-action@{PIN}\n"),
    );
    assert!(!wf.contains("scan-type: config"));
    let docker_only = run(&[(".github/workflows/ci.yml", &wf), ("Dockerfile", "FROM x")]);
    assert!(docker_only.is_empty(), "{docker_only:?}");
    for other in [
        ("deploy/main.tf", "resource \"null_resource\" \"x\" {}\n"),
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\n",
        ),
    ] {
        let hits = run(&[
            (".github/workflows/ci.yml", &wf),
            ("Dockerfile", "FROM x"),
            other,
        ]);
        assert_eq!(ids(&hits), ["PVD-CI-005"], "{other:?}");
    }
    let cmd = wf.replace(
        &format!("      - uses: hadolint/hadolint-action@{PIN}\n"),
        "      - run: hadolint Dockerfile\n",
    );
    let hits = run(&[
        (".github/workflows/ci.yml", &cmd),
        ("Dockerfile", "FROM x"),
        ("main.tf", ""),
    ]);
    assert_eq!(ids(&hits), ["PVD-CI-005"]);
}

#[test]
fn logical_lines_join_continuations() {
    let l = logical_lines("a \\\n  b\nc\n");
    assert_eq!((l[0].0, &*l[0].1), (0, "a    b"));
    assert_eq!(l[1].1, "c");
    assert_eq!(&"a \\\n  b\nc\n"[l[1].0..l[1].0 + 1], "c");
}

#[test]
fn container_and_iac_only_when_relevant() {
    let wf = golden()
        .replace("scan-type: image", "scan-type: fs")
        .replace("scan-type: config", "scan-type: fs");
    assert!(run(&[(".github/workflows/ci.yml", &wf)]).is_empty());
}

#[test]
fn workflow_without_pull_request_trigger() {
    let wf = golden().replace("  pull_request:\n", "");
    let hits = run(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert_eq!(hits, [("PVD-CI-007".into(), None)]);
}

#[test]
fn reusable_workflow_steps_count() {
    let caller = "on: pull_request\npermissions: {}\njobs:\n  scan:\n    uses: ./.github/workflows/scan.yml\n";
    let callee = golden().replace("on:\n  pull_request:", "on:\n  workflow_call:");
    let hits = run(&[
        (".github/workflows/ci.yml", caller),
        (".github/workflows/scan.yml", &callee),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert!(hits.is_empty(), "{hits:?}");
}

#[test]
fn gitlab_templates_and_commands() {
    let ci = "include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Security/Secret-Detection.gitlab-ci.yml\naudit:\n  script:\n    - cargo audit\nsbom:\n  script: [syft . -o cyclonedx-json]\n";
    assert!(run(&[(".gitlab-ci.yml", ci)]).is_empty());
    let weak = ci.replace("cargo audit", "cargo build");
    assert_eq!(
        run(&[(".gitlab-ci.yml", &weak)]),
        [("PVD-CI-002".into(), None)]
    );
    let comp = ci.replace(
        "  - template: Security/SAST.gitlab-ci.yml",
        "  - component: $CI_SERVER_FQDN/components/sast/sast@3.1.0",
    );
    assert!(run(&[(".gitlab-ci.yml", &comp)]).is_empty());
    let allowed = ci.replace("audit:\n", "audit:\n  allow_failure: true\n");
    assert_eq!(
        run(&[(".gitlab-ci.yml", &allowed)]),
        [("PVD-GITLAB-002".into(), Some(5))]
    );
}

#[test]
fn workflow_audit_is_opt_in() {
    let wf = golden();
    let model = RepoModel::from_memory(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    let on = Params::new(toml::from_str("ci_require_workflow_audit = true").unwrap());
    let ids: Vec<_> = check_all(&model, &on, rules())
        .into_iter()
        .map(|h| (h.rule, h.line))
        .collect();
    assert_eq!(ids, [("PVD-CI-008", Some(2))]);
    let wf = golden().replace(
        "      - run: cargo deny check\n",
        "      - run: cargo deny check\n      - run: zizmor .\n",
    );
    let model = RepoModel::from_memory(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert!(check_all(&model, &on, rules()).is_empty());
}

#[test]
fn tool_lists_are_parameters() {
    let wf = golden().replace("cargo deny check", "my-sca-tool scan");
    let model = RepoModel::from_memory(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    let params = Params::new(toml::from_str("ci_tools_sca = [\"my-sca-tool\"]").unwrap());
    assert!(check_all(&model, &params, rules()).is_empty());
}

fn messages(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let model = RepoModel::from_memory(files);
    check_all(&model, &Params::default(), rules())
        .into_iter()
        .map(|h| (h.rule.to_owned(), h.message))
        .collect()
}

#[test]
fn unreadable_pipeline_is_not_a_missing_pipeline() {
    let broken = "on: pull_request\njobs:\n  test: [unclosed\n";
    for path in [".github/workflows/ci.yml", ".gitlab-ci.yml"] {
        let model = RepoModel::from_memory(&[(path, broken)]);
        assert_eq!(
            model.model().parse_warnings().len(),
            1,
            "{path} must fail to parse"
        );
        // Nothing readable: no "no CI" and no per-category "not judged" either; the
        // engine's PVD-AUDIT-001 finding says it once.
        let got = messages(&[(path, broken), ("Dockerfile", "FROM x\n")]);
        assert!(got.is_empty(), "{path}: {got:?}");
    }
    // A readable workflow beside a broken one: what is missing in the readable one
    // is reported, naming the file that was not judged.
    let wf = golden().replace("run: cargo deny check", "run: cargo build");
    let got = messages(&[
        (".github/workflows/ci.yml", &wf),
        (".github/workflows/broken.yml", broken),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "PVD-CI-002");
    assert!(got[0]
        .1
        .contains("`.github/workflows/broken.yml` could not be parsed"));
}

/// A pipeline whose only "dependency scanning" is an SBOM step, per ecosystem, in
/// GitHub Actions and in GitLab CI.
const SBOM_ONLY: &[(&str, &str)] = &[
    ("rust", "cargo cyclonedx --format json"),
    (
        "rust",
        "trivy fs --format cyclonedx --output sbom.cdx.json .",
    ),
    (
        "rust",
        "trivy fs --exit-code 0 --format spdx-json --output sbom.json .",
    ),
    (
        "python",
        "cyclonedx-py requirements requirements.txt -o sbom.cdx.json",
    ),
    ("python", "trivy fs -f cyclonedx -o sbom.cdx.json ."),
    (
        "node",
        "npx @cyclonedx/cyclonedx-npm --output-file sbom.cdx.json",
    ),
    ("node", "npx @cyclonedx/cdxgen -o bom.json"),
    ("go", "cyclonedx-gomod mod -json -output sbom.cdx.json"),
    ("go", "syft dir:. -o spdx-json=sbom.spdx.json"),
    (
        "java",
        "mvn org.cyclonedx:cyclonedx-maven-plugin:makeAggregateBom",
    ),
    ("java", "./gradlew cyclonedxBom"),
    ("any", "docker sbom app:ci --format cyclonedx-json"),
    (
        "any",
        "trivy image --format cyclonedx --output sbom.cdx.json app:ci",
    ),
];

#[test]
fn sbom_only_pipelines_fail_dependency_scanning_in_github_and_gitlab() {
    for (ecosystem, cmd) in SBOM_ONLY {
        let step = format!("      - run: {cmd}\n");
        let got = sca_hits(&step);
        assert_eq!(
            got,
            [("PVD-CI-002".into(), Some(2))],
            "{ecosystem} (GitHub): {cmd}"
        );
        let gitlab = format!(
                "include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Security/Secret-Detection.gitlab-ci.yml\nsbom:\n  script:\n    - {cmd}\n"
            );
        let got = run(&[(".gitlab-ci.yml", &gitlab)]);
        assert_eq!(ids(&got), ["PVD-CI-002"], "{ecosystem} (GitLab): {cmd}");
        // … and each of them is SBOM generation.
        let sbom_only =
            golden().replace(&format!("      - uses: anchore/sbom-action@{PIN}\n"), &step);
        let got = run(&[
            (".github/workflows/ci.yml", &sbom_only),
            ("Dockerfile", "FROM x\n"),
        ]);
        assert!(
            !ids(&got).contains(&"PVD-CI-006"),
            "{cmd} is SBOM generation: {got:?}"
        );
    }
}

#[test]
fn build_push_action_sbom_is_sbom_generation_not_dependency_scanning() {
    let step = format!("      - uses: docker/build-push-action@{PIN}\n        with:\n          push: false\n          sbom: true\n");
    let wf = golden().replace(&format!("      - uses: anchore/sbom-action@{PIN}\n"), &step);
    let hits = run(&[
        (".github/workflows/ci.yml", &wf),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert!(hits.is_empty(), "{hits:?}");
    // Without `sbom:` it builds an image and nothing else.
    let plain = wf.replace("          sbom: true\n", "");
    let hits = run(&[
        (".github/workflows/ci.yml", &plain),
        ("Dockerfile", "FROM x\n"),
    ]);
    assert_eq!(ids(&hits), ["PVD-CI-006"]);
    // And it never stands in for dependency scanning.
    assert_eq!(sca_hits(&step), [("PVD-CI-002".into(), Some(2))]);
}

#[test]
fn govulncheck_action_is_go_dependency_scanning() {
    for step in [
            format!("      - uses: golang/govulncheck-action@{PIN} # v1.0.4\n        with:\n          go-version-file: go.mod\n          go-package: ./...\n"),
            "      - run: go run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./...\n".to_owned(),
        ] {
            assert!(sca_hits(&step).is_empty(), "{step}");
        }
}

mod robustness {
    use crate::guardrails::{check_all, Params, RepoModel};

    /// Type-confused and truncated documents must never panic any YAML rule.
    #[test]
    fn type_confused_documents_do_not_panic() {
        let odd = [
            "on: 5\njobs: [1, 2]\npermissions: [write]\n",
            "on: [pull_request, {x: 1}]\njobs:\n  a: 3\n  b:\n    steps: {uses: x}\n    runs-on: {labels: self-hosted}\n",
            "on: {pull_request_target: null}\njobs:\n  a:\n    steps:\n      - uses: [1]\n        run: {a: b}\n        with: 7\n      - 12\n      - uses: actions/checkout\n        with: {ref: [x]}\n",
            "jobs:\n  a:\n    uses: ./.github/workflows/ci.yml\n",
            "include: 7\nimage: {name: [x]}\nservices: hello\njob:\n  script: {a: 1}\n  rules: 3\n  only: {refs: 4}\n  allow_failure: {exit_codes: 1}\n  variables: [1]\n",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: 5\n  volumes: {a: 1}\n",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - 1\n        - {securityContext: 3, resources: [1], image: [x], ports: 4, env: 5}\n      securityContext: {seccompProfile: 3}\n",
            "apiVersion: v1\nkind: List\nitems: 4\n",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nrules: [1, {verbs: 3, resources: {a: 1}}]\n",
            "---\n---\n",
            "- a\n- b\n",
        ];
        for text in odd {
            let model = RepoModel::from_memory(&[
                (".github/workflows/ci.yml", text),
                (".gitlab-ci.yml", text),
                ("k8s/x.yaml", text),
                ("action.yml", text),
                (".github/dependabot.yml", text),
                ("kustomization.yaml", text),
            ]);
            let _ = check_all(&model, &Params::default(), crate::guardrails::rules::all());
        }
    }
}

#[test]
fn clang_scan_build_is_sast() {
    // GTK's static-scan job: the Clang Static Analyzer on every merge-request pipeline.
    let ci = "static-scan:\n  image: fedora:40\n  script:\n    - meson setup _scan_build\n    - ninja -C _scan_build scan-build\n";
    let hits = run(&[(".gitlab-ci.yml", ci)]);
    assert!(!ids(&hits).contains(&"PVD-CI-001"), "{hits:?}");
    let none = "build:\n  image: fedora:40\n  script:\n    - ninja -C _build\n";
    assert!(ids(&run(&[(".gitlab-ci.yml", none)])).contains(&"PVD-CI-001"));
}
