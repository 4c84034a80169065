//! `--format junit`: one `<testsuite>` per repository, one failing `<testcase>` per
//! finding (waived ones skipped), and a passing test case for a clean repository so
//! CI dashboards show it was audited.

use std::fmt::Write as _;

use crate::drift::{Finding, Report};

pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = report.repos.iter().map(|r| r.findings.len().max(1)).sum();
    let failures = report.active().count();
    let skipped = report.waived();
    let _ = writeln!(
        out,
        "<testsuites name=\"paved drift\" tests=\"{total}\" failures=\"{failures}\" skipped=\"{skipped}\">"
    );
    for repo in &report.repos {
        let fails = repo.findings.iter().filter(|f| f.waived.is_none()).count();
        let skips = repo.findings.len() - fails;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"0\" skipped=\"{skips}\">",
            escape(&repo.path),
            repo.findings.len().max(1)
        );
        if !repo.warnings.is_empty() {
            out.push_str("    <system-err>");
            for w in &repo.warnings {
                let _ = writeln!(
                    out,
                    "{}: {}",
                    escape(&w.file.to_string_lossy()),
                    escape(&w.message)
                );
            }
            out.push_str("</system-err>\n");
        }
        if repo.findings.is_empty() {
            out.push_str("    <testcase name=\"no findings\" classname=\"paved.drift\"/>\n");
        }
        for f in &repo.findings {
            testcase(&mut out, f);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "    <testcase name=\"{} {}\" classname=\"paved.drift.{}\" file=\"{}\"{}>",
        f.rule,
        escape(&f.location()),
        f.domain.as_str(),
        escape(&f.file),
        f.line.map(|l| format!(" line=\"{l}\"")).unwrap_or_default()
    );
    if let Some(w) = &f.waived {
        let _ = writeln!(
            out,
            "      <skipped message=\"waived {}\"/>",
            escape(&w.phrase())
        );
    } else {
        let mut body = format!(
            "{}\n{}: {}\nRemediation: {}",
            f.title,
            f.location(),
            f.message,
            f.remediation
        );
        if let Some(why) = &f.context_reason {
            body.push_str(&format!("\nSeverity {why}"));
        }
        if let Some(detail) = &f.detail {
            body.push_str("\n\n");
            body.push_str(detail);
        }
        let _ = writeln!(
            out,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            f.severity,
            escape(&format!("[{}] {}", f.severity, f.message)),
            escape(&body)
        );
    }
    out.push_str("    </testcase>\n");
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 cannot
/// hold at all (most control characters).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_cases_and_escaping() {
        let xml = render(&super::super::sample::report());
        assert!(xml.contains(
            "<testsuite name=\"svc\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"1\">"
        ));
        assert!(xml.contains("<testsuite name=\"clean\" tests=\"1\" failures=\"0\""));
        assert!(xml.contains("&lt;from&gt; the &quot;blueprint&quot; | &amp; more"));
        assert!(xml.contains("<skipped message=\"waived by @acme/sec"));
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
        assert_eq!(xml.matches("<testcase ").count(), 4);
    }
}
