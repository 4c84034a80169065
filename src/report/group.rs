//! Findings at one location (file and line), shown together by the human and Markdown
//! reports: a container without a securityContext is one place to fix, not five
//! unrelated lines. A group leads with its most severe finding, and each distinct
//! remediation is printed once with the rules that share it. JSON, SARIF and JUnit keep
//! every finding on its own: code scanning and CI need each rule id.

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

    /// `file:line`, `file` or `(repository)`.
    pub fn location(&self) -> String {
        self.findings[0].location()
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

/// The unwaived findings of one repository grouped by location. `findings` come sorted
/// most severe first, so groups are too (by their most severe finding, then file and
/// line), and each group lists its findings most severe first.
pub fn by_location(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut index: HashMap<(&str, Option<u32>), usize> = HashMap::new();
    let mut groups: Vec<Group<'_>> = Vec::new();
    for f in findings.iter().filter(|f| f.waived.is_none()) {
        let key = (f.file.as_str(), f.line);
        match index.get(&key) {
            Some(&i) => groups[i].findings.push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(Group { findings: vec![f] });
            }
        }
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

    #[test]
    fn same_file_and_line_is_one_group_most_severe_first() {
        let report = super::super::sample::grouped();
        let groups = by_location(&report.repos[0].findings);
        let shape: Vec<(String, Vec<&str>)> = groups
            .iter()
            .map(|g| (g.location(), g.findings.iter().map(|f| f.rule).collect()))
            .collect();
        assert_eq!(
            shape,
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
}
