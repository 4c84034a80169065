//! `--format human` (the default): grouped by repository, most severe first, with
//! file:line, rule id, message, remediation and why context moved a severity.
//! Coloured only when asked to (a terminal without NO_COLOR; see `commands::drift`).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Effects, Style};

use super::group::Group;
use super::Settings;
use crate::drift::{Finding, Report};
use crate::guardrails::Severity;

/// Diff lines shown per finding; the JSON, SARIF and Markdown reports carry more.
const MAX_DIFF_LINES: usize = 60;

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

fn severity_style(s: Severity) -> Style {
    let color = match s {
        Severity::Critical => AnsiColor::BrightRed,
        Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Blue,
        Severity::Info => AnsiColor::BrightBlack,
    };
    Style::new()
        .fg_color(Some(color.into()))
        .effects(Effects::BOLD)
}

pub fn render(report: &Report, settings: &Settings) -> String {
    let p = Paint { on: settings.color };
    let bold = Style::new().effects(Effects::BOLD);
    let dim = Style::new().effects(Effects::DIMMED);
    let mut out = String::new();
    for repo in &report.repos {
        let bp = repo
            .blueprint
            .as_deref()
            .map(|b| format!(" (blueprint {b})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{bp}", p.paint(bold, &repo.path));
        let active = repo.findings.iter().filter(|f| f.waived.is_none()).count();
        if active == 0 {
            let _ = writeln!(out, "  no findings");
        }
        for group in super::group::by_location(&repo.findings) {
            match group.findings.as_slice() {
                [f] => single(&mut out, &p, f),
                _ => several(&mut out, &p, &group),
            }
        }
        for f in repo.findings.iter().filter(|f| f.waived.is_some()) {
            let w = f.waived.as_ref().expect("filtered");
            let _ = writeln!(
                out,
                "  {} {} {} — {}",
                p.paint(dim, "waived  "),
                f.rule,
                printable(&f.location()),
                one_line(&w.summary())
            );
        }
        for w in &repo.warnings {
            let file = w.file.to_string_lossy();
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.paint(dim, "warning "),
                if file.is_empty() {
                    "(repository)".into()
                } else {
                    printable(&file)
                },
                one_line(&w.message)
            );
        }
        out.push('\n');
    }
    let verdict = if report.fails(settings.fail_on) {
        p.paint(
            severity_style(Severity::High),
            &format!("findings at or above {}", settings.fail_on),
        )
    } else {
        format!("nothing at or above {}", settings.fail_on)
    };
    let _ = writeln!(out, "{}: {verdict}", super::summary_line(report));
    out
}

fn header(s: Severity) -> String {
    format!("{:<8}", s.as_str().to_uppercase())
}

/// One finding alone at its location.
fn single(out: &mut String, p: &Paint, f: &Finding) {
    let bold = Style::new().effects(Effects::BOLD);
    let _ = writeln!(
        out,
        "  {} {} {}",
        p.paint(severity_style(f.severity), &header(f.severity)),
        p.paint(bold, f.rule),
        printable(&f.location())
    );
    let _ = writeln!(out, "           {}", one_line(&f.message));
    context_reason(out, p, f);
    let _ = writeln!(out, "           fix: {}", one_line(f.remediation));
    detail(out, p, f);
}

/// Several findings at one location: the most severe first, each with its rule and
/// message, then every distinct fix once.
fn several(out: &mut String, p: &Paint, group: &Group<'_>) {
    let bold = Style::new().effects(Effects::BOLD);
    let _ = writeln!(
        out,
        "  {} {} — {} findings",
        p.paint(severity_style(group.severity()), &header(group.severity())),
        p.paint(bold, &printable(&group.location())),
        group.findings.len()
    );
    for f in &group.findings {
        let _ = writeln!(
            out,
            "           {} {} {}",
            p.paint(
                severity_style(f.severity),
                &format!("{:<8}", f.severity.as_str())
            ),
            p.paint(bold, f.rule),
            one_line(&f.message)
        );
        context_reason(out, p, f);
    }
    // Each fix once; a finding's detail (a combined fix, a diff, the reason an inline
    // suppression gave) right under the fix of its rule, so it is clear which it
    // belongs to.
    for (rules, fix) in group.remediations() {
        let _ = writeln!(
            out,
            "           fix ({}): {}",
            rules.join(", "),
            one_line(fix)
        );
        for f in group.findings.iter().filter(|f| rules.contains(&f.rule)) {
            detail(out, p, f);
        }
    }
}

fn context_reason(out: &mut String, p: &Paint, f: &Finding) {
    if let Some(why) = &f.context_reason {
        let dim = Style::new().effects(Effects::DIMMED);
        let _ = writeln!(
            out,
            "           {}",
            p.paint(dim, &format!("severity {why}"))
        );
    }
}

fn detail(out: &mut String, p: &Paint, f: &Finding) {
    let Some(detail) = &f.detail else {
        return;
    };
    let dim = Style::new().effects(Effects::DIMMED);
    let lines: Vec<&str> = detail.lines().collect();
    // Only a diff is coloured by its first column: a fix may hold a YAML list item.
    let diff = super::is_diff(detail);
    for line in lines.iter().take(MAX_DIFF_LINES) {
        let style = match line.as_bytes().first() {
            Some(b'+') if diff => Style::new().fg_color(Some(AnsiColor::Green.into())),
            Some(b'-') if diff => Style::new().fg_color(Some(AnsiColor::Red.into())),
            _ => dim,
        };
        let _ = writeln!(out, "           │ {}", p.paint(style, &printable(line)));
    }
    if lines.len() > MAX_DIFF_LINES {
        let _ = writeln!(
            out,
            "           │ … {} more lines (see --format json or markdown)",
            lines.len() - MAX_DIFF_LINES
        );
    }
}

/// Control characters from audited files must not drive the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn one_line(s: &str) -> String {
    printable(&s.replace(['\n', '\r'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_coloured() {
        let report = super::super::sample::report();
        let plain = render(
            &report,
            &Settings {
                fail_on: Severity::Low,
                color: false,
            },
        );
        assert!(!plain.contains('\u{1b}'));
        assert!(plain.contains("  HIGH     PVD-BLUEPRINT-001 deploy/app.yaml:3"));
        assert!(plain.contains("severity raised from medium to high: exposure = internet"));
        assert!(plain.contains(
            "waived   PVD-BLUEPRINT-002 SECURITY.md — @acme/sec until 2030-01-01: org policy"
        ));
        assert!(plain.contains("warning  link: symbolic link not followed"));
        assert!(plain.contains("clean\n  no findings"));
        assert!(plain.trim_end().ends_with("findings at or above low"));
        let colour = render(
            &report,
            &Settings {
                fail_on: Severity::Low,
                color: true,
            },
        );
        assert!(colour.contains('\u{1b}'));
        assert_eq!(printable("a\u{1b}[31m"), "a\u{FFFD}[31m");
    }

    #[test]
    fn findings_at_one_location_are_one_block_with_each_fix_once() {
        let text = render(
            &super::super::sample::grouped(),
            &Settings {
                fail_on: Severity::Low,
                color: false,
            },
        );
        insta::assert_snapshot!(text);
    }
}
