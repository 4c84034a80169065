use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A file the blueprint manages has been deleted
    ///
    /// ## Why it matters
    /// A deleted managed file usually means a security control is gone: the scanning
    /// workflow, the NetworkPolicy, the .dockerignore or the SECURITY.md that tells
    /// researchers where to report.
    ///
    /// ## How to fix it
    /// Run `paved update --restore FILE` in the repository to put the file back as the
    /// blueprint version recorded in .paved/answers.toml renders it, or waive it with a
    /// reason if the service genuinely does not need it.
    ///
    /// ## Example
    /// ```text
    /// # flagged: .paved/answers.toml records the blueprint, but .dockerignore is gone
    /// .paved/answers.toml
    /// Dockerfile
    /// src/main.rs
    /// ```
    /// ```sh
    /// # fixed: the managed file is rendered again
    /// paved update --restore .dockerignore
    /// ```
    pub struct BlueprintMissing {
        id: "PVD-BLUEPRINT-002",
        severity: High,
        references: ["owasp-top10:A05"],
    }
}

impl EngineRule for BlueprintMissing {
    const RAISED_IN: &'static str = "src/drift/blueprint.rs";
}
