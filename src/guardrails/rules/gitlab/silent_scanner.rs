use std::sync::OnceLock;

use regex::Regex;

use crate::guardrails::ci_tools::{gitlab_units, Found, ScannerTools};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

/// Names GitLab's own templates and common scanners give their jobs.
fn security_job_name() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(sast|.*-sast|secret_detection|dependency_scanning|gemnasium.*|container_scanning|dast|.*semgrep.*|.*gitleaks.*|.*trivy.*|.*checkov.*|.*trufflehog.*)$")
            .expect("valid regex")
    })
}

rule! {
    /// Security scanner cannot fail the pipeline
    ///
    /// ## Why it matters
    /// With `allow_failure: true`, `|| true` or a scanner configured to exit 0 on findings,
    /// results show as a warning icon nobody clicks; the merge goes through whatever it
    /// found.
    ///
    /// ## How to fix it
    /// Remove `allow_failure: true` and `|| true` from security jobs and make the scanner
    /// fail on findings (e.g. trivy `--exit-code 1`); handle false positives in the
    /// scanner's configuration.
    ///
    /// ## Example
    /// ```yaml
    /// audit:
    ///   # flagged: a vulnerable dependency shows as a warning, the merge goes on
    ///   allow_failure: true
    ///   script: [cargo deny check]
    /// ```
    /// ```yaml
    /// audit:
    ///   script: [cargo deny check]
    /// ```
    pub struct SilentScanner {
        id: "PVD-GITLAB-002",
        severity: Medium,
        references: [],
        params: ScannerTools,
    }
}

impl Check for SilentScanner {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let tools = cx.params::<ScannerTools>().compiled();
        for file in cx.gitlab().files() {
            let units = gitlab_units(file);
            let mut flagged: Vec<u32> = Vec::new();
            for job in file.jobs() {
                let Some((k, v)) = job.node.get_entry("allow_failure") else {
                    continue;
                };
                if v.as_bool() != Some(true) {
                    continue;
                }
                let runs_scanner = units
                    .iter()
                    .filter(|u| u.line == job.key.line())
                    .any(|u| tools.iter().any(|(c, t)| u.runs(*c, t).is_some()));
                if runs_scanner || security_job_name().is_match(job.name) {
                    flagged.push(k.line());
                    out.at(file.at(job.node, "allow_failure")).say(format!(
                        "security job `{}` has `allow_failure: true`: its findings never fail the pipeline",
                        job.name
                    ));
                }
            }
            // Scanner commands whose exit status is thrown away (`|| true`, `--exit-code 0`, …).
            let mut found: Vec<_> = units
                .iter()
                .flat_map(|u| tools.iter().filter_map(move |(c, t)| u.runs(*c, t)))
                .filter_map(|f| match f {
                    Found::Silenced(site) => Some(site.at(&file.file.path)),
                    Found::Enforced => None,
                })
                .filter(|at| !at.line.is_some_and(|l| flagged.contains(&l)))
                .collect();
            found.sort_unstable_by_key(|at| at.line);
            found.dedup();
            for at in found {
                out.at(at).say(
                    "security scanner's failure is ignored (`|| true`, exit code 0 on findings): it never fails the pipeline",
                );
            }
        }
    }
}
