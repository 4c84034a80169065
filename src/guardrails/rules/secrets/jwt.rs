use paved_model::secrets::{base64_decode, is_lockfile, mask, JWT_TOKEN};

use super::scan::{scanned, PerValue, SecretParams};
use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

rule! {
    /// JSON Web Token committed
    ///
    /// ## Why it matters
    /// A committed JWT with real claims is a bearer credential until it expires
    /// (some never do), and its claims reveal issuers, audiences and identities.
    ///
    /// ## How to fix it
    /// Remove the token; generate test tokens at test time with a throwaway key,
    /// and make sure the issuer did not accept it (revoke the session or rotate
    /// the signing key if it was long-lived).
    ///
    /// ## Example
    /// ```python
    /// # flagged: a token issued by the real identity provider
    /// TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2xvZ2lu…"
    /// ```
    /// ```python
    /// TOKEN = make_test_token(issuer="https://issuer.test", key=throwaway_key())
    /// ```
    pub struct Jwt {
        id: "PVD-SECRET-005",
        severity: Low,
        references: ["checkov:CKV_SECRET_9", "trivy:jwt-token", "gitleaks:jwt"],
        params: SecretParams,
    }
}

/// Whether a JWT payload carries real-looking claims (and is not the jwt.io sample).
fn real_jwt_payload(payload: &str) -> bool {
    let Some(bytes) = base64_decode(payload) else {
        return false;
    };
    let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice::<serde_json::Value>(&bytes)
    else {
        return false;
    };
    let has_claims = ["iss", "sub", "aud", "exp", "iat", "azp", "email"]
        .iter()
        .any(|k| claims.contains_key(*k));
    let sample = claims.get("sub").and_then(|v| v.as_str()) == Some("1234567890");
    let placeholder = claims
        .values()
        .filter_map(|v| v.as_str())
        .any(is_placeholder_claim);
    has_claims && !sample && !placeholder
}

fn is_placeholder_claim(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    lower.contains("example") || lower.contains("test") || lower.contains("dummy")
}

impl Check for Jwt {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for s in scanned(cx) {
            let (f, text) = (s.file, s.text);
            if is_lockfile(f.file_name()) || !s.may_match(&JWT_TOKEN) {
                continue;
            }
            let mut found = PerValue::new(f, text);
            for c in JWT_TOKEN.regex().captures_iter(text) {
                let (Some(whole), Some(payload)) = (c.get(0), c.get(1)) else {
                    continue;
                };
                if !real_jwt_payload(payload.as_str()) {
                    continue;
                }
                found.add(whole.as_str(), whole.start(), || {
                    format!(
                        "JSON Web Token with real-looking claims {}",
                        mask(whole.as_str())
                    )
                });
            }
            found.emit(out);
        }
    }
}
