//! Output formats of `paved drift`. Each module renders the same [`Report`] value; none
//! of them decides anything about findings.

pub mod group;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::drift::Report;
use crate::guardrails::Severity;
pub use crate::text::plural;

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by repository, coloured on a terminal
    Human,
    /// One JSON document (the stable contract for scripts)
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers
    Sarif,
    /// JUnit XML, one test suite per repository, one failing test per finding
    Junit,
    /// Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY
    Markdown,
}

/// Settings shared by the renderers.
#[derive(Clone, Debug)]
pub struct Settings {
    pub fail_on: Severity,
    /// ANSI colours (human format only).
    pub color: bool,
}

/// Renders `report` as one document.
pub fn render(report: &Report, format: Format, settings: &Settings) -> String {
    match format {
        Format::Human => human::render(report, settings),
        Format::Json => json::render(report, settings),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report, settings),
    }
}

pub const PAVED_VERSION: &str = env!("CARGO_PKG_VERSION");

/// "3 findings (1 high, 2 medium)".
pub fn summary_line(report: &Report) -> String {
    let counts: Vec<String> = report
        .by_severity()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let total: usize = report.active().count();
    let mut line = format!(
        "{} {}, {total} {}",
        report.repos.len(),
        plural(report.repos.len(), "repository", "repositories"),
        plural(total, "finding", "findings")
    );
    if !counts.is_empty() {
        line.push_str(&format!(" ({})", counts.join(", ")));
    }
    let waived = report.waived();
    if waived > 0 {
        line.push_str(&format!(", {waived} waived"));
    }
    let warnings = report.warnings();
    if warnings > 0 {
        line.push_str(&format!(
            ", {warnings} {}",
            plural(warnings, "warning", "warnings")
        ));
    }
    line
}

/// Whether a finding's detail is a unified diff (conformance), rather than a combined
/// fix or a note: only a diff is shown as one.
fn is_diff(detail: &str) -> bool {
    let mut lines = detail.lines();
    matches!(
        (lines.next(), lines.next()),
        (Some(a), Some(b)) if a.starts_with("--- ") && b.starts_with("+++ ")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_unified_diff_is_a_diff() {
        assert!(super::is_diff(
            "--- a/x (blueprint)\n+++ b/x (repository)\n@@ -1 +1 @@\n-a\n+b\n"
        ));
        assert!(!super::is_diff(
            "add to the container:\nsecurityContext:\n  runAsNonRoot: true"
        ));
        assert!(!super::is_diff("- ALL\n+ NET_ADMIN"));
        assert!(!super::is_diff("reason given: vendored"));
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! A small report used by the renderers' unit tests.
    use crate::drift::{Finding, RepoReport, Report, Waived};
    use crate::guardrails::model::RepoContext;
    use crate::guardrails::{Domain, Severity, Warning};

    /// One repository where a container has three findings on one line (two sharing a
    /// remediation, one with a combined fix as its detail), beside a Dockerfile finding.
    pub fn grouped() -> Report {
        let finding = |rule, severity, file: &str, line, message: &str, fix| Finding {
            rule,
            severity,
            file: file.to_string(),
            line: Some(line),
            message: message.to_string(),
            remediation: fix,
            title: "t",
            domain: Domain::Kubernetes,
            profile_severity: severity,
            context_reason: None,
            waived: None,
            detail: None,
            fingerprint: format!("{rule}-{file}:1"),
            span: None,
        };
        let mut escalation = finding(
            "PVD-KUBE-003",
            Severity::Medium,
            "deploy/app.yaml",
            17,
            "container `app` may escalate privileges",
            "Set the container's securityContext.",
        );
        escalation.detail = Some(
            "add to the container:\nsecurityContext:\n  allowPrivilegeEscalation: false\n  capabilities:\n    drop:\n      - ALL"
                .to_string(),
        );
        let findings = vec![
            finding(
                "PVD-KUBE-001",
                Severity::Critical,
                "deploy/app.yaml",
                17,
                "container `app` runs privileged",
                "Remove `privileged: true`.",
            ),
            finding(
                "PVD-DOCKER-001",
                Severity::High,
                "Dockerfile",
                3,
                "final stage runs as root",
                "Add `USER 65532`.",
            ),
            finding(
                "PVD-KUBE-004",
                Severity::Medium,
                "deploy/app.yaml",
                17,
                "container `app` does not drop capabilities",
                "Set the container's securityContext.",
            ),
            escalation,
        ];
        Report {
            profile: "baseline".into(),
            repos: vec![RepoReport {
                path: "svc".into(),
                blueprint: None,
                findings,
                warnings: vec![],
                context: RepoContext::default(),
            }],
        }
    }

    pub fn report() -> Report {
        let finding = |rule, severity, file: &str, line, message: &str| Finding {
            rule,
            severity,
            file: file.to_string(),
            line,
            message: message.to_string(),
            remediation: "Restore the file.",
            title: "A file the blueprint manages differs from what it renders",
            domain: Domain::Blueprint,
            profile_severity: severity,
            context_reason: None,
            waived: None,
            detail: None,
            fingerprint: format!("{rule}-{file}:1"),
            span: None,
        };
        let mut changed = finding(
            "PVD-BLUEPRINT-001",
            Severity::High,
            "deploy/app.yaml",
            Some(3),
            "differs <from> the \"blueprint\" | & more",
        );
        changed.detail = Some("--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n".to_string());
        changed.context_reason = Some("raised from medium to high: exposure = internet".into());
        let mut waived = finding(
            "PVD-BLUEPRINT-002",
            Severity::High,
            "SECURITY.md",
            None,
            "missing",
        );
        waived.waived = Some(Waived {
            reason: "org policy".into(),
            owner: Some("@acme/sec".into()),
            expires: Some("2030-01-01".into()),
            source: ".paved/waivers.toml:2".into(),
            line: 2,
            inline: false,
        });
        Report {
            profile: "baseline".into(),
            repos: vec![
                RepoReport {
                    path: "svc".into(),
                    blueprint: Some("full".into()),
                    findings: vec![
                        changed,
                        waived,
                        finding(
                            "PVD-BLUEPRINT-004",
                            Severity::Info,
                            ".paved/answers.toml",
                            None,
                            "newer",
                        ),
                    ],
                    warnings: vec![Warning {
                        file: "link".into(),
                        message: "symbolic link not followed".into(),
                    }],
                    context: RepoContext::default(),
                },
                RepoReport {
                    path: "clean".into(),
                    blueprint: None,
                    findings: vec![],
                    warnings: vec![],
                    context: RepoContext::default(),
                },
            ],
        }
    }
}
