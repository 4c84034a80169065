use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// Configuration written in Jsonnet, CUE or a template language is not audited
    ///
    /// ## Why it matters
    /// Jsonnet, CUE and templated manifests (`{{ … }}`, `*.yaml.j2`) become Kubernetes
    /// objects only when a tool evaluates them, so the guardrails cannot read them as
    /// they are and whatever they configure is unchecked.
    ///
    /// ## How to fix it
    /// Render them (`jsonnet -y main.jsonnet`, `tk show`, `cue export --out yaml`, the
    /// templating step of your pipeline) and pipe the result to `paved drift
    /// --manifests -`, then waive this finding with that reason.
    ///
    /// ## Example
    /// ```text
    /// # flagged: manifests that exist only once Jsonnet evaluates them
    /// deploy/main.jsonnet
    /// deploy/lib/app.libsonnet
    /// ```
    /// ```yaml
    /// # a CI step audits the evaluated manifests, and a waiver records it
    /// - run: jsonnet -y deploy/main.jsonnet | paved drift --manifests -
    /// ```
    pub struct RenderedSource {
        id: "PVD-AUDIT-004",
        severity: Low,
        references: [],
    }
}

impl EngineRule for RenderedSource {
    const RAISED_IN: &'static str = "src/drift/blind_spots.rs";
}
