//! What the Azure and Google Cloud rule tests share: every Terraform rule (AWS,
//! Azure, Google Cloud) run on one file, so a provider's edge cases also show that
//! the other providers' rules stay quiet on them.

use crate::guardrails::{check_all, rules, Domain, Params, RepoModel};

/// `(rule, line, message)` of every finding on `tf` (as `infra/main.tf`, which must
/// parse without warnings), in rule order.
pub fn run(tf: &str) -> Vec<(&'static str, u32, String)> {
    let m = RepoModel::from_memory(&[("infra/main.tf", tf)]);
    assert!(
        m.model().parse_warnings().is_empty(),
        "{:?}",
        m.model().parse_warnings()
    );
    let terraform = rules::all().filter(|r| r.meta.domain == Domain::Terraform);
    check_all(&m, &Params::default(), terraform)
        .into_iter()
        .map(|h| (h.rule, h.line.unwrap_or(0), h.message))
        .collect()
}

/// Lines of the findings of the rule `id`.
pub fn of(id: &str, tf: &str) -> Vec<u32> {
    run(tf)
        .into_iter()
        .filter(|(r, _, _)| *r == id)
        .map(|(_, l, _)| l)
        .collect()
}
