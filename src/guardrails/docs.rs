//! Rule documentation rendered from rule metadata: `paved rules`, `paved explain` and
//! `docs/rules.md` all come from here, so they cannot disagree.

use std::fmt::Write as _;

use serde::Serialize;

use super::policy::Policy;
use super::{Rule, RuleMeta, Severity};

/// One rule as `paved rules --format json` lists it.
#[derive(Serialize)]
pub struct RuleEntry<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub domain: &'a str,
    pub default_severity: Severity,
    /// The severity in the selected profile.
    pub severity: Severity,
    pub enabled: bool,
    pub rationale: &'a str,
    pub remediation: &'a str,
    pub references: &'a [&'a str],
}

pub fn entries<'a>(
    rules: impl IntoIterator<Item = &'a Rule>,
    policy: &Policy,
) -> Vec<RuleEntry<'a>> {
    rules
        .into_iter()
        .map(|r| {
            let m = &r.meta;
            RuleEntry {
                id: m.id,
                title: m.title,
                domain: m.domain.as_str(),
                default_severity: m.severity,
                severity: policy.severity(m),
                enabled: policy.enabled(m.id),
                rationale: m.rationale,
                remediation: m.remediation,
                references: m.references,
            }
        })
        .collect()
}

/// A table, one line per rule.
pub fn human(entries: &[RuleEntry<'_>], profile: &str) -> String {
    let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let sev = if e.enabled {
            e.severity.as_str().to_string()
        } else {
            "off".to_string()
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:<14}  {}",
            e.id, sev, e.domain, e.title
        );
    }
    let _ = writeln!(
        out,
        "\n{} rules; severities from profile {profile}. `paved explain ID` for details.",
        entries.len()
    );
    out
}

/// `paved explain ID`.
pub fn explain(m: &RuleMeta, policy: &Policy) -> String {
    let mut out = format!("{}: {}\n\n", m.id, m.title);
    let sev = policy.severity(m);
    let _ = writeln!(out, "Domain:    {}", m.domain.as_str());
    if sev == m.severity {
        let _ = writeln!(out, "Severity:  {}", m.severity);
    } else {
        let _ = writeln!(
            out,
            "Severity:  {sev} in profile {} (default {})",
            policy.profile, m.severity
        );
    }
    if !policy.enabled(m.id) {
        let _ = writeln!(out, "Enabled:   no, in profile {}", policy.profile);
    }
    let _ = writeln!(out, "\nWhy it matters\n  {}", wrap(m.rationale, 76, "  "));
    let _ = writeln!(out, "\nHow to fix it\n  {}", wrap(m.remediation, 76, "  "));
    if !m.references.is_empty() {
        let _ = writeln!(out, "\nEquivalent checks\n  {}", m.references.join(", "));
    }
    out
}

fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        if len > 0 && len + 1 + word.len() > width {
            out.push('\n');
            out.push_str(indent);
            len = 0;
        } else if len > 0 {
            out.push(' ');
            len += 1;
        }
        out.push_str(word);
        len += word.len();
    }
    out
}

/// `docs/rules.md` and `paved rules --format markdown`: a summary table, then one
/// section per rule.
pub fn markdown<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> String {
    let rules: Vec<&Rule> = rules.into_iter().collect();
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated from the rule metadata in src/guardrails/rules/ and src/drift/rules.rs.\n     \
         Do not edit by hand: regenerate with `PAVED_BLESS=1 cargo test --test cli_drift_docs`. -->\n\n\
         Every rule `paved drift` checks, at its default severity. A guardrails profile\n\
         (`guardrails/*.toml`, `--profile`, `--guardrails DIR`) may disable a rule or change its\n\
         severity, and the repository's context (exposure, data classification) may move a\n\
         finding one step; see [drift.md](drift.md). `paved explain ID` prints one rule.\n\n\
         | id | severity | domain | title |\n|---|---|---|---|\n",
    );
    for r in &rules {
        let m = &r.meta;
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} |",
            m.id,
            m.id.to_ascii_lowercase(),
            m.severity,
            m.domain.as_str(),
            m.title
        );
    }
    for r in &rules {
        let m = &r.meta;
        let _ = write!(
            out,
            "\n## {}\n\n**{}** · severity {} · domain {}\n\n{}\n\n**Remediation.** {}\n",
            m.id,
            m.title,
            m.severity,
            m.domain.as_str(),
            collapse(m.rationale),
            collapse(m.remediation)
        );
        if !m.references.is_empty() {
            let refs: Vec<String> = m.references.iter().map(|r| format!("`{r}`")).collect();
            let _ = writeln!(out, "\n**Equivalent checks.** {}", refs.join(", "));
        }
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
