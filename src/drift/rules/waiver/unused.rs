use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// A waiver matches no finding
    ///
    /// ## Why it matters
    /// A waiver that matches nothing is either stale (the problem was fixed) or has a
    /// typo in its rule or path and so does not waive what its author thinks it does.
    ///
    /// ## How to fix it
    /// Remove the waiver if the finding is fixed; otherwise correct its `rule` or
    /// `path` glob.
    ///
    /// ## Example
    /// ```toml
    /// # flagged: the Dockerfile is at docker/Dockerfile, so this path matches nothing
    /// [[waiver]]
    /// rule = "PVD-DOCKER-003"
    /// path = "Dockerfile"
    /// reason = "Base image has no digest-pinned release yet"
    /// owner = "@acme/platform"
    /// expires = 2026-09-30
    /// ```
    /// ```toml
    /// [[waiver]]
    /// rule = "PVD-DOCKER-003"
    /// path = "docker/Dockerfile"
    /// reason = "Base image has no digest-pinned release yet"
    /// owner = "@acme/platform"
    /// expires = 2026-09-30
    /// ```
    pub struct WaiverUnused {
        id: "PVD-WAIVER-003",
        severity: Info,
        references: [],
    }
}

impl EngineRule for WaiverUnused {
    const RAISED_IN: &'static str = "src/drift/waivers/mod.rs";
}
