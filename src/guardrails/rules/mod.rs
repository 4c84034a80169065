//! The built-in rules, one module per domain. Each module exports `RULES`.

use super::Rule;

pub mod actions;
pub mod auth;
pub mod ci_coverage;
pub mod dockerfile;
pub mod gitlab;
pub mod kubernetes;
pub mod repository;
pub mod terraform;

/// Every built-in rule, in a stable order (by domain, then id).
pub fn all() -> impl Iterator<Item = &'static Rule> {
    [
        dockerfile::RULES,
        actions::RULES,
        gitlab::RULES,
        ci_coverage::RULES,
        kubernetes::RULES,
        terraform::RULES,
        repository::RULES,
        auth::RULES,
    ]
    .into_iter()
    .flatten()
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
