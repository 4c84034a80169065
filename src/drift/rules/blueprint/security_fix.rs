use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A newer version of the repository's blueprint fixes a security problem
    ///
    /// ## Why it matters
    /// The blueprint's owners released a version whose release notes mark it as a
    /// security fix (a weakened control, a vulnerable pinned dependency, a missing
    /// check). Every service generated from an older version still carries the problem
    /// until it is updated.
    ///
    /// ## How to fix it
    /// Run `paved update` (or `paved update --to VERSION` with the version the message
    /// names) in the repository, resolve any conflict markers, run the service's tests
    /// and commit.
    ///
    /// ## Example
    /// ```toml
    /// # flagged: 1.1.0's release notes mark a security fix that 1.0.0 lacks
    /// [blueprint]
    /// id = "rust-axum"
    /// version = "1.0.0"
    /// ```
    /// ```toml
    /// # after `paved update --to 1.1.0`
    /// [blueprint]
    /// id = "rust-axum"
    /// version = "1.1.0"
    /// ```
    pub struct BlueprintSecurityFix {
        id: "PVD-BLUEPRINT-005",
        severity: Medium,
        references: ["owasp-top10:A06"],
    }
}

impl EngineRule for BlueprintSecurityFix {
    const RAISED_IN: &'static str = "src/drift/blueprint.rs";
}
