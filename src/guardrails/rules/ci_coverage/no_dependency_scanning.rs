use super::pipeline::judge;
use crate::guardrails::ci_tools::Category;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Pull-request pipeline runs no dependency scanning
    ///
    /// ## Why it matters
    /// Most exploitable vulnerabilities arrive through dependencies; software composition
    /// analysis flags known-vulnerable or disallowed packages before they merge.
    ///
    /// ## How to fix it
    /// Run cargo-deny / cargo-audit, osv-scanner, actions/dependency-review-action or an
    /// equivalent on pull requests. Tools recognised: param `ci_tools_sca`.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   sbom:
    ///     steps:
    ///       # flagged: an SBOM lists dependencies, it does not look for vulnerable ones
    ///       - run: trivy fs --format cyclonedx --output sbom.cdx.json .
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   sca:
    ///     steps:
    ///       - run: cargo deny --locked check advisories
    /// ```
    pub struct NoDependencyScanning {
        id: "PVD-CI-002",
        severity: Medium,
        references: ["owasp-top10:A06", "scorecard:Vulnerabilities"],
        params: ScaTools,
    }
}

params! {
    /// Parameters of PVD-CI-002.
    pub struct ScaTools {
        /// Tools that count as dependency (SCA) scanning in CI.
        ci_tools_sca: Vec<String> = Category::Sca.default_tools(),
    }
}

impl Check for NoDependencyScanning {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        judge(cx, out, Category::Sca, &cx.params::<ScaTools>().ci_tools_sca);
    }
}
