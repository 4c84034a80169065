use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A file the blueprint manages differs from what it renders
    ///
    /// ## Why it matters
    /// Managed files (CI pipeline, Dockerfile, Kubernetes and Terraform baselines, auth
    /// middleware) carry the paved road's security controls. A local edit can silently
    /// remove a control, and it stops the repository from receiving fixes when the
    /// blueprint is updated.
    ///
    /// ## How to fix it
    /// Review the diff. If the change is unintended, run `paved update --restore FILE`
    /// in the repository: it puts the file back to what the recorded blueprint version
    /// renders with the recorded answers (without FILE, every managed file). If the
    /// change is needed, propose it to the blueprint's owners, or waive it in
    /// .paved/waivers.toml with a reason and an expiry.
    ///
    /// ## Example
    /// ```text
    /// # flagged: .github/workflows/ci.yml no longer matches what the blueprint renders
    /// --- blueprint
    /// +++ repository
    ///        - run: cargo test --locked
    /// -      - run: cargo deny check
    /// ```
    /// ```sh
    /// # fixed: the file is back to what the recorded blueprint version renders
    /// paved update --restore .github/workflows/ci.yml
    /// ```
    pub struct BlueprintChanged {
        id: "PVD-BLUEPRINT-001",
        severity: High,
        references: ["owasp-top10:A05"],
    }
}

impl EngineRule for BlueprintChanged {
    const RAISED_IN: &'static str = "src/drift/blueprint.rs";
}
