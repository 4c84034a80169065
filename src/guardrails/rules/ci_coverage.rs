//! CI coverage: the pipeline that runs on pull requests must run each kind of
//! security scanner. Tool recognition is shared with the GitHub Actions and GitLab CI
//! rules (a scanner that may fail silently does not count, and is flagged there).

use std::path::Path;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity};
use crate::parse::yaml::{YamlFile, YamlKind};

use crate::guardrails::ci_tools::*;
use paved_model::workflows::triggers;

/// Workflows that run on pull requests.
fn is_pr_workflow(wf: &YamlFile) -> bool {
    wf.root().is_some_and(|root| {
        triggers(root)
            .iter()
            .any(|(t, _)| t == "pull_request" || t == "pull_request_target")
    })
}

/// Any CI system paved cannot read, so coverage cannot be judged.
fn has_other_ci(ctx: &CheckCtx<'_>) -> bool {
    ctx.repo.any_file(|f| {
        let p = f.path_str();
        p == "Jenkinsfile"
            || p.starts_with(".circleci/")
            || p.starts_with(".buildkite/")
            || p == "azure-pipelines.yml"
            || p == "bitbucket-pipelines.yml"
            || p == ".travis.yml"
    })
}

/// Where the pipeline is and what runs in it.
struct Pipeline<'a> {
    file: String,
    line: Option<u32>,
    units: Vec<Unit<'a>>,
    github_without_pr: bool,
}

fn pipeline<'a>(ctx: &CheckCtx<'a>) -> Option<Pipeline<'a>> {
    let yaml = ctx.repo.yaml();
    let workflows: Vec<&YamlFile> = yaml
        .iter()
        .filter(|y| y.kind == YamlKind::Workflow)
        .collect();
    let gitlab: Vec<&YamlFile> = yaml
        .iter()
        .filter(|y| y.kind == YamlKind::GitlabCi)
        .collect();
    if workflows.is_empty() && gitlab.is_empty() {
        return None;
    }
    let pr: Vec<&YamlFile> = workflows
        .iter()
        .copied()
        .filter(|w| is_pr_workflow(w))
        .collect();
    let github_without_pr = !workflows.is_empty() && pr.is_empty();
    let chosen = if pr.is_empty() { &workflows } else { &pr };
    let mut units = Vec::new();
    let view = ctx.workflows();
    for wf in chosen {
        if let Some(v) = view.all().iter().find(|v| std::ptr::eq(v.file, *wf)) {
            units.extend(workflow_units(view, v));
        }
    }
    for g in ctx.gitlab().files() {
        units.extend(gitlab_units(g));
    }
    let (file, line) = match chosen.as_slice() {
        [one] => (
            one.path_str(),
            one.root()
                .and_then(|r| r.key_line("on").or(r.key_line("true"))),
        ),
        [] => (
            gitlab
                .iter()
                .find(|g| g.path_str().starts_with(".gitlab-ci."))
                .or(gitlab.first())
                .map(|g| g.path_str())
                .unwrap_or_else(|| ".gitlab-ci.yml".to_owned()),
            None,
        ),
        _ => (".github/workflows".to_owned(), None),
    };
    Some(Pipeline {
        file,
        line,
        units,
        github_without_pr,
    })
}

fn repo_has_dockerfile(ctx: &CheckCtx<'_>) -> bool {
    ctx.repo.any_file(|f| {
        let n = f.file_name().to_ascii_lowercase();
        n == "dockerfile"
            || n.starts_with("dockerfile.")
            || n.ends_with(".dockerfile")
            || n == "containerfile"
    })
}

fn repo_has_iac(ctx: &CheckCtx<'_>) -> bool {
    repo_has_dockerfile(ctx)
        || ctx
            .repo
            .yaml()
            .iter()
            .any(|y| y.kind == YamlKind::Kubernetes)
        || ctx.repo.any_file(|f| {
            let n = f.file_name();
            n.ends_with(".tf") || n == "Chart.yaml"
        })
}

fn check_category(category: Category, ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let Some(p) = pipeline(ctx) else { return };
    if category == Category::WorkflowAudit {
        let has_workflows = ctx.repo.yaml().iter().any(|y| y.kind == YamlKind::Workflow);
        if !(has_workflows && ctx.params.boolean("ci_require_workflow_audit", false)) {
            return;
        }
    }
    if ctx.params.boolean("ci_coverage_only_when_relevant", true) {
        let relevant = match category {
            Category::Container => repo_has_dockerfile(ctx),
            Category::Iac => repo_has_iac(ctx),
            _ => true,
        };
        if !relevant {
            return;
        }
    }
    let all = <ScannerTools as crate::guardrails::params::RuleParams>::load(ctx.params);
    let Some((_, tools)) = all.compiled().into_iter().find(|(c, _)| *c == category) else {
        return;
    };
    let mut silenced = None;
    for unit in &p.units {
        match unit.runs(category, &tools) {
            Some(Found::Enforced) => return,
            Some(Found::Silenced(l)) => silenced = Some(l),
            None => {}
        }
    }
    let scope = if p.github_without_pr {
        "CI"
    } else {
        "the pull-request pipeline"
    };
    let message = match silenced {
        Some(_) => format!(
            "{} runs in {scope} but its failure is ignored, so it cannot block a change",
            category.label()
        ),
        None => format!("no {} step in {scope}", category.label()),
    };
    out.emit(Path::new(&p.file), p.line, message);
}

fn check_no_ci(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if pipeline(ctx).is_none() && !has_other_ci(ctx) {
        out.emit(
            Path::new("."),
            None,
            "no CI configuration found (.github/workflows or .gitlab-ci.yml)",
        );
    }
}

fn check_no_pr_ci(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if let Some(p) = pipeline(ctx) {
        let has_gitlab = ctx.repo.yaml().iter().any(|y| y.kind == YamlKind::GitlabCi);
        if p.github_without_pr && !has_gitlab {
            out.emit(
                Path::new(".github/workflows"),
                None,
                "no workflow runs on pull_request: changes are merged without CI checks",
            );
        }
    }
}

macro_rules! category_check {
    ($name:ident, $cat:expr) => {
        fn $name(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
            check_category($cat, ctx, out)
        }
    };
}
category_check!(check_sast, Category::Sast);
category_check!(check_sca, Category::Sca);
category_check!(check_secrets, Category::Secrets);
category_check!(check_container, Category::Container);
category_check!(check_iac, Category::Iac);
category_check!(check_sbom, Category::Sbom);
category_check!(check_workflow_audit, Category::WorkflowAudit);

pub static RULES: &[Rule] = &[
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-000",
            title: "Repository has no CI pipeline",
            domain: Domain::CiCoverage,
            severity: Severity::High,
            rationale: "Without CI nothing checks a change before it merges: no tests, no scanners, no review gate that a machine enforces.",
            remediation: "Add a CI pipeline (e.g. .github/workflows/ci.yml) that builds, tests and runs the security scanners on every pull request.",
            references: &["scorecard:CI-Tests"],
        },
        check: check_no_ci,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-001",
            title: "Pull-request pipeline runs no SAST",
            domain: Domain::CiCoverage,
            severity: Severity::High,
            rationale: "Static analysis catches injection, unsafe deserialisation and similar flaws before they merge; without it they reach production unseen.",
            remediation: "Run a SAST tool on pull requests: github/codeql-action (init + analyze), semgrep, or GitLab's Security/SAST template. Tools recognised: param `ci_tools_sast`. For every CI-00x rule, steps gated by `if: false` and scanners whose failure is ignored (`continue-on-error`, `allow_failure`, `|| true`) do not count.",
            references: &["scorecard:SAST", "owasp-samm:V-ST"],
        },
        check: check_sast,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-002",
            title: "Pull-request pipeline runs no dependency scanning",
            domain: Domain::CiCoverage,
            severity: Severity::High,
            rationale: "Most exploitable vulnerabilities arrive through dependencies; software composition analysis flags known-vulnerable or disallowed packages before they merge.",
            remediation: "Run cargo-deny / cargo-audit, osv-scanner, actions/dependency-review-action or an equivalent on pull requests. Tools recognised: param `ci_tools_sca`.",
            references: &["owasp-top10:A06", "scorecard:Vulnerabilities"],
        },
        check: check_sca,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-003",
            title: "Pull-request pipeline runs no secret scanning",
            domain: Domain::CiCoverage,
            severity: Severity::High,
            rationale: "A committed credential is compromised the moment it is pushed; scanning each change stops keys and tokens before they reach the default branch.",
            remediation: "Run gitleaks, trufflehog or detect-secrets on pull requests (or GitLab's Secret-Detection template). Tools recognised: param `ci_tools_secrets`.",
            references: &["owasp-top10:A07"],
        },
        check: check_secrets,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-004",
            title: "Pull-request pipeline runs no container image scanning",
            domain: Domain::CiCoverage,
            severity: Severity::High,
            rationale: "Base images and OS packages carry their own vulnerabilities; an image scan before push keeps known-vulnerable images out of the registry. Checked when the repository has a Dockerfile (param `ci_coverage_only_when_relevant`).",
            remediation: "Scan the built image on pull requests: aquasecurity/trivy-action (scan-type image), anchore/scan-action, grype or docker scout. Tools recognised: param `ci_tools_container`.",
            references: &["owasp-top10:A06"],
        },
        check: check_container,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-005",
            title: "Pull-request pipeline runs no IaC scanning",
            domain: Domain::CiCoverage,
            severity: Severity::Medium,
            rationale: "Misconfigured infrastructure (public buckets, privileged pods, open security groups) is a leading cause of breaches; IaC scanning finds it in review. Checked when the repository has Terraform, Kubernetes manifests or a Dockerfile.",
            remediation: "Run checkov, trivy config, tfsec or kics on pull requests. Tools recognised: param `ci_tools_iac`.",
            references: &["owasp-top10:A05"],
        },
        check: check_iac,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-006",
            title: "CI generates no SBOM",
            domain: Domain::CiCoverage,
            severity: Severity::Low,
            rationale: "Without a software bill of materials nobody can answer 'are we affected?' quickly when the next vulnerable library is announced.",
            remediation: "Generate an SBOM in CI with anchore/sbom-action, syft, cargo-cyclonedx or trivy --format cyclonedx. Tools recognised: param `ci_tools_sbom`.",
            references: &["scorecard:SBOM", "checkov:CKV_GHA_6"],
        },
        check: check_sbom,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-007",
            title: "No workflow runs on pull requests",
            domain: Domain::CiCoverage,
            severity: Severity::High,
            rationale: "Workflows exist but none is triggered by pull_request, so checks only run after a change has merged, when it is too late to block it.",
            remediation: "Add `pull_request:` to the `on:` triggers of the CI workflow that builds, tests and scans.",
            references: &["scorecard:CI-Tests"],
        },
        check: check_no_pr_ci,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-CI-008",
            title: "CI does not audit its own workflows",
            domain: Domain::CiCoverage,
            severity: Severity::Medium,
            rationale: "Workflows are code that runs with the repository's secrets; template injection, unpinned actions and excessive permissions creep back in unless each change to them is audited. Opt-in: checked when param `ci_require_workflow_audit` is true.",
            remediation: "Run zizmor (zizmorcore/zizmor-action) or actionlint on pull requests. Tools recognised: param `ci_tools_workflow_audit`.",
            references: &[],
        },
        check: check_workflow_audit,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
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

    fn run(files: &[(&str, &str)]) -> Vec<(String, Option<u32>)> {
        let model = RepoModel::from_memory(files);
        check_all(&model, &Params::default(), RULES)
            .into_iter()
            .map(|h| (h.rule.to_owned(), h.line))
            .collect()
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
        let wf = golden().replace("run: cargo deny check", "run: cargo deny check || true");
        let hits = run(&[
            (".github/workflows/ci.yml", &wf),
            ("Dockerfile", "FROM x\n"),
        ]);
        assert_eq!(hits, [("PVD-CI-002".into(), Some(2))]);
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
    fn scanners_that_exit_zero_do_not_count() {
        let dock = ("Dockerfile", "FROM x\n");
        let wf = golden().replacen("          exit-code: \"1\"\n", "", 1);
        assert_eq!(
            run(&[(".github/workflows/ci.yml", &wf), dock]),
            [("PVD-CI-004".into(), Some(2))]
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
                run(&[(".github/workflows/ci.yml", &wf), dock]),
                [("PVD-CI-004".into(), Some(2))],
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
            assert_eq!(
                sca_hits(step),
                [("PVD-CI-002".into(), Some(2))],
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

    #[test]
    fn logical_lines_join_continuations() {
        let l = logical_lines("a \\\n  b\nc\n");
        assert_eq!(l[0], (0, "a    b".to_owned()));
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
            [("PVD-CI-002".into(), None)]
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
        let ids: Vec<_> = check_all(&model, &on, RULES)
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
        assert!(check_all(&model, &on, RULES).is_empty());
    }

    #[test]
    fn tool_lists_are_parameters() {
        let wf = golden().replace("cargo deny check", "my-sca-tool scan");
        let model = RepoModel::from_memory(&[
            (".github/workflows/ci.yml", &wf),
            ("Dockerfile", "FROM x\n"),
        ]);
        let params = Params::new(toml::from_str("ci_tools_sca = [\"my-sca-tool\"]").unwrap());
        assert!(check_all(&model, &params, RULES).is_empty());
    }
}

#[cfg(test)]
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
