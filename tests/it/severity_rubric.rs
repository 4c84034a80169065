//! docs/drift.md's "Severity rubric" held against the rules' declared severities: an
//! anchor row that names a rule (`PVD-X-NNN`) at a severity fails here when the rule
//! declares another, and every rule's severity must be one the rubric's table admits
//! (or `info`, which the rubric defines beside the table).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use paved::drift::rules::catalog;

/// The "Severity rubric" section of docs/drift.md, up to the next `## ` heading.
fn rubric() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/drift.md");
    let text = fs::read_to_string(&path).unwrap();
    let start = text
        .find("\n## Severity rubric\n")
        .expect("docs/drift.md has a `## Severity rubric` section");
    let section = &text[start + 1..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    section[..end].to_owned()
}

/// The Markdown tables of `text`: rows of trimmed cells, header first, the
/// `|---|` separator left out.
fn tables(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut out: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        if !in_table {
            out.push(Vec::new());
            in_table = true;
        }
        out.last_mut().unwrap().push(cells);
    }
    out
}

const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];

/// The severity a table cell states (`critical`, or `**critical**`).
fn severity(cell: &str) -> Option<&'static str> {
    let word = cell.trim_matches('*').trim().to_ascii_lowercase();
    SEVERITIES.iter().copied().find(|s| *s == word)
}

/// The rule ids a row names.
fn rule_ids(row: &[String]) -> Vec<String> {
    let id = regex::Regex::new(r"PVD-[A-Z]+-\d{3}").unwrap();
    row.iter()
        .flat_map(|cell| id.find_iter(cell).map(|m| m.as_str().to_owned()))
        .collect()
}

#[test]
fn anchor_rows_name_each_rule_at_its_declared_severity() {
    let tables = tables(&rubric());
    let anchors = tables
        .iter()
        .find(|t| t[0].last().is_some_and(|h| h == "severity"))
        .expect("the rubric has an anchor table whose last column is `severity`");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for row in &anchors[1..] {
        let stated = severity(row.last().unwrap())
            .unwrap_or_else(|| panic!("anchor row without a severity: {row:?}"));
        for id in rule_ids(row) {
            let rule = catalog()
                .find(|r| r.meta.id == id)
                .unwrap_or_else(|| panic!("the rubric names {id}, which is no rule: {row:?}"));
            checked += 1;
            let declared = rule.meta.severity.as_str();
            if declared != stated {
                wrong.push(format!(
                    "{id}: the rubric row `{}` says {stated}, the rule declares {declared}",
                    row[0]
                ));
            }
        }
    }
    assert!(
        checked >= 10,
        "the anchor rows name only {checked} rules: the test would prove little"
    );
    assert!(
        wrong.is_empty(),
        "docs/drift.md's severity rubric and the rules disagree (change the rule or the row):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_rule_has_a_severity_the_rubric_admits() {
    let section = rubric();
    let tables = tables(&section);
    // The exploitability × impact table: its cells below the header, right of the
    // impact column, are the severities a finding can be graded at.
    let matrix = tables
        .iter()
        .find(|t| t[0].first().is_some_and(|h| h.contains("exploitability")))
        .expect("the rubric has its exploitability × impact table");
    let mut admitted: BTreeSet<&str> = matrix[1..]
        .iter()
        .flat_map(|row| {
            row[1..]
                .iter()
                .map(|c| severity(c).unwrap_or_else(|| panic!("{c:?} is no severity")))
        })
        .collect();
    assert_eq!(matrix.len(), 4, "three impact rows: {matrix:?}");
    if section.contains("`info` is for") {
        admitted.insert("info");
    }
    let outside: Vec<String> = catalog()
        .filter(|r| !admitted.contains(r.meta.severity.as_str()))
        .map(|r| format!("{} ({})", r.meta.id, r.meta.severity.as_str()))
        .collect();
    assert!(
        outside.is_empty(),
        "rules whose severity the rubric does not admit ({admitted:?}): {outside:?}"
    );
}
