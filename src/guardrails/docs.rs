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
    if let Some(graded) = m.graded {
        let note = if sev == m.severity {
            graded.to_owned()
        } else {
            format!("profile {} sets {sev} for every finding", policy.profile)
        };
        let _ = writeln!(
            out,
            "           per finding: {}",
            wrap(&note, 64, "           ")
        );
    }
    if !policy.enabled(m.id) {
        let _ = writeln!(out, "Enabled:   no, in profile {}", policy.profile);
    }
    let _ = writeln!(out, "\nWhy it matters\n  {}", wrap(m.rationale, 76, "  "));
    let _ = writeln!(out, "\nHow to fix it\n  {}", wrap(m.remediation, 76, "  "));
    if let Some(example) = m.example {
        let _ = writeln!(out, "\nExample");
        for line in example.lines().filter(|l| !l.starts_with("```")) {
            let _ = writeln!(out, "  {line}");
        }
    }
    if !m.params.is_empty() {
        let _ = writeln!(out, "\nParameters (guardrails profile, [params])");
        for p in m.params {
            let default = p.default_toml();
            let _ = writeln!(
                out,
                "  {} = {default}\n    {}",
                p.key,
                wrap(p.description.trim(), 72, "    ")
            );
        }
    }
    if !m.references.is_empty() {
        let _ = writeln!(out, "\nEquivalent checks\n  {}", m.references.join(", "));
    }
    if let Some(source) = m.source {
        let _ = writeln!(out, "\nDefined in {source}");
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
    let mut out = format!(
        "# Rules\n\n\
         <!-- Generated from the rule declarations in src/guardrails/rules/ and src/drift/rules/.\n     \
         Do not edit by hand: regenerate with `PAVED_BLESS=1 cargo test --test it docs`. -->\n\n\
         Every rule `paved drift` checks ({}), at its default severity. A guardrails profile\n\
         (`guardrails/*.toml`, `--profile`, `--guardrails DIR`) may disable a rule or change its\n\
         severity, and the repository's context (exposure, data classification) may move a\n\
         finding one step; see [drift.md](drift.md). `paved explain ID` prints one rule.\n\n\
         | id | severity | domain | title |\n|---|---|---|---|\n",
        rules.len()
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
        if let Some(graded) = m.graded {
            let _ = writeln!(out, "\n**Severity per finding.** {}", collapse(graded));
        }
        if let Some(example) = m.example {
            let _ = writeln!(out, "\n**Example.** Flagged, then fixed:\n\n{example}");
        }
        if !m.params.is_empty() {
            let keys: Vec<String> = m.params.iter().map(|p| format!("`{}`", p.key)).collect();
            let _ = writeln!(
                out,
                "\n**Parameters.** {} (see [guardrails/README.md](../guardrails/README.md#parameters))",
                keys.join(", ")
            );
        }
        if !m.references.is_empty() {
            let refs: Vec<String> = m.references.iter().map(|r| format!("`{r}`")).collect();
            let _ = writeln!(out, "\n**Equivalent checks.** {}", refs.join(", "));
        }
    }
    out
}

/// The parameter table of guardrails/README.md: every parameter a profile may set,
/// from the rules' typed parameters (doc comment, type, default), with the rules that
/// read each. `rules` is the whole catalog.
pub fn params_table<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> String {
    let rules: Vec<&Rule> = rules.into_iter().collect();
    let mut out = String::from("| key | type | default | meaning |\n|---|---|---|---|\n");
    for spec in super::policy::params_of(rules.iter().map(|r| &r.meta)) {
        let users: Vec<&str> = rules
            .iter()
            .filter(|r| r.meta.params.iter().any(|p| p.key == spec.key))
            .map(|r| r.meta.id)
            .collect();
        let mut meaning = collapse(spec.description);
        if !users.is_empty() {
            let _ = write!(meaning, " ({})", users.join(", "));
        }
        let default = format!("`{}`", spec.default_toml());
        let _ = writeln!(
            out,
            "| `{}` | {} | {default} | {} |",
            spec.key,
            spec.kind.short(),
            meaning.replace('|', "\\|")
        );
    }
    out
}

/// Markers around the generated table in guardrails/README.md.
pub const PARAMS_BEGIN: &str =
    "<!-- params:begin (generated: PAVED_BLESS=1 cargo test --test it docs) -->";
pub const PARAMS_END: &str = "<!-- params:end -->";

/// `readme` with the text between the markers replaced by `table`; `None` when the
/// markers are missing.
pub fn with_params_table(readme: &str, table: &str) -> Option<String> {
    let start = readme.find(PARAMS_BEGIN)? + PARAMS_BEGIN.len();
    let end = readme.find(PARAMS_END)?;
    (start <= end).then(|| format!("{}\n{table}{}", &readme[..start], &readme[end..]))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
