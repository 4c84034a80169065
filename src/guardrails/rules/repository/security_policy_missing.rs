use std::path::Path;

use paved_model::repo::security_policy;
use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// No security policy (SECURITY.md)
    ///
    /// ## Why it matters
    /// Without a security policy, whoever finds a vulnerability has no private way to
    /// report it and may open a public issue or say nothing: the flaw stays exploitable
    /// for longer and is disclosed before a fix exists.
    ///
    /// ## How to fix it
    /// Add SECURITY.md at the repository root, in .github/ or in docs/, saying how to
    /// report a vulnerability privately (an e-mail address or the GitHub security
    /// advisories link) and what reporters can expect.
    ///
    /// ## Example
    /// ```text
    /// # flagged: no SECURITY.md at the root, in .github/ or in docs/
    /// README.md
    /// src/main.rs
    /// ```
    /// ```text
    /// README.md
    /// SECURITY.md      # "Report vulnerabilities to security@acme.example"
    /// src/main.rs
    /// ```
    pub struct SecurityPolicyMissing {
        id: "PVD-REPO-001",
        severity: Low,
        references: ["scorecard:Security-Policy", "allstar:security"],
    }
}

impl Check for SecurityPolicyMissing {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        if security_policy(cx.repo.model()).is_none() {
            out.at(Location::file(Path::new("SECURITY.md")))
                .say("no SECURITY.md at the root, in .github/ or in docs/");
        }
    }
}
