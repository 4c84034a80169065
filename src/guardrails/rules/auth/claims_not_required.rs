use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// JWT verifier does not require expiry, issuer and audience
    ///
    /// ## Why it matters
    /// A signature only says the issuer minted the token, not for whom or until when.
    /// A verifier that does not check `aud` accepts tokens the same issuer minted for
    /// any other service (one leaked or malicious client's token opens this one), one
    /// that does not check `iss` trusts whoever controls the key set's keys for any
    /// issuer, and one that does not require `exp` accepts a token without an expiry
    /// forever. The blueprints require `exp`, `iss` and `aud` and check the last two
    /// against `AUTH_ISSUER` and `AUTH_AUDIENCE`.
    ///
    /// ## How to fix it
    /// Give the verifier the expected issuer and audience and make the claims
    /// mandatory: jsonwebtoken `set_issuer`, `set_audience` and
    /// `set_required_spec_claims(&["exp", "iss", "aud", "sub"])` with `validate_exp`
    /// and `validate_aud` left on; PyJWT `issuer=`, `audience=` and
    /// `options={"require": ["exp", "iss", "aud", "sub"]}` without `verify_exp`/
    /// `verify_aud` set to `False`; jose `jwtVerify(..., { issuer, audience,
    /// requiredClaims: ["exp", ...] })`.
    ///
    /// ## Example
    /// ```python
    /// # flagged: any audience, and tokens without `exp`
    /// claims = jwt.decode(token, key, algorithms=["RS256"], issuer=iss,
    ///                     options={"require": ["iss", "sub"]})
    /// ```
    /// ```python
    /// claims = jwt.decode(token, key, algorithms=["RS256"], issuer=iss, audience=aud,
    ///                     options={"require": ["exp", "iss", "aud", "sub"]})
    /// ```
    pub struct ClaimsNotRequired {
        id: "PVD-AUTH-009",
        severity: High,
        references: ["owasp-top10:A07", "cwe:CWE-345", "cwe:CWE-613"],
    }
}

impl Check for ClaimsNotRequired {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).claims {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
