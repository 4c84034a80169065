//! `.paved/waivers.toml`: accountable exceptions.
//!
//! ```toml
//! [[waiver]]
//! rule = "PVD-DOCKER-003"
//! path = "tools/**/Dockerfile"     # glob, relative to the repository root
//! reason = "Upstream image has no digest-pinned release yet"
//! owner = "@acme/platform"
//! expires = 2026-03-31             # TOML date or "YYYY-MM-DD"
//! ```
//!
//! An active waiver marks matching findings as waived (reported, never counted for
//! `--fail-on`). An expired one waives nothing and is a finding itself. A malformed
//! file or entry is a finding; the other entries still apply.
//!
//! Other tools' inline suppressions ([`inline`]) waive the paved rules that declare the
//! same check, unless the profile says `[waivers] inline = "forbid"`: then each one is
//! a `PVD-WAIVER-004` finding and waives nothing, so every exception has an owner and
//! an expiry in this file.

pub mod inline;
mod syntax;

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use jiff::civil::Date;

use crate::guardrails::model::Model;
use crate::guardrails::Hit;

use super::rules;
use super::rules::waiver::{
    InlineSuppressionForbidden, WaiverExpired, WaiverInvalid, WaiverUnused,
};
use crate::guardrails::declare::Declared;
use crate::guardrails::policy::InlineWaivers;
use crate::guardrails::SourceFile;
pub use inline::Inline;

pub const WAIVERS_FILE: &str = ".paved/waivers.toml";

#[derive(Clone, Debug)]
pub struct Waiver {
    pub rule: String,
    pub path: String,
    matcher: GlobMatcher,
    pub reason: String,
    pub owner: String,
    pub expires: Date,
    /// Line of the `[[waiver]]` entry in the waivers file.
    pub line: u32,
}

impl Waiver {
    pub fn matches(&self, rule: &str, file: &Path) -> bool {
        if !self.rule.eq_ignore_ascii_case(rule) {
            return false;
        }
        let file = file.to_string_lossy();
        self.path == "**" || self.path == "*" || self.matcher.is_match(file.as_ref())
    }
}

/// The waivers of one repository and the problems found reading them.
#[derive(Debug, Default)]
pub struct Waivers {
    pub active: Vec<Waiver>,
    pub problems: Vec<Hit>,
}

impl Waivers {
    /// The first active waiver covering this finding (waiver rules are never waivable).
    pub fn find(&self, rule: &str, file: &Path) -> Option<usize> {
        if rule.starts_with("PVD-WAIVER-") {
            return None;
        }
        self.active.iter().position(|w| w.matches(rule, file))
    }

    /// Findings for active waivers that matched nothing.
    pub fn unused(&self, used: &[bool]) -> Vec<Hit> {
        self.active
            .iter()
            .zip(used)
            .filter(|(_, used)| !**used)
            .map(|(w, _)| Hit {
                rule: WaiverUnused::ID,
                file: PathBuf::from(WAIVERS_FILE),
                line: Some(w.line),
                message: format!(
                    "waiver for {} on `{}` (owner {}) matches no finding",
                    w.rule, w.path, w.owner
                ),
                detail: None,
                severity: None,
                span: None,
            })
            .collect()
    }
}

/// The inline suppressions that apply, and findings for those that do not: expired
/// ones (trivy's `:exp:`) and, when the profile or a switch forbids them, every one
/// (`forbidden_by` says which, e.g. "profile `strict` ([waivers] inline = …)").
pub fn load_inline(
    files: &[SourceFile],
    today: Date,
    mode: InlineWaivers,
    forbidden_by: &str,
) -> (Vec<Inline>, Vec<Hit>) {
    let mut active = Vec::new();
    let mut problems = Vec::new();
    for s in inline::find(files) {
        if mode == InlineWaivers::Forbid {
            problems.push(Hit {
                rule: InlineSuppressionForbidden::ID,
                file: s.file.clone(),
                line: Some(s.line),
                message: format!(
                    "inline `{}` is forbidden by {forbidden_by} and waives nothing; fix the finding, or move the exception to {WAIVERS_FILE} with an owner and an expiry",
                    s.directive
                ),
                detail: s.reason.clone().map(|r| format!("reason given: {r}")),
                severity: None,
                span: None,
            });
            continue;
        }
        match s.expires {
            Some(date) if date < today => problems.push(Hit {
                rule: WaiverExpired::ID,
                file: s.file.clone(),
                line: Some(s.line),
                message: format!(
                    "inline `{}` expired on {date}; its findings are reported again",
                    s.directive
                ),
                detail: None,
                severity: None,
                span: None,
            }),
            _ => active.push(s),
        }
    }
    (active, problems)
}

/// Reads the repository's waivers. `max_days` (0 = unlimited) caps how far in the
/// future `expires` may be.
pub fn load(model: &Model, today: Date, max_days: i64) -> Waivers {
    let mut out = Waivers::default();
    let Some(file) = model.file(WAIVERS_FILE) else {
        return out;
    };
    let Some(text) = &file.text else {
        out.problems.push(problem(
            None,
            "the waivers file is not a readable UTF-8 text file, so no waiver applies".into(),
        ));
        return out;
    };
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(default)]
        waiver: Vec<toml::Spanned<toml::Table>>,
    }
    let raw: Raw = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start));
            out.problems.push(problem(
                line,
                format!(
                    "the waivers file is not valid ({}), so no waiver applies; expected [[waiver]] entries",
                    e.message().trim()
                ),
            ));
            return out;
        }
    };
    for entry in raw.waiver {
        let line = line_of(text, entry.span().start);
        match parse_entry(entry.get_ref(), line) {
            Ok(w) if w.expires < today => out.problems.push(Hit {
                rule: WaiverExpired::ID,
                file: PathBuf::from(WAIVERS_FILE),
                line: Some(line),
                message: format!(
                    "waiver for {} on `{}` (owner {}) expired on {}; its findings are reported again",
                    w.rule, w.path, w.owner, w.expires
                ),
                detail: Some(format!("reason given: {}", w.reason)),
                severity: None,
                span: None,
            }),
            Ok(w) if max_days > 0 && (w.expires - today).get_days() as i64 > max_days => {
                out.problems.push(problem(
                    Some(line),
                    format!(
                        "waiver for {} on `{}` expires on {}, more than {max_days} days from today (max_waiver_days); it does not apply until the date is brought forward",
                        w.rule, w.path, w.expires
                    ),
                ))
            }
            Ok(w) => out.active.push(w),
            Err(message) => out.problems.push(problem(
                Some(line),
                format!("{message}; this waiver does not apply"),
            )),
        }
    }
    out
}

fn problem(line: Option<u32>, message: String) -> Hit {
    Hit {
        rule: WaiverInvalid::ID,
        file: PathBuf::from(WAIVERS_FILE),
        line,
        message,
        detail: None,
        severity: None,
        span: None,
    }
}

fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let line = text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1;
    u32::try_from(line).unwrap_or(u32::MAX)
}

fn parse_entry(t: &toml::Table, line: u32) -> Result<Waiver, String> {
    const KEYS: &[&str] = &["rule", "path", "reason", "owner", "expires"];
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown key `{k}`; a waiver has rule, path, reason, owner and expires"
        ));
    }
    let text = |key: &str| -> Result<String, String> {
        match t.get(key) {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(toml::Value::String(_)) => Err(format!("`{key}` is empty")),
            Some(_) => Err(format!("`{key}` must be a string")),
            None => Err(format!("`{key}` is missing")),
        }
    };
    let rule = text("rule")?;
    let Some(found) = rules::find(&rule) else {
        let hint = crate::guardrails::policy::suggest(&rule, rules::catalog().map(|r| r.meta.id))
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        return Err(format!("`rule = \"{rule}\"` is not a known rule id{hint}"));
    };
    if found.meta.id.starts_with("PVD-WAIVER-") {
        return Err(format!("{} cannot be waived", found.meta.id));
    }
    let path = text("path")?;
    let matcher = GlobBuilder::new(&path)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("`path = \"{path}\"` is not a valid glob: {}", e.kind()))?
        .compile_matcher();
    let reason = text("reason")?;
    let owner = text("owner")?;
    let expires = match t.get("expires") {
        Some(toml::Value::Datetime(d)) => d.to_string(),
        Some(toml::Value::String(s)) => s.clone(),
        Some(_) => return Err("`expires` must be a date such as 2026-12-31".to_string()),
        None => return Err("`expires` is missing: every waiver needs an end date".to_string()),
    };
    let expires: Date = expires
        .parse()
        .ok()
        .filter(|_| expires.len() == 10)
        .ok_or_else(|| format!("`expires = {expires}` is not a date of the form YYYY-MM-DD"))?;
    Ok(Waiver {
        rule: found.meta.id.to_string(),
        path,
        matcher,
        reason,
        owner,
        expires,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-06-01".parse().unwrap()
    }

    fn load_text(text: &str, max_days: i64) -> Waivers {
        load(
            &Model::from_memory(&[(WAIVERS_FILE, text)]),
            today(),
            max_days,
        )
    }

    const GOOD: &str = r#"
[[waiver]]
rule = "pvd-blueprint-001"
path = "deploy/**/*.yaml"
reason = "Replica count tuned by SRE"
owner = "@acme/sre"
expires = 2026-12-31

[[waiver]]
rule = "PVD-BLUEPRINT-002"
path = "SECURITY.md"
reason = "Moved to the org-wide policy"
owner = "@acme/sec"
expires = "2026-01-31"
"#;

    #[test]
    fn active_and_expired() {
        let w = load_text(GOOD, 0);
        assert_eq!(w.active.len(), 1);
        assert!(w.active[0].matches("PVD-BLUEPRINT-001", Path::new("deploy/k8s/app.yaml")));
        assert!(!w.active[0].matches("PVD-BLUEPRINT-001", Path::new("deploy.yaml")));
        assert!(!w.active[0].matches("PVD-BLUEPRINT-002", Path::new("deploy/k8s/app.yaml")));
        assert_eq!(w.problems.len(), 1);
        let p = &w.problems[0];
        assert_eq!((p.rule, p.line), (WaiverExpired::ID, Some(9)));
        assert!(p.message.contains("expired on 2026-01-31"), "{}", p.message);
        assert_eq!(w.unused(&[false]).len(), 1);
    }

    #[test]
    fn too_long_waivers_do_not_apply() {
        let w = load_text(GOOD, 30);
        assert!(w.active.is_empty());
        assert!(w
            .problems
            .iter()
            .any(|p| p.rule == WaiverInvalid::ID && p.message.contains("max_waiver_days")));
    }

    #[test]
    fn malformed_entries_and_files() {
        let cases = [
            ("[[waiver]]\nrule = \"PVD-BLUEPRINT-01\"\npath = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01", "did you mean PVD-BLUEPRINT-001"),
            ("[[waiver]]\nrule = \"PVD-BLUEPRINT-001\"\npath = \"a\"\nreason = \"r\"\nowner = \"o\"", "`expires` is missing"),
            ("[[waiver]]\nrule = \"PVD-BLUEPRINT-001\"\npath = \"a\"\nreason = \"\"\nowner = \"o\"\nexpires = 2027-01-01", "`reason` is empty"),
            ("[[waiver]]\nrule = \"PVD-BLUEPRINT-001\"\npath = \"a[\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01", "not a valid glob"),
            ("[[waiver]]\nrule = \"PVD-BLUEPRINT-001\"\npath = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"next year\"", "YYYY-MM-DD"),
            ("[[waiver]]\nrule = \"PVD-WAIVER-001\"\npath = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01", "cannot be waived"),
            ("[[waivers]]\nrule = 1", "not valid"),
            ("waiver = [", "not valid"),
        ];
        for (text, needle) in cases {
            let w = load_text(text, 0);
            assert!(w.active.is_empty(), "{text}");
            assert_eq!(w.problems.len(), 1, "{text}");
            assert_eq!(w.problems[0].rule, WaiverInvalid::ID);
            assert!(
                w.problems[0].message.contains(needle),
                "{}",
                w.problems[0].message
            );
        }
    }
}
