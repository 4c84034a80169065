//! Rules the drift engine raises itself: blueprint conformance, waivers, the
//! repository's security context and the audit's blind spots. Each is a type in its
//! own file, declared with `rule!` like every guardrail rule (its doc comment is its
//! documentation, its parameters are typed), so `paved rules`, `paved explain`,
//! docs/rules.md, the SARIF rule help, the policy and the reports treat every finding
//! alike. What differs is who finds the problem: not a pure check over the parsed
//! model but the engine module that sees the blueprint catalog, today's date, the
//! profile or the parsers' failures, so each implements `EngineRule` (naming that
//! module) instead of `Check`, and the engine emits `Hit { rule: WaiverExpired::ID, … }`.
//!
//! ```text
//! rules/blueprint/   PVD-BLUEPRINT-*   raised by drift::blueprint
//! rules/waiver/      PVD-WAIVER-*      raised by drift::waivers
//! rules/context/     PVD-CONTEXT-*     raised by drift::context
//! rules/audit/       PVD-AUDIT-*       raised by drift (parse failures) and drift::blind_spots
//! ```

pub mod audit;
pub mod blueprint;
pub mod context;
pub mod waiver;

use std::sync::LazyLock;

use crate::guardrails::Rule;

static ENGINE: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        blueprint::rules(),
        waiver::rules(),
        context::rules(),
        audit::rules(),
    ]
    .concat()
});

/// The rules the engine raises, in catalog order.
pub fn engine() -> &'static [Rule] {
    &ENGINE
}

/// Every rule `paved rules` lists and a profile may name: the guardrail rules, then
/// the engine's own.
pub fn catalog() -> impl Iterator<Item = &'static Rule> {
    crate::guardrails::rules::all().chain(engine())
}

/// The rule with this id (case-insensitive).
pub fn find(id: &str) -> Option<&'static Rule> {
    catalog().find(|r| r.meta.id.eq_ignore_ascii_case(id))
}

/// The metadata of a rule the engine emits. Panics on an id not in the catalog,
/// which is a programming error caught by the tests.
pub fn meta(id: &str) -> &'static crate::guardrails::RuleMeta {
    &find(id)
        .unwrap_or_else(|| panic!("rule {id} is not in the catalog"))
        .meta
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::declare::Declared;
    use std::collections::HashSet;

    #[test]
    fn catalog_ids_are_unique_and_documented() {
        let re = regex::Regex::new(r"^PVD-[A-Z0-9]+-\d{3}$").unwrap();
        let mut seen = HashSet::new();
        for rule in catalog() {
            let m = &rule.meta;
            assert!(re.is_match(m.id), "{}", m.id);
            assert!(seen.insert(m.id), "{} is defined twice", m.id);
            assert!(!m.title.ends_with('.'), "{}", m.id);
            assert!(
                m.rationale.len() > 20 && m.remediation.len() > 10,
                "{}",
                m.id
            );
        }
        assert_eq!(
            find("pvd-waiver-001").unwrap().meta.id,
            waiver::WaiverExpired::ID
        );
    }

    #[test]
    fn engine_rules_are_documented_and_raised_where_they_say() {
        let raised = [
            blueprint::RAISED,
            waiver::RAISED,
            context::RAISED,
            audit::RAISED,
        ]
        .concat();
        assert_eq!(raised.len(), engine().len());
        for rule in engine() {
            let m = &rule.meta;
            assert!(rule.check.is_none(), "{} has a check", m.id);
            assert!(
                m.example.is_some() && !m.rationale.starts_with("malformed doc comment"),
                "{} ({}): {}",
                m.id,
                m.source.unwrap_or_default(),
                m.rationale
            );
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (ty, id, module) in raised {
            let code = std::fs::read_to_string(root.join(module))
                .unwrap_or_else(|e| panic!("{id}: RAISED_IN {module}: {e}"));
            assert!(
                code.contains(&format!("{ty}::ID")),
                "{id}: {module} does not raise it (no `{ty}::ID`)"
            );
        }
    }
}
