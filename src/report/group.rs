//! Findings at one location (file and line), shown together by the human and Markdown
//! reports: a container without a securityContext is one place to fix, not five
//! unrelated lines. A finding whose cause spans several lines (an AWS key pair, a
//! provider block's credential attributes: [`Finding::span`]) joins the findings on any
//! of those lines, so one committed key pair reads as one problem however many rules
//! name it. A group leads with its most severe finding, and each distinct remediation
//! is printed once with the rules that share it. JSON, SARIF and JUnit keep every
//! finding on its own: code scanning and CI need each rule id.

use std::collections::HashMap;

use crate::drift::Finding;
use crate::guardrails::Severity;

/// The unwaived findings at one location, most severe first.
pub struct Group<'a> {
    pub findings: Vec<&'a Finding>,
}

impl<'a> Group<'a> {
    /// The most severe finding's severity.
    pub fn severity(&self) -> Severity {
        self.findings[0].severity
    }

    /// `file:line`, `file` or `(repository)`; `file:first-last` when the group's
    /// findings cover several lines.
    pub fn location(&self) -> String {
        let lines = self.findings.iter().filter_map(|f| lines_of(f));
        let (first, last) = lines.fold((u32::MAX, 0), |(a, b), (x, y)| (a.min(x), b.max(y)));
        if first < last {
            format!("{}:{first}-{last}", self.findings[0].file)
        } else {
            self.findings[0].location()
        }
    }

    /// Each distinct remediation once, with the rules that give it, in the order of
    /// their most severe finding.
    pub fn remediations(&self) -> Vec<(Vec<&'static str>, &'static str)> {
        let mut out: Vec<(Vec<&'static str>, &'static str)> = Vec::new();
        for f in &self.findings {
            match out.iter_mut().find(|(_, text)| *text == f.remediation) {
                Some((rules, _)) if !rules.contains(&f.rule) => rules.push(f.rule),
                Some(_) => {}
                None => out.push((vec![f.rule], f.remediation)),
            }
        }
        out
    }
}

/// The lines a finding covers: its span, else its line.
fn lines_of(f: &Finding) -> Option<(u32, u32)> {
    let line = f.line?;
    let (a, b) = f.span.unwrap_or((line, line));
    Some((a.min(line), b.max(line)))
}

/// The unwaived findings of one repository grouped by location: the same file and
/// line, or lines that meet a finding's span. `findings` come sorted most severe
/// first, so groups are too (by their most severe finding, then file and line), and
/// each group lists its findings most severe first.
pub fn by_location(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut index: HashMap<(&str, Option<u32>), usize> = HashMap::new();
    let mut groups: Vec<Group<'_>> = Vec::new();
    // Spanning findings are rare: each is placed after the others, by its lines.
    let mut spanning: Vec<&Finding> = Vec::new();
    for f in findings.iter().filter(|f| f.waived.is_none()) {
        if f.span.is_some() && f.line.is_some() {
            spanning.push(f);
            continue;
        }
        let key = (f.file.as_str(), f.line);
        match index.get(&key) {
            Some(&i) => groups[i].findings.push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(Group { findings: vec![f] });
            }
        }
    }
    let merged = !spanning.is_empty();
    for f in spanning {
        let (a, b) = lines_of(f).expect("spanning findings have a line");
        let meets = |g: &Group<'_>| {
            g.findings
                .iter()
                .any(|o| o.file == f.file && lines_of(o).is_some_and(|(x, y)| x <= b && a <= y))
        };
        let hit: Vec<usize> = (0..groups.len()).filter(|&i| meets(&groups[i])).collect();
        match hit.split_first() {
            None => groups.push(Group { findings: vec![f] }),
            Some((&keep, rest)) => {
                // A span may join groups that were apart (a key id and its secret).
                for &i in rest.iter().rev() {
                    let moved = std::mem::take(&mut groups[i].findings);
                    groups[keep].findings.extend(moved);
                }
                groups[keep].findings.push(f);
                groups.retain(|g| !g.findings.is_empty());
            }
        }
    }
    if merged {
        // Most severe first, as the findings came, now that spans moved some.
        let rank: HashMap<*const Finding, usize> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f as *const Finding, i))
            .collect();
        groups.sort_by_key(|g| {
            g.findings
                .iter()
                .map(|f| rank[&(*f as *const Finding)])
                .min()
        });
    }
    for g in &mut groups {
        g.findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(b.rule)));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each group's location and rules.
    fn shape(groups: &[Group<'_>]) -> Vec<(String, Vec<&'static str>)> {
        groups
            .iter()
            .map(|g| (g.location(), g.findings.iter().map(|f| f.rule).collect()))
            .collect()
    }

    #[test]
    fn same_file_and_line_is_one_group_most_severe_first() {
        let report = super::super::sample::grouped();
        let groups = by_location(&report.repos[0].findings);
        assert_eq!(
            shape(&groups),
            [
                (
                    "deploy/app.yaml:17".to_string(),
                    vec!["PVD-KUBE-001", "PVD-KUBE-003", "PVD-KUBE-004"]
                ),
                ("Dockerfile:3".to_string(), vec!["PVD-DOCKER-001"]),
            ]
        );
        assert_eq!(groups[0].severity(), Severity::Critical);
        let fixes = groups[0].remediations();
        assert_eq!(fixes.len(), 2);
        assert_eq!(fixes[1].0, ["PVD-KUBE-003", "PVD-KUBE-004"]);
    }

    #[test]
    fn findings_whose_span_meets_are_one_group() {
        let mut report = super::super::sample::grouped();
        let findings = &mut report.repos[0].findings;
        // A key pair on lines 3-4 of the Dockerfile, and a finding on line 4 alone.
        findings[1].span = Some((3, 4));
        let mut secret = findings[1].clone();
        secret.rule = "PVD-SECRET-004";
        secret.line = Some(4);
        secret.span = None;
        let mut elsewhere = secret.clone();
        elsewhere.line = Some(9);
        findings.push(secret);
        findings.push(elsewhere);
        let groups = by_location(&report.repos[0].findings);
        assert_eq!(
            shape(&groups),
            [
                (
                    "deploy/app.yaml:17".to_string(),
                    vec!["PVD-KUBE-001", "PVD-KUBE-003", "PVD-KUBE-004"]
                ),
                (
                    "Dockerfile:3-4".to_string(),
                    vec!["PVD-DOCKER-001", "PVD-SECRET-004"]
                ),
                ("Dockerfile:9".to_string(), vec!["PVD-SECRET-004"]),
            ]
        );
    }
}
