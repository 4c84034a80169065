use super::pipeline::judge;
use crate::guardrails::ci_tools::Category;
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// CI generates no SBOM
    ///
    /// ## Why it matters
    /// Without a software bill of materials nobody can answer 'are we affected?' quickly
    /// when the next vulnerable library is announced.
    ///
    /// ## How to fix it
    /// Generate an SBOM in CI with anchore/sbom-action, syft, cargo-cyclonedx or trivy
    /// --format cyclonedx. Tools recognised: param `ci_tools_sbom`.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   build:
    ///     steps:
    ///       # flagged: nothing records what went into the build
    ///       - run: cargo build --release --locked
    /// ```
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   build:
    ///     steps:
    ///       - run: cargo build --release --locked
    ///       - run: syft . -o cyclonedx-json=sbom.cdx.json
    /// ```
    pub struct NoSbom {
        id: "PVD-CI-006",
        severity: Low,
        references: ["scorecard:SBOM", "checkov:CKV_GHA_6"],
        params: SbomTools,
    }
}

params! {
    /// Parameters of PVD-CI-006.
    pub struct SbomTools {
        /// Tools that count as SBOM generation in CI.
        ci_tools_sbom: Vec<String> = Category::Sbom.default_tools(),
    }
}

impl Check for NoSbom {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        judge(cx, out, Category::Sbom, &cx.params::<SbomTools>().ci_tools_sbom);
    }
}
