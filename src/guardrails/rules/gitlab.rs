//! GitLab CI: `.gitlab-ci.yml` and the local files it includes.

use regex::Regex;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity};
use crate::parse::yaml::{Node, YamlFile, YamlKind};

use crate::guardrails::ci_tools::{gitlab_units, Found, ScannerTools};
use paved_model::gitlab::{gitlab_jobs, includes, RESERVED};

fn gitlab_files<'a>(ctx: &CheckCtx<'a>) -> impl Iterator<Item = &'a YamlFile> {
    ctx.repo
        .yaml()
        .iter()
        .filter(|y| y.kind == YamlKind::GitlabCi)
}

/// Every mapping that can carry job keywords: top level, `default:`, jobs and hidden jobs.
fn job_like(root: &Node) -> Vec<&Node> {
    let mut out = vec![root];
    out.extend(root.get("default"));
    out.extend(
        root.entries()
            .filter(|(k, _, v)| v.is_map() && !RESERVED.contains(k))
            .map(|(_, _, v)| v),
    );
    out
}

// ---------------------------------------------------------------- PVD-GITLAB-001

fn check_image_digest(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in gitlab_files(ctx) {
        let Some(root) = file.root() else { continue };
        let mut seen = Vec::new();
        for node in job_like(root) {
            let mut images: Vec<&Node> = Vec::new();
            if let Some((_, v)) = node.get_entry("image") {
                images.push(v.get("name").unwrap_or(v));
            }
            for svc in node.get_or_empty("services").items() {
                images.push(svc.get("name").unwrap_or(svc));
            }
            for img in images {
                let Some(name) = img.as_str() else { continue };
                // Merge keys make one node reachable twice; report it once.
                if seen.contains(&img.line()) {
                    continue;
                }
                seen.push(img.line());
                let name = name.trim();
                if name.is_empty() || name.contains('$') || name.contains("@sha256:") {
                    continue;
                }
                out.emit(
                    &file.path,
                    Some(img.line()),
                    format!("image `{name}` is not pinned by digest; the tag can be moved to other content"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GITLAB-002

fn security_job_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(sast|.*-sast|secret_detection|dependency_scanning|gemnasium.*|container_scanning|dast|.*semgrep.*|.*gitleaks.*|.*trivy.*|.*checkov.*|.*trufflehog.*)$")
            .expect("valid regex")
    })
}

fn check_allow_failure(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    let tools = crate::guardrails::params::RuleParams::load(ctx.params);
    let tools = ScannerTools::compiled(&tools);
    for gl in ctx.gitlab().files() {
        let file = gl.file;
        let Some(root) = file.root() else { continue };
        let units = gitlab_units(gl);
        let mut flagged: Vec<u32> = Vec::new();
        for (name, key, job) in gitlab_jobs(root) {
            let Some((k, v)) = job.get_entry("allow_failure") else {
                continue;
            };
            if v.as_bool() != Some(true) {
                continue;
            }
            let runs_scanner = units
                .iter()
                .filter(|u| u.line == key.line())
                .any(|u| tools.iter().any(|(c, t)| u.runs(*c, t).is_some()));
            if runs_scanner || security_job_name().is_match(name) {
                flagged.push(k.line());
                out.emit(
                    &file.path,
                    Some(k.line()),
                    format!("security job `{name}` has `allow_failure: true`: its findings never fail the pipeline"),
                );
            }
        }
        // Scanner commands whose exit status is thrown away (`|| true`, `--exit-code 0`, …).
        let mut lines: Vec<u32> = units
            .iter()
            .flat_map(|u| tools.iter().filter_map(move |(c, t)| u.runs(*c, t)))
            .filter_map(|f| match f {
                Found::Silenced(l) => Some(l),
                Found::Enforced => None,
            })
            .filter(|l| !flagged.contains(l))
            .collect();
        lines.sort_unstable();
        lines.dedup();
        for line in lines {
            out.emit(
                &file.path,
                Some(line),
                "security scanner's failure is ignored (`|| true`, exit code 0 on findings): it never fails the pipeline",
            );
        }
    }
}

// ---------------------------------------------------------------- PVD-GITLAB-003

const UNTRUSTED_VARS: &[&str] = &[
    "CI_COMMIT_MESSAGE",
    "CI_COMMIT_TITLE",
    "CI_COMMIT_DESCRIPTION",
    "CI_COMMIT_TAG_MESSAGE",
    "CI_COMMIT_AUTHOR",
    "CI_MERGE_REQUEST_TITLE",
    "CI_MERGE_REQUEST_DESCRIPTION",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_REF_SLUG",
];

/// Untrusted variables used unquoted (or anywhere in an `eval`/`sh -c` line).
fn unsafe_uses(line: &str) -> Vec<&'static str> {
    let reeval = line.contains("eval ") || line.contains("sh -c") || line.contains("bash -c");
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !single => {
                i += 2;
                continue;
            }
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'$' if !single => {
                let rest = &line[i + 1..];
                let rest = rest.strip_prefix('{').unwrap_or(rest);
                for var in UNTRUSTED_VARS {
                    let follows = rest.as_bytes().get(var.len());
                    let whole =
                        !matches!(follows, Some(c) if c.is_ascii_alphanumeric() || *c == b'_');
                    if rest.starts_with(var) && whole && (!double || reeval) {
                        out.push(*var);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn check_untrusted_vars(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in gitlab_files(ctx) {
        let Some(root) = file.root() else { continue };
        // Merge keys copy a template's script into each job: report each line once.
        let mut seen: Vec<(u32, &str)> = Vec::new();
        for node in job_like(root) {
            for field in ["before_script", "script", "after_script"] {
                let Some(v) = node.get(field) else {
                    continue;
                };
                let mut scalars: Vec<&Node> =
                    v.items().iter().filter(|i| i.as_str().is_some()).collect();
                scalars.extend(Some(v).filter(|v| v.as_str().is_some()));
                for scalar in scalars {
                    let text = scalar.as_str().unwrap_or_default();
                    let mut offset = 0;
                    for raw in text.split('\n') {
                        let line = scalar.line_at(offset);
                        offset += raw.len() + 1;
                        for var in unsafe_uses(raw) {
                            if seen.contains(&(line, var)) {
                                continue;
                            }
                            seen.push((line, var));
                            out.emit(
                                &file.path,
                                Some(line),
                                format!("`${var}` is chosen by whoever pushes or opens the merge request, and is used unquoted or re-evaluated by the shell"),
                            );
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GITLAB-004/006

fn check_remote_include(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in gitlab_files(ctx) {
        let Some(root) = file.root() else { continue };
        for inc in includes(root) {
            let remote = match inc.as_str() {
                Some(s) if s.contains("://") => Some((s, inc.line())),
                _ => inc
                    .get_entry("remote")
                    .and_then(|(k, v)| v.as_str().map(|s| (s, k.line()))),
            };
            if let Some((url, line)) = remote {
                out.emit(
                    &file.path,
                    Some(line),
                    format!("pipeline code fetched from `{url}` at run time; whoever controls that URL controls the pipeline"),
                );
            }
        }
    }
}

fn check_project_include_ref(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in gitlab_files(ctx) {
        let Some(root) = file.root() else { continue };
        for inc in includes(root) {
            let Some((k, project)) = inc.get_entry("project") else {
                continue;
            };
            let r = inc.str_at("ref").unwrap_or("");
            if !(r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())) {
                let project = project.as_str().unwrap_or("?");
                let what = if r.is_empty() {
                    "no `ref` (the default branch)".to_owned()
                } else {
                    format!("`ref: {r}`")
                };
                out.emit(
                    &file.path,
                    Some(inc.key_line("ref").unwrap_or(k.line())),
                    format!("include of `{project}` follows {what}, not a commit SHA"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- PVD-GITLAB-005

fn check_debug_trace(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    for file in gitlab_files(ctx) {
        let Some(root) = file.root() else { continue };
        let mut seen = Vec::new();
        for node in job_like(root) {
            for var in ["CI_DEBUG_TRACE", "CI_DEBUG_SERVICES"] {
                let Some((k, v)) = node.get_or_empty("variables").get_entry(var) else {
                    continue;
                };
                let value = v.get("value").unwrap_or(v);
                if value.as_bool() == Some(true) && !seen.contains(&k.line()) {
                    seen.push(k.line());
                    out.emit(
                        &file.path,
                        Some(k.line()),
                        format!("`{var}` prints every variable, masked secrets included, into the job log"),
                    );
                }
            }
        }
    }
}

pub static RULES: &[Rule] = &[
    Rule {
        meta: RuleMeta {
            id: "PVD-GITLAB-001",
            title: "CI image not pinned by digest",
            domain: Domain::GitlabCi,
            severity: Severity::Medium,
            rationale: "Jobs run with the CI variables and tokens of the project; an image referenced by tag can be replaced upstream and then runs whatever its publisher (or an attacker holding their credentials) pushed.",
            remediation: "Reference images as `name:tag@sha256:<digest>` and let renovate/dependabot update the digest.",
            references: &["scorecard:Pinned-Dependencies"],
        },
        check: check_image_digest,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GITLAB-002",
            title: "Security scanner cannot fail the pipeline",
            domain: Domain::GitlabCi,
            severity: Severity::High,
            rationale: "With `allow_failure: true`, `|| true` or a scanner configured to exit 0 on findings, results show as a warning icon nobody clicks; the merge goes through whatever it found.",
            remediation: "Remove `allow_failure: true` and `|| true` from security jobs and make the scanner fail on findings (e.g. trivy `--exit-code 1`); handle false positives in the scanner's configuration.",
            references: &[],
        },
        check: check_allow_failure,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GITLAB-003",
            title: "Untrusted CI variable used unsafely in a script",
            domain: Domain::GitlabCi,
            severity: Severity::Medium,
            rationale: "Commit messages, merge request titles and branch names are chosen by whoever pushes; unquoted they are split and globbed into extra arguments, and under eval/sh -c they become commands.",
            remediation: "Always double-quote these variables (`\"$CI_COMMIT_REF_NAME\"`), never pass them through eval or sh -c, and prefer `$CI_COMMIT_SHA` or slugs validated by a regex.",
            references: &["owasp-top10:A03"],
        },
        check: check_untrusted_vars,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GITLAB-004",
            title: "Pipeline includes remote configuration",
            domain: Domain::GitlabCi,
            severity: Severity::High,
            rationale: "`include: remote:` downloads pipeline code from a URL on every run; its owner (or anyone who takes over the host) can change what runs with this project's secrets.",
            remediation: "Vendor the configuration into the repository or include it from a project pinned to a commit SHA (`include: project: … ref: <sha>`).",
            references: &["scorecard:Pinned-Dependencies"],
        },
        check: check_remote_include,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GITLAB-005",
            title: "CI debug tracing enabled",
            domain: Domain::GitlabCi,
            severity: Severity::Medium,
            rationale: "CI_DEBUG_TRACE / CI_DEBUG_SERVICES print every variable, masked ones included, to the job log, where anyone with log access can read them.",
            remediation: "Remove CI_DEBUG_TRACE and CI_DEBUG_SERVICES from the configuration; enable them only for a single manual run and rotate secrets afterwards.",
            references: &[],
        },
        check: check_debug_trace,
    },
    Rule {
        meta: RuleMeta {
            id: "PVD-GITLAB-006",
            title: "Included project not pinned to a commit",
            domain: Domain::GitlabCi,
            severity: Severity::Medium,
            rationale: "An include that follows a branch or tag runs whatever the other project pushes next, with this project's variables and tokens.",
            remediation: "Set `ref:` to the full commit SHA of the included project.",
            references: &["scorecard:Pinned-Dependencies"],
        },
        check: check_project_include_ref,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{check_all, Params, RepoModel};

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
        check_all(&model, &Params::default(), RULES)
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

    #[test]
    fn quoting_scanner() {
        assert_eq!(unsafe_uses("echo $CI_COMMIT_TITLE"), ["CI_COMMIT_TITLE"]);
        assert!(unsafe_uses("echo \"${CI_COMMIT_TITLE}\"").is_empty());
        assert!(unsafe_uses("echo $CI_COMMIT_TITLE_X").is_empty());
        assert_eq!(
            unsafe_uses("sh -c \"x $CI_COMMIT_BRANCH\""),
            ["CI_COMMIT_BRANCH"]
        );
        assert!(unsafe_uses("\\").is_empty());
    }
}
