//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.
//!
//! - `tool.driver.rules[]` describes every rule referenced by a result, with
//!   short/full descriptions, help (text and markdown), tags and a numeric
//!   `security-severity`, so GitHub shows the severity the profile chose.
//! - Results carry a repository-relative `artifactLocation.uri` (with
//!   `uriBaseId: %SRCROOT%` when one repository is audited), `region.startLine >= 1`
//!   and `partialFingerprints` computed from content, not line numbers.
//! - Waived findings are results with an accepted external suppression.
//! - One run per audit, with `automationDetails.id` naming the profile so uploads of
//!   different profiles do not close each other's alerts.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::drift::{rules, Finding, Report};
use crate::guardrails::{RuleMeta, Severity};

/// GitHub rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    version: &'a str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BTreeMap<&'a str, ArtifactLocationBase>>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'a str,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocationBase {
    description: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
    precision: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    severity: Severity,
    repository: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_reason: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

/// `security-severity` GitHub maps back to critical/high/medium/low; none for info.
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("2.0"),
        Severity::Info => None,
    }
}

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

pub fn render(report: &Report) -> String {
    let single = report.repos.len() == 1;
    // Most severe first, so truncation at GitHub's limit drops the least important.
    let mut all: Vec<(&str, &Finding)> = report
        .repos
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r.path.as_str(), f)))
        .collect();
    all.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    let dropped = all.len().saturating_sub(MAX_RESULTS);
    all.truncate(MAX_RESULTS);

    // One descriptor per rule id, carrying the highest severity it was reported at.
    let mut rule_sev: BTreeMap<&'static str, Severity> = BTreeMap::new();
    for (_, f) in &all {
        let s = rule_sev.entry(f.rule).or_insert(f.severity);
        *s = (*s).max(f.severity);
    }
    let rule_ids: Vec<&'static str> = rule_sev.keys().copied().collect();
    let descriptors = rule_sev
        .iter()
        .map(|(id, sev)| descriptor(rules::meta(id), *sev))
        .collect();

    let results = all
        .iter()
        .map(|(repo, f)| SarifResult {
            rule_id: f.rule,
            rule_index: rule_ids.binary_search(&f.rule).unwrap_or_default(),
            level: level(f.severity),
            message: Message {
                text: result_text(f),
            },
            locations: vec![location(repo, f, single)],
            partial_fingerprints: BTreeMap::from([("paved/v1", f.fingerprint.clone())]),
            suppressions: f
                .waived
                .iter()
                .map(|w| Suppression {
                    // SARIF's kinds: a comment beside the code is in source, a waivers
                    // file entry is external.
                    kind: if w.inline { "inSource" } else { "external" },
                    status: "accepted",
                    justification: match (&w.owner, &w.expires, w.inline) {
                        (Some(owner), Some(expires), false) => format!(
                            "{} (owner {owner}, expires {expires}, .paved/waivers.toml line {})",
                            w.reason, w.line
                        ),
                        _ => format!("{} ({})", w.reason, w.source),
                    },
                })
                .collect(),
            properties: ResultProperties {
                severity: f.severity,
                repository: repo,
                context_reason: f.context_reason.as_deref(),
            },
        })
        .collect();

    let mut notifications = Vec::new();
    if dropped > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Message {
                text: format!(
                    "{dropped} less severe results were left out: code scanning accepts at most {MAX_RESULTS} results per run"
                ),
            },
            locations: Vec::new(),
        });
    }
    for repo in &report.repos {
        for w in &repo.warnings {
            let file = w.file.to_string_lossy().replace('\\', "/");
            notifications.push(Notification {
                level: "note",
                message: Message {
                    text: format!(
                        "{}: {}",
                        if file.is_empty() {
                            "(repository)"
                        } else {
                            &file
                        },
                        w.message
                    ),
                },
                locations: if file.is_empty() {
                    Vec::new()
                } else {
                    vec![Location {
                        physical_location: PhysicalLocation {
                            artifact_location: artifact(&repo.path, &file, single),
                            region: Region { start_line: 1 },
                        },
                    }]
                },
            });
        }
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "paved",
                    version: super::PAVED_VERSION,
                    semantic_version: super::PAVED_VERSION,
                    rules: descriptors,
                },
            },
            automation_details: AutomationDetails {
                id: format!("paved-drift/{}/", report.profile),
            },
            original_uri_base_ids: single.then(|| {
                BTreeMap::from([(
                    "%SRCROOT%",
                    ArtifactLocationBase {
                        description: Message {
                            text: "The root of the audited repository".to_string(),
                        },
                    },
                )])
            }),
            results,
            column_kind: "unicodeCodePoints",
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    out.push('\n');
    out
}

fn descriptor(meta: &'static RuleMeta, severity: Severity) -> SarifRule {
    let (text, markdown) = help(meta);
    SarifRule {
        id: meta.id,
        name: pascal(meta.id),
        short_description: Message {
            text: meta.title.to_string(),
        },
        full_description: Message {
            text: meta.rationale.to_string(),
        },
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            tags: vec![
                "security".to_string(),
                "paved".to_string(),
                meta.domain.as_str().to_string(),
            ],
            security_severity: security_severity(severity).map(str::to_string),
            precision: "high",
        },
    }
}

/// A rule's help (text, markdown): every section of its doc comment that `paved
/// explain` and docs/rules.md show — rationale, remediation, how findings are graded,
/// the example, the profile parameters it reads — and the equivalent checks.
fn help(meta: &RuleMeta) -> (String, String) {
    let mut text = format!("{}\n\nRemediation: {}", meta.rationale, meta.remediation);
    let mut markdown = format!(
        "**{}**\n\n{}\n\n**Remediation:** {}",
        meta.title, meta.rationale, meta.remediation
    );
    if let Some(graded) = meta.graded {
        text.push_str(&format!("\n\nSeverity per finding: {graded}"));
        markdown.push_str(&format!("\n\n**Severity per finding:** {graded}"));
    }
    if let Some(example) = meta.example {
        markdown.push_str(&format!(
            "\n\n**Example** (flagged, then fixed):\n\n{example}"
        ));
    }
    if !meta.params.is_empty() {
        let params: Vec<String> = meta
            .params
            .iter()
            .map(|p| format!("{} (default {})", p.key, p.default_toml()))
            .collect();
        text.push_str(&format!(
            "\n\nParameters (guardrails profile, [params]): {}",
            params.join(", ")
        ));
        let params: Vec<String> = meta
            .params
            .iter()
            .map(|p| format!("`{}` (default `{}`)", p.key, p.default_toml()))
            .collect();
        markdown.push_str(&format!(
            "\n\n**Parameters** (guardrails profile, `[params]`): {}",
            params.join(", ")
        ));
    }
    if !meta.references.is_empty() {
        text.push_str(&format!(
            "\n\nEquivalent checks: {}",
            meta.references.join(", ")
        ));
        let refs: Vec<String> = meta.references.iter().map(|r| format!("`{r}`")).collect();
        markdown.push_str(&format!("\n\n**Equivalent checks:** {}", refs.join(", ")));
    }
    (text, markdown)
}

/// `PVD-BLUEPRINT-001` → `PvdBlueprint001`, the `name` SARIF viewers show.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn result_text(f: &Finding) -> String {
    let mut text = format!("{}: {}", f.title, f.message);
    if let Some(why) = &f.context_reason {
        text.push_str(&format!(" (severity {why})"));
    }
    text.push_str(&format!(" Remediation: {}", f.remediation));
    text
}

fn location(repo: &str, f: &Finding, single: bool) -> Location {
    let file = if f.file.is_empty() {
        "."
    } else {
        f.file.as_str()
    };
    Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact(repo, file, single),
            region: Region {
                start_line: f.line.unwrap_or(1).max(1),
            },
        },
    }
}

fn artifact(repo: &str, file: &str, single: bool) -> ArtifactLocation {
    if single {
        return ArtifactLocation {
            uri: encode(file),
            uri_base_id: Some("%SRCROOT%"),
        };
    }
    let repo = repo.trim_start_matches("./").trim_end_matches('/');
    let joined = if repo.is_empty() || repo == "." {
        file.to_string()
    } else {
        format!("{repo}/{file}")
    };
    ArtifactLocation {
        uri: if joined.starts_with('/') {
            format!("file://{}", encode(&joined))
        } else {
            encode(&joined)
        },
        uri_base_id: None,
    }
}

/// Percent-encodes what a URI path may not hold literally.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_github_needs() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&super::super::sample::report())).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "paved");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0]["properties"]["security-severity"], "8.0");
        assert!(rules[2]["properties"].get("security-severity").is_none());
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        for r in results {
            let loc = &r["locations"][0]["physicalLocation"];
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(!loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/'));
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(r["partialFingerprints"]["paved/v1"].is_string());
        }
        assert_eq!(results[1]["suppressions"][0]["status"], "accepted");
        assert_eq!(pascal("PVD-BLUEPRINT-001"), "PvdBlueprint001");
        assert_eq!(encode("a b/ü"), "a%20b/%C3%BC");
    }

    /// `paved explain`, docs/rules.md and the SARIF rule help are three renderings of
    /// one declaration: every section of every rule's doc comment reaches all three.
    #[test]
    fn every_rule_s_help_carries_what_explain_and_rules_md_show() {
        use crate::guardrails::docs;
        use crate::guardrails::policy::Policy;
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let policy = Policy::load(None, "baseline", rules::catalog().map(|r| &r.meta)).unwrap();
        let rules_md = flat(&docs::markdown(rules::catalog()));
        let mut checked = 0;
        for rule in rules::catalog() {
            let m = &rule.meta;
            let (text, markdown) = help(m);
            let (text, markdown) = (flat(&text), flat(&markdown));
            let explain = flat(&docs::explain(m, &policy));
            let mut prose = vec![m.title, m.rationale, m.remediation];
            prose.extend(m.graded);
            for section in prose {
                let section = flat(section);
                for (name, doc) in [
                    ("help", &markdown),
                    ("explain", &explain),
                    ("rules.md", &rules_md),
                ] {
                    assert!(doc.contains(&section), "{}: {name} lacks {section:?}", m.id);
                }
                if section != flat(m.title) {
                    assert!(
                        text.contains(&section),
                        "{}: help text lacks {section:?}",
                        m.id
                    );
                }
            }
            let example = m.example.unwrap_or_else(|| panic!("{}: no example", m.id));
            assert!(
                markdown.contains(&flat(example)),
                "{}: help lacks the example",
                m.id
            );
            assert!(
                rules_md.contains(&flat(example)),
                "{}: rules.md lacks the example",
                m.id
            );
            for line in example.lines().filter(|l| !l.starts_with("```")) {
                assert!(
                    explain.contains(&flat(line)),
                    "{}: explain lacks {line:?}",
                    m.id
                );
            }
            for key in m
                .params
                .iter()
                .map(|p| p.key)
                .chain(m.references.iter().copied())
            {
                for (name, doc) in [
                    ("help text", &text),
                    ("help", &markdown),
                    ("explain", &explain),
                    ("rules.md", &rules_md),
                ] {
                    assert!(doc.contains(key), "{}: {name} lacks {key}", m.id);
                }
            }
            checked += 1;
        }
        assert_eq!(checked, rules::catalog().count());
    }
}
