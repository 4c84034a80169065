use crate::guardrails::declare::{rule, EngineRule};
use crate::guardrails::params::params;

rule! {
    /// The waivers file or one of its waivers is malformed
    ///
    /// ## Why it matters
    /// A waiver that cannot be read is ignored, so the findings it meant to waive are
    /// reported, and a waiver without reason, owner or expiry date is a permanent,
    /// unaccountable exception.
    ///
    /// ## How to fix it
    /// Each `[[waiver]]` in .paved/waivers.toml needs `rule` (an id from `paved
    /// rules`), `path` (a glob relative to the repository root), `reason`, `owner` and
    /// `expires = YYYY-MM-DD` within the profile's max_waiver_days.
    ///
    /// ## Example
    /// ```toml
    /// # flagged: no owner and no expiry date
    /// [[waiver]]
    /// rule = "PVD-DOCKER-003"
    /// path = "Dockerfile"
    /// reason = "Base image has no digest-pinned release yet"
    /// ```
    /// ```toml
    /// [[waiver]]
    /// rule = "PVD-DOCKER-003"
    /// path = "Dockerfile"
    /// reason = "Base image has no digest-pinned release yet"
    /// owner = "@acme/platform"
    /// expires = 2026-09-30
    /// ```
    pub struct WaiverInvalid {
        id: "PVD-WAIVER-002",
        severity: Medium,
        references: [],
        params: WaiverParams,
    }
}

params! {
    /// Parameters of PVD-WAIVER-002.
    pub struct WaiverParams {
        /// Longest a waiver may run from today; 0 means no limit
        max_waiver_days: i64 = 0,
    }
}

impl EngineRule for WaiverInvalid {
    const RAISED_IN: &'static str = "src/drift/waivers/mod.rs";
}
