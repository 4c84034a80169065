use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A Helm chart is not audited until it is rendered
    ///
    /// ## Why it matters
    /// A chart's templates are Go templates, not Kubernetes manifests: what they deploy
    /// (privileged containers, host mounts, RBAC, public Services) is only known once
    /// `helm template` fills in the values. Skipping them silently would report a
    /// chart-only repository as clean.
    ///
    /// ## How to fix it
    /// Render the chart with the values you deploy with and audit the result: `helm
    /// template CHART -f values.yaml | paved drift --manifests -` (or `helm template
    /// CHART --output-dir DIR` and `paved drift --manifests DIR`), for example as a CI
    /// step beside the repository audit. Then waive this finding in .paved/waivers.toml
    /// with that reason.
    ///
    /// ## Example
    /// ```text
    /// # flagged: a chart whose templates are only known once rendered
    /// charts/app/Chart.yaml
    /// charts/app/values.yaml
    /// charts/app/templates/deployment.yaml
    /// ```
    /// ```yaml
    /// # a CI step audits the render, and a waiver records it
    /// - run: helm template charts/app -f deploy/values-prod.yaml | paved drift --manifests -
    /// ```
    pub struct HelmChart {
        id: "PVD-AUDIT-002",
        severity: Low,
        references: [],
    }
}

impl EngineRule for HelmChart {
    const RAISED_IN: &'static str = "src/drift/blind_spots.rs";
}
