//! The built-in rules, grouped by domain: `rules/<domain>/<rule>.rs`, one rule type
//! per file, registered in its domain's `mod.rs` (see docs/contributing-rules.md).
//! Domains not yet converted still declare a static `RULES` array of
//! [`legacy::Rule`](super::legacy::Rule)s, adapted here.
//!
//! Rule modules never import each other: what several rules need is a view of the
//! domain model (`paved_model`) or shared knowledge such as
//! [`ci_tools`](super::ci_tools). `tests/it/layering.rs` checks it.

use std::sync::LazyLock;

use super::Rule;

pub mod actions;
pub mod auth;
pub mod ci_coverage;
pub mod dockerfile;
pub mod gitlab;
pub mod kubernetes;
pub mod repository;
pub mod terraform;

static CATALOG: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let legacy = |rules: &[super::legacy::Rule]| -> Vec<Rule> {
        rules.iter().map(super::legacy::Rule::to_catalog).collect()
    };
    [
        dockerfile::rules().to_vec(),
        legacy(actions::RULES),
        legacy(gitlab::RULES),
        legacy(ci_coverage::RULES),
        kubernetes::rules().to_vec(),
        legacy(terraform::RULES),
        legacy(repository::RULES),
        legacy(auth::RULES),
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
}
