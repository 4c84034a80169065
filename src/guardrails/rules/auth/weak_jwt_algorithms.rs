use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// JWT verifier accepts symmetric or unsigned tokens
    ///
    /// ## Why it matters
    /// A verifier that accepts HS256/384/512 alongside an asymmetric issuer key is open to
    /// algorithm confusion (the public key becomes the HMAC secret), and one that accepts
    /// `none` or skips signature validation accepts forged tokens.
    ///
    /// ## How to fix it
    /// Accept only the issuer's asymmetric algorithms (RS256, ES256, …): build
    /// `Validation::new(alg)` with an explicit `algorithms` list and never call
    /// `insecure_disable_signature_validation`.
    ///
    /// ## Example
    /// ```rust
    /// // flagged: HS256 lets the issuer's public key act as an HMAC secret
    /// let mut validation = Validation::new(Algorithm::RS256);
    /// validation.algorithms = vec![Algorithm::RS256, Algorithm::HS256];
    /// ```
    /// ```rust
    /// let mut validation = Validation::new(Algorithm::RS256);
    /// validation.algorithms = vec![Algorithm::RS256];
    /// ```
    pub struct WeakJwtAlgorithms {
        id: "PVD-AUTH-005",
        severity: Critical,
        references: ["owasp-top10:A02", "owasp-top10:A07", "cwe:CWE-347"],
    }
}

impl Check for WeakJwtAlgorithms {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).weak {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
