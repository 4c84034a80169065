use paved_model::repo::security_policy;
use paved_model::Location;
use paved_model::pattern::Gated;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// Security policy gives no way to report a vulnerability
    ///
    /// ## Why it matters
    /// A SECURITY.md without an e-mail address, a URL or a security advisories link
    /// leaves reporters with public issues as the only channel.
    ///
    /// ## How to fix it
    /// Name a private disclosure channel in SECURITY.md: a monitored e-mail address
    /// (security@…), a bug bounty or intake URL, or
    /// https://github.com/OWNER/REPO/security/advisories/new.
    ///
    /// ## Example
    /// ```markdown
    /// <!-- flagged: no e-mail address, URL or advisories link -->
    /// # Security
    /// Please tell us about vulnerabilities.
    /// ```
    /// ```markdown
    /// # Security
    /// Report vulnerabilities to security@acme.example (we answer within two days).
    /// ```
    pub struct SecurityPolicyNoContact {
        id: "PVD-REPO-002",
        severity: Low,
        references: ["scorecard:Security-Policy", "allstar:security"],
    }
}

// Each compiled only for a policy holding the literal every match contains.
static EMAIL: Gated = Gated::new(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    &["@"],
);
static URL: Gated = Gated::new(r"https?://[^\s<>()\[\]]+", &["http://", "https://"]);

fn has_contact(text: &str) -> bool {
    EMAIL.is_match(text) || URL.is_match(text) || text.contains("security/advisories")
}

impl Check for SecurityPolicyNoContact {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // No policy at all is PVD-REPO-001's business.
        let Some(policy) = security_policy(cx.repo.model()) else {
            return;
        };
        let at = Location::file(&policy.path);
        match &policy.text {
            Some(text) if has_contact(text) => {}
            Some(_) => out.at(at).say(
                "the security policy names no e-mail address, URL or security advisories link",
            ),
            None => out
                .at(at)
                .say("the security policy is not readable text, so no contact can be found in it"),
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::guardrails::gate_samples::{assert_same_matches, texts};

    /// The needles of each pattern are literals all its matches contain.
    #[test]
    fn gates_keep_every_match() {
        let texts = texts(&["mail security@example.com", "see https://example.com/report", "http://x"]);
        let n: usize = [&EMAIL, &URL]
            .iter()
            .map(|g| assert_same_matches(g, &texts))
            .sum();
        assert!(n >= 3, "{n}");
    }
}
