use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// The repository's security context is malformed
    ///
    /// ## Why it matters
    /// Exposure and data classification (from .paved/answers.toml or
    /// .paved/context.toml) decide how severe findings are. When they cannot be read,
    /// findings are reported at their default severity, which understates them for
    /// internet-facing services or sensitive data.
    ///
    /// ## How to fix it
    /// Set `exposure` to internet or internal and `data_classification` to public,
    /// internal, confidential or pii in .paved/context.toml (or in the answers of
    /// .paved/answers.toml).
    ///
    /// ## Example
    /// ```toml
    /// # flagged: .paved/context.toml with a value paved does not know
    /// exposure = "public"
    /// data_classification = "secret"
    /// ```
    /// ```toml
    /// exposure = "internet"
    /// data_classification = "confidential"
    /// ```
    pub struct ContextInvalid {
        id: "PVD-CONTEXT-001",
        severity: Low,
        references: [],
    }
}

impl EngineRule for ContextInvalid {
    const RAISED_IN: &'static str = "src/drift/context.rs";
}
