//! The built-in rules, grouped by domain: `rules/<domain>/<rule>.rs`, one rule type
//! per file, registered by existing: build.rs generates each domain's list, which its
//! `mod.rs` expands with `register!` (see docs/contributing-rules.md).
//! The rules the drift engine raises itself are declared the same way in
//! `src/drift/rules/` and join these in `drift::rules::catalog`.
//!
//! Rule modules never import each other: what several rules need is a view of the
//! domain model (`paved_model`) or shared knowledge such as
//! [`ci_tools`](super::ci_tools). `tests/it/layering.rs` checks it.

use std::sync::LazyLock;

use super::Rule;

pub mod auth;
pub mod ci_coverage;
pub mod dockerfile;
pub mod github_actions;
pub mod gitlab;
pub mod kubernetes;
pub mod repository;
pub mod secrets;
pub mod terraform;
// Azure and Google Cloud rules live beside the AWS ones under `terraform/`, as domains
// of their own (each folder its own `register!`; all three share `Domain::Terraform`).
#[path = "terraform/azure/mod.rs"]
pub mod terraform_azure;
#[path = "terraform/google/mod.rs"]
pub mod terraform_google;

static CATALOG: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        dockerfile::rules().to_vec(),
        github_actions::rules().to_vec(),
        gitlab::rules().to_vec(),
        ci_coverage::rules().to_vec(),
        kubernetes::rules().to_vec(),
        terraform::rules().to_vec(),
        terraform_azure::rules().to_vec(),
        terraform_google::rules().to_vec(),
        repository::rules().to_vec(),
        secrets::rules().to_vec(),
        auth::rules().to_vec(),
    ]
    .concat()
});

/// Every built-in rule, in a stable order (by domain, then id).
pub fn all() -> impl Iterator<Item = &'static Rule> {
    CATALOG.iter()
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    all().find(|r| r.meta.id.eq_ignore_ascii_case(id))
}

/// `file:line: [ID] message` of each hit, one a line: what the fixture snapshots pin
/// (`tests/it/rule_fixtures.rs`), with the rule's id, since a domain's unit tests run
/// all of its rules. A changed message or line fails the test that pins it.
#[cfg(test)]
pub(crate) fn finding_lines(hits: &[super::Hit]) -> String {
    hits.iter()
        .map(|h| {
            let file = h.file.to_string_lossy().replace('\\', "/");
            match h.line {
                Some(line) => format!("{file}:{line}: [{}] {}", h.rule, h.message),
                None => format!("{file}: [{}] {}", h.rule, h.message),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let re = regex::Regex::new(r"^PVD-[A-Z]+-\d{3}$").unwrap();
        let mut seen = HashSet::new();
        for rule in all() {
            let m = &rule.meta;
            assert!(re.is_match(m.id), "{} is not PVD-AREA-NNN", m.id);
            assert!(seen.insert(m.id), "{} is defined twice", m.id);
            assert!(
                !m.title.is_empty() && !m.title.ends_with('.'),
                "{} title",
                m.id
            );
            assert!(m.rationale.len() > 20, "{} needs a rationale", m.id);
            assert!(m.remediation.len() > 10, "{} needs a remediation", m.id);
        }
    }

    /// build.rs parses the doc comments (build/rules.rs); every rule's metadata must
    /// be what parsing `Declared::DOC` in the process, as before, gives.
    #[test]
    fn docs_parsed_at_build_time_are_the_ones_parsed_at_run_time() {
        use crate::drift::rules as engine;
        let reference: Vec<Rule> = [
            dockerfile::rules_parsed_at_run_time(),
            github_actions::rules_parsed_at_run_time(),
            gitlab::rules_parsed_at_run_time(),
            ci_coverage::rules_parsed_at_run_time(),
            kubernetes::rules_parsed_at_run_time(),
            terraform::rules_parsed_at_run_time(),
            terraform_azure::rules_parsed_at_run_time(),
            terraform_google::rules_parsed_at_run_time(),
            repository::rules_parsed_at_run_time(),
            secrets::rules_parsed_at_run_time(),
            auth::rules_parsed_at_run_time(),
            engine::blueprint::rules_parsed_at_run_time(),
            engine::waiver::rules_parsed_at_run_time(),
            engine::context::rules_parsed_at_run_time(),
            engine::audit::rules_parsed_at_run_time(),
        ]
        .concat();
        let built: Vec<&Rule> = crate::drift::rules::catalog().collect();
        assert_eq!(built.len(), reference.len());
        assert!(built.len() > 150, "{}", built.len());
        for (b, r) in built.iter().zip(&reference) {
            // Every field, compared as `Debug` shows them.
            assert_eq!(format!("{:?}", b.meta), format!("{:?}", r.meta));
        }
    }

    #[test]
    fn declared_rules_have_well_formed_docs_and_consistent_parameters() {
        let mut ids_by_domain: Vec<(super::super::Domain, &str)> = Vec::new();
        for rule in all().filter(|r| r.meta.source.is_some()) {
            let m = &rule.meta;
            // `Rule::declared` turns a doc comment it cannot read into this rationale.
            assert!(
                m.example.is_some() && !m.rationale.starts_with("malformed doc comment"),
                "{} ({}): {}",
                m.id,
                m.source.unwrap_or_default(),
                m.rationale
            );
            ids_by_domain.push((m.domain, m.id));
        }
        // register! lists a domain's rules in id order (build/rules.rs sorts them).
        for pair in ids_by_domain.windows(2) {
            if pair[0].0 == pair[1].0 {
                assert!(pair[0].1 < pair[1].1, "{} before {}", pair[0].1, pair[1].1);
            }
        }
        // Two rules may share a parameter only with the same type.
        let specs: Vec<_> = all().flat_map(|r| r.meta.params.iter()).collect();
        for a in &specs {
            for b in &specs {
                if a.key == b.key {
                    assert_eq!(a.kind, b.kind, "params.{} declared with two types", a.key);
                }
            }
        }
    }
}
