//! `--format json`: the stable document scripts and tests rely on.
//!
//! `{"paved_version", "profile", "fail_on", "repos": [{"path", "blueprint", "context",
//! "findings": [{"rule", "severity", "file", "line", "message", "remediation", ...}],
//! "warnings"}], "summary": {"repos", "findings", "by_severity", "waived", "warnings"}}`.
//! `summary.findings` and `by_severity` count findings that are not waived.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Settings;
use crate::drift::{Finding, Report};
use crate::guardrails::Severity;

#[derive(Serialize)]
struct Doc<'a> {
    paved_version: &'a str,
    profile: &'a str,
    fail_on: Severity,
    repos: Vec<Repo<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Repo<'a> {
    path: &'a str,
    blueprint: Option<&'a str>,
    context: Context<'a>,
    findings: &'a [Finding],
    warnings: Vec<WarningOut<'a>>,
}

#[derive(Serialize)]
struct Context<'a> {
    exposure: Option<&'a str>,
    data_classification: Option<&'a str>,
    source: Option<String>,
}

#[derive(Serialize)]
struct WarningOut<'a> {
    file: String,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    repos: usize,
    findings: usize,
    by_severity: BTreeMap<Severity, usize>,
    waived: usize,
    warnings: usize,
}

pub fn render(report: &Report, settings: &Settings) -> String {
    let doc = Doc {
        paved_version: super::PAVED_VERSION,
        profile: &report.profile,
        fail_on: settings.fail_on,
        repos: report
            .repos
            .iter()
            .map(|r| Repo {
                path: &r.path,
                blueprint: r.blueprint.as_deref(),
                context: Context {
                    exposure: r.context.exposure.as_deref(),
                    data_classification: r.context.data_classification.as_deref(),
                    source: r.context.source.as_ref().map(|s| s.display().to_string()),
                },
                findings: &r.findings,
                warnings: r
                    .warnings
                    .iter()
                    .map(|w| WarningOut {
                        file: w.file.to_string_lossy().replace('\\', "/"),
                        message: &w.message,
                    })
                    .collect(),
            })
            .collect(),
        summary: Summary {
            repos: report.repos.len(),
            findings: report.active().count(),
            by_severity: report.by_severity().into_iter().collect(),
            waived: report.waived(),
            warnings: report.warnings(),
        },
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("report serialises");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_fields() {
        let text = render(
            &super::super::sample::report(),
            &Settings {
                fail_on: Severity::Low,
                color: false,
            },
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["paved_version"], env!("CARGO_PKG_VERSION"));
        let f = &v["repos"][0]["findings"][0];
        for key in ["rule", "severity", "file", "line", "message", "remediation"] {
            assert!(f.get(key).is_some(), "{key}");
        }
        assert_eq!(f["severity"], "high");
        assert_eq!(f["line"], 3);
        assert_eq!(
            v["repos"][0]["findings"][1]["line"],
            serde_json::Value::Null
        );
        assert_eq!(v["repos"][0]["blueprint"], "full");
        assert_eq!(v["repos"][1]["blueprint"], serde_json::Value::Null);
        assert_eq!(v["summary"]["repos"], 2);
        assert_eq!(v["summary"]["findings"], 2);
        assert_eq!(v["summary"]["waived"], 1);
        assert_eq!(v["summary"]["by_severity"]["high"], 1);
        assert_eq!(v["summary"]["by_severity"]["critical"], 0);
    }
}
