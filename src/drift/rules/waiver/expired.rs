use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A waiver has expired
    ///
    /// ## Why it matters
    /// Waivers are promises to fix something by a date. An expired waiver no longer
    /// hides its finding (the finding is reported again), and the expiry itself shows
    /// the promise was not kept.
    ///
    /// ## How to fix it
    /// Fix the waived finding and delete the waiver, or, with the owner's agreement,
    /// renew it with a new `expires` date and an updated reason in .paved/waivers.toml.
    ///
    /// ## Example
    /// ```toml
    /// # flagged: .paved/waivers.toml, audited after 2025-03-31
    /// [[waiver]]
    /// rule = "PVD-DOCKER-003"
    /// path = "Dockerfile"
    /// reason = "Base image has no digest-pinned release yet"
    /// owner = "@acme/platform"
    /// expires = 2025-03-31
    /// ```
    /// ```toml
    /// # the finding is fixed and the waiver deleted, or renewed with the owner's agreement
    /// [[waiver]]
    /// rule = "PVD-DOCKER-003"
    /// path = "Dockerfile"
    /// reason = "Vendor publishes digests from 2026-09; tracked in PLAT-412"
    /// owner = "@acme/platform"
    /// expires = 2026-09-30
    /// ```
    pub struct WaiverExpired {
        id: "PVD-WAIVER-001",
        severity: Medium,
        references: ["trivy:ignore-expiry"],
    }
}

impl EngineRule for WaiverExpired {
    const RAISED_IN: &'static str = "src/drift/waivers/mod.rs";
}
