use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// Blueprint conformance cannot be checked
    ///
    /// ## Why it matters
    /// The repository records a blueprint (in .paved/answers.toml) that cannot be
    /// rendered: the file is malformed, the blueprint or the recorded version is not in
    /// the catalog, or the recorded answers no longer validate. Until it can be
    /// rendered, nobody can tell whether the managed files still carry the paved road's
    /// controls.
    ///
    /// ## How to fix it
    /// Run the audit with the catalog that holds the recorded blueprint version
    /// (--blueprints DIR or PAVED_BLUEPRINTS), fix .paved/answers.toml, or migrate the
    /// repository to an available blueprint version.
    ///
    /// ## Example
    /// ```toml
    /// # flagged: .paved/answers.toml names a blueprint the catalog does not hold
    /// [blueprint]
    /// id = "rust-grpc"
    /// version = "0.3.0"
    /// ```
    /// ```toml
    /// # .paved/answers.toml naming a blueprint and version the catalog holds
    /// [blueprint]
    /// id = "rust-axum"
    /// version = "1.1.0"
    /// ```
    pub struct BlueprintUnavailable {
        id: "PVD-BLUEPRINT-003",
        severity: Medium,
        references: [],
    }
}

impl EngineRule for BlueprintUnavailable {
    const RAISED_IN: &'static str = "src/drift/blueprint.rs";
}
