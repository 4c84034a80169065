use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::{wiring, MAX_LEEWAY_SECONDS};

rule! {
    /// JWT verifier tolerates more than 60 seconds of clock skew
    ///
    /// ## Why it matters
    /// The leeway is how long after `exp` (and before `nbf`) a token is still accepted.
    /// The blueprints allow 60 s for clock drift; a larger allowance keeps a leaked or
    /// revoked-by-expiry token usable for longer, widening what a token thief gets.
    ///
    /// ## How to fix it
    /// Keep the leeway at 60 seconds or less (rust-axum `validation.leeway`, PyJWT
    /// `leeway=`, jose `clockTolerance`) and fix clock drift with NTP instead.
    ///
    /// ## Example
    /// ```python
    /// # flagged: expired tokens stay valid for ten minutes
    /// claims = jwt.decode(token, key, algorithms=["RS256"], audience=aud, leeway=600)
    /// ```
    /// ```python
    /// claims = jwt.decode(token, key, algorithms=["RS256"], audience=aud, leeway=60)
    /// ```
    pub struct LeewayTooLong {
        id: "PVD-AUTH-007",
        severity: Low,
        references: ["owasp-top10:A07", "cwe:CWE-613"],
    }
}

impl Check for LeewayTooLong {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for l in &wiring(cx.repo).leeway {
            if l.seconds > MAX_LEEWAY_SECONDS {
                out.at(Location {
                    file: &l.file,
                    line: Some(l.line),
                })
                .say(format!(
                    "{} lets tokens through {} s after they expire (more than {MAX_LEEWAY_SECONDS} s)",
                    l.what, l.seconds
                ));
            }
        }
    }
}
