use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A newer version of the repository's blueprint exists
    ///
    /// ## Why it matters
    /// Blueprint releases carry security fixes and new controls (scanner updates,
    /// tighter defaults). Repositories that stay on an old version miss them.
    ///
    /// ## How to fix it
    /// Read the release notes in the message and run `paved update` in the repository:
    /// it merges the newer version into the managed files, keeps your edits, and leaves
    /// conflict markers where both changed the same lines.
    ///
    /// ## Example
    /// ```toml
    /// # flagged: .paved/answers.toml records 1.0.0 while the catalog has 1.1.0
    /// [blueprint]
    /// id = "rust-axum"
    /// version = "1.0.0"
    /// ```
    /// ```toml
    /// # after `paved update`
    /// [blueprint]
    /// id = "rust-axum"
    /// version = "1.1.0"
    /// ```
    pub struct BlueprintNewer {
        id: "PVD-BLUEPRINT-004",
        severity: Info,
        references: [],
    }
}

impl EngineRule for BlueprintNewer {
    const RAISED_IN: &'static str = "src/drift/blueprint.rs";
}
