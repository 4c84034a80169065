use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A configuration file could not be parsed, so no guardrail checked it
    ///
    /// ## Why it matters
    /// A Dockerfile, workflow, manifest or Terraform file that the auditor cannot parse
    /// is a blind spot: whatever it configures is unchecked, and a deliberately
    /// malformed file is a way to hide a misconfiguration.
    ///
    /// ## How to fix it
    /// Fix the syntax error named in the message (the file's own tooling, such as
    /// `terraform validate`, `actionlint` or `kubectl --dry-run=client`, reports it
    /// too).
    ///
    /// ## Example
    /// ```yaml
    /// # flagged: the flow sequence is never closed, so the workflow does not parse
    /// on:
    ///   push:
    ///     branches: [main
    /// ```
    /// ```yaml
    /// on:
    ///   push:
    ///     branches: [main]
    /// ```
    pub struct Unparsed {
        id: "PVD-AUDIT-001",
        severity: Low,
        references: [],
    }
}

impl EngineRule for Unparsed {
    const RAISED_IN: &'static str = "src/drift/mod.rs";
}
