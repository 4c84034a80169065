//! `--format markdown`: for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
//! A summary table by severity, then findings grouped by repository and severity,
//! diffs folded in `<details>`. Long diffs are cut so the page stays within GitHub's
//! 1 MiB step-summary limit for ordinary audits.

use std::fmt::Write as _;

use super::group::Group;
use super::Settings;
use crate::drift::{Finding, Report};
use crate::guardrails::Severity;

/// Diff lines shown per finding.
const MAX_DIFF_LINES: usize = 120;

pub fn render(report: &Report, settings: &Settings) -> String {
    let mut out = String::new();
    let failing = report.fails(settings.fail_on);
    let _ = writeln!(
        out,
        "## paved drift: {}\n",
        if failing {
            format!("findings at or above {}", settings.fail_on)
        } else {
            format!("nothing at or above {}", settings.fail_on)
        }
    );
    let _ = writeln!(
        out,
        "{} · profile `{}` · paved {}\n",
        escape(&super::summary_line(report)),
        escape(&report.profile),
        super::PAVED_VERSION
    );
    out.push_str("| severity | findings |\n|---|---:|\n");
    for (s, n) in report.by_severity() {
        let _ = writeln!(out, "| {} | {n} |", label(s));
    }
    let waived = report.waived();
    if waived > 0 {
        let _ = writeln!(out, "| waived | {waived} |");
    }

    for repo in &report.repos {
        let bp = repo
            .blueprint
            .as_deref()
            .map(|b| format!(" (blueprint `{}`)", escape(b)))
            .unwrap_or_default();
        let _ = writeln!(out, "\n### `{}`{bp}\n", code(&repo.path));
        if repo.findings.is_empty() {
            out.push_str("No findings.\n");
        }
        let groups = super::group::by_location(&repo.findings);
        for sev in Severity::ALL {
            let here: Vec<&Group<'_>> = groups.iter().filter(|g| g.severity() == sev).collect();
            if here.is_empty() {
                continue;
            }
            let findings: usize = here.iter().map(|g| g.findings.len()).sum();
            let count = if findings == here.len() {
                format!("{findings}")
            } else {
                format!(
                    "{findings} findings at {} {}",
                    here.len(),
                    super::plural(here.len(), "location", "locations")
                )
            };
            let _ = writeln!(out, "#### {} ({count})\n", label(sev));
            for g in here {
                match g.findings.as_slice() {
                    [f] => single(&mut out, f),
                    _ => several(&mut out, g),
                }
            }
            out.push('\n');
        }
        let waived: Vec<_> = repo
            .findings
            .iter()
            .filter(|f| f.waived.is_some())
            .collect();
        if !waived.is_empty() {
            let _ = writeln!(out, "<details><summary>{} waived</summary>\n", waived.len());
            for f in waived {
                let w = f.waived.as_ref().expect("filtered");
                let _ = writeln!(
                    out,
                    "- `{}` `{}`: {} — waived {}",
                    f.rule,
                    code(&f.location()),
                    escape(&f.message),
                    escape(&w.phrase())
                );
            }
            out.push_str("\n</details>\n");
        }
        if !repo.warnings.is_empty() {
            let _ = writeln!(
                out,
                "\n<details><summary>{} {} (not audited)</summary>\n",
                repo.warnings.len(),
                super::plural(repo.warnings.len(), "warning", "warnings")
            );
            for w in &repo.warnings {
                let _ = writeln!(
                    out,
                    "- `{}`: {}",
                    code(&w.file.to_string_lossy()),
                    escape(&w.message)
                );
            }
            out.push_str("\n</details>\n");
        }
    }
    out
}

fn single(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "- **`{}`** `{}`: {}  \n  {}",
        f.rule,
        code(&f.location()),
        escape(&f.message),
        escape(f.remediation)
    );
    finding_notes(out, f);
}

/// Several findings at one location: one item, the most severe first, then each
/// distinct fix once with the rules that share it.
fn several(out: &mut String, g: &Group<'_>) {
    let _ = writeln!(
        out,
        "- `{}`: {} findings  ",
        code(&g.location()),
        g.findings.len()
    );
    for f in &g.findings {
        let _ = writeln!(
            out,
            "  - **`{}`** ({}): {}",
            f.rule,
            f.severity,
            escape(&f.message)
        );
        finding_notes(out, f);
    }
    for (rules, fix) in g.remediations() {
        let rules: Vec<String> = rules.iter().map(|r| format!("`{r}`")).collect();
        let _ = writeln!(out, "  - Fix ({}): {}", rules.join(", "), escape(fix));
    }
}

fn finding_notes(out: &mut String, f: &Finding) {
    if let Some(why) = &f.context_reason {
        let _ = writeln!(out, "  _Severity {}._", escape(why));
    }
    if let Some(detail) = &f.detail {
        out.push_str(&details(detail));
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟥 critical",
        Severity::High => "🟧 high",
        Severity::Medium => "🟨 medium",
        Severity::Low => "🟦 low",
        Severity::Info => "⬜ info",
    }
}

/// A finding's detail folded away: a diff as a diff, anything else (a combined fix,
/// the reason an inline suppression gave) as plain text.
fn details(detail: &str) -> String {
    let (summary, language) = if super::is_diff(detail) {
        ("diff", "diff")
    } else {
        ("details", "text")
    };
    let lines: Vec<&str> = detail.lines().collect();
    let shown = lines.len().min(MAX_DIFF_LINES);
    let mut body = lines[..shown].join("\n");
    if lines.len() > shown {
        body.push_str(&format!("\n… {} more lines", lines.len() - shown));
    }
    // A fence longer than any backtick run inside keeps the text from closing it.
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!(
        "\n  <details><summary>{summary}</summary>\n\n{fence}{language}\n{body}\n{fence}\n\n  </details>\n\n"
    )
}

/// Text inside an inline code span: backticks cannot be escaped there, so they are
/// replaced.
fn code(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}

/// Escapes Markdown and HTML so finding text cannot inject markup into the page.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_groups_and_escaping() {
        let md = render(
            &super::super::sample::report(),
            &Settings {
                fail_on: Severity::Low,
                color: false,
            },
        );
        assert!(md.starts_with("## paved drift: findings at or above low"));
        assert!(md.contains("| 🟧 high | 1 |"));
        assert!(md.contains("| waived | 1 |"));
        assert!(md.contains("### `svc` (blueprint `full`)"));
        assert!(md.contains("&lt;from&gt; the \"blueprint\" \\| &amp; more"));
        assert!(md.contains("<details><summary>diff</summary>"));
        assert!(md.contains("```diff\n--- a"));
        assert!(md.contains("No findings."));
        assert!(md.contains("1 waived</summary>"));
    }

    #[test]
    fn findings_at_one_location_are_one_item_with_each_fix_once() {
        let md = render(
            &super::super::sample::grouped(),
            &Settings {
                fail_on: Severity::Low,
                color: false,
            },
        );
        insta::assert_snapshot!(md);
    }
}
