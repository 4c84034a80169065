use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// API key compared in variable time
    ///
    /// ## Why it matters
    /// `==` (and `Buffer.equals`) stops at the first differing byte, so how long a
    /// rejection takes tells a caller how much of its guess was right. Repeated over
    /// many requests, that recovers the stored value byte by byte. The blueprints hash
    /// the presented key and compare digests in constant time for this reason.
    ///
    /// ## How to fix it
    /// Compare the digests with the language's constant-time comparison: Python
    /// `hmac.compare_digest`, Node `crypto.timingSafeEqual`, Rust `subtle`'s
    /// `ConstantTimeEq::ct_eq`; and keep comparing every configured key, without an
    /// early exit.
    ///
    /// ## Example
    /// ```python
    /// # flagged: returns sooner the earlier the digests differ
    /// if presented == digest:
    ///     return principal
    /// ```
    /// ```python
    /// if hmac.compare_digest(presented, digest):
    ///     return principal
    /// ```
    pub struct VariableTimeComparison {
        id: "PVD-AUTH-010",
        severity: Medium,
        references: ["owasp-top10:A07", "cwe:CWE-208"],
    }
}

impl Check for VariableTimeComparison {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).variable_time {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
