use crate::guardrails::declare::{rule, EngineRule};

rule! {
    /// An inline suppression is used where the profile forbids them
    ///
    /// ## Why it matters
    /// An inline suppression (`# checkov:skip=…`, `# nosec`, `# zizmor: ignore[…]`) is
    /// an exception without an owner or an end date, written next to the code by
    /// whoever wanted the check gone. Profiles that require accountable exceptions
    /// forbid them (`[waivers] inline = "forbid"`), and so does `paved drift
    /// --forbid-inline-waivers` under any profile: the suppression then waives nothing
    /// and the finding it hid is reported too.
    ///
    /// ## How to fix it
    /// Fix the finding and delete the comment, or replace the comment with a
    /// `[[waiver]]` in .paved/waivers.toml (rule, path, reason, owner, expires).
    ///
    /// ## Example
    /// ```dockerfile
    /// # flagged under a profile with [waivers] inline = "forbid"
    /// # hadolint ignore=DL3007
    /// FROM alpine:latest
    /// ```
    /// ```toml
    /// # .paved/waivers.toml: the exception, with an owner and an expiry
    /// [[waiver]]
    /// rule = "PVD-DOCKER-002"
    /// path = "Dockerfile"
    /// reason = "Upstream publishes no versioned tag yet; tracked in PLAT-97"
    /// owner = "@acme/platform"
    /// expires = 2026-09-30
    /// ```
    pub struct InlineSuppressionForbidden {
        id: "PVD-WAIVER-004",
        severity: Medium,
        references: [],
    }
}

impl EngineRule for InlineSuppressionForbidden {
    const RAISED_IN: &'static str = "src/drift/waivers/mod.rs";
}
