use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::params::params;
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::{wiring, Exemption};

rule! {
    /// Paths other than the health probes skip authentication
    ///
    /// ## Why it matters
    /// The middleware is deny-by-default with exactly /healthz and /readyz public; every
    /// other path exempted from it (metrics, debug, admin, internal) exposes data or
    /// operations to unauthenticated callers.
    ///
    /// ## How to fix it
    /// Keep `PUBLIC_PATHS` / `PUBLIC_ENDPOINTS` to the health and readiness probes and
    /// remove path special cases from `require_auth`; if the platform deliberately allows
    /// more, list them in the profile's `auth_public_paths` parameter.
    ///
    /// ## Example
    /// ```rust
    /// // flagged: /metrics is served without authentication
    /// pub const PUBLIC_PATHS: &[&str] = &["/healthz", "/readyz", "/metrics"];
    /// ```
    /// ```rust
    /// pub const PUBLIC_PATHS: &[&str] = &["/healthz", "/readyz"];
    /// ```
    pub struct ExtraPublicPaths {
        id: "PVD-AUTH-004",
        severity: High,
        references: ["owasp-top10:A01"],
        params: PublicPathParams,
    }
}

params! {
    /// Parameters of PVD-AUTH-004.
    pub struct PublicPathParams {
        /// Paths a generated service may serve without authentication.
        auth_public_paths: Vec<String> = vec!["/healthz".to_owned(), "/readyz".to_owned()],
    }
}

impl Check for ExtraPublicPaths {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        let allowed = cx.params::<PublicPathParams>().auth_public_paths;
        let is_allowed = |p: &str| allowed.iter().any(|a| a == p);
        for exemption in &wiring(cx.repo).exemptions {
            match exemption {
                Exemption::Listed {
                    file,
                    line,
                    list,
                    path,
                } => {
                    let at = Location {
                        file,
                        line: Some(*line),
                    };
                    match path {
                        Some(p) if is_allowed(p) => {}
                        Some(p) => out
                            .at(at)
                            .say(format!("`{list}` lets `{p}` through without authentication")),
                        None => out.at(at).say(format!(
                            "`{list}` entry is not a path literal, so what it lets through \
                             cannot be checked"
                        )),
                    }
                }
                Exemption::SpecialCase {
                    file,
                    line,
                    function,
                    path,
                } if !is_allowed(path) => {
                    out.at(Location {
                        file,
                        line: Some(*line),
                    })
                    .say(format!("`{function}` special-cases the path `{path}`"));
                }
                Exemption::SpecialCase { .. } => {}
                Exemption::OptOut { spot } => out.at(spot.location()).say(&spot.message),
            }
        }
    }
}
