//! Authentication wiring of paved-generated services (`PVD-AUTH-*`).
//!
//! These rules apply to repositories whose `.paved/answers.toml` names a blueprint
//! whose contract they know; elsewhere they report nothing. The rust-axum contract:
//!
//! - `src/auth/mod.rs` (or `src/auth.rs`) defines `pub async fn require_auth`, the
//!   axum middleware, and a literal allow-list of what it lets through without a
//!   verified identity: `pub const PUBLIC_PATHS: &[&str] = &["/healthz", "/readyz"];`
//!   or `pub const PUBLIC_ENDPOINTS: &[(Method, &str)] = &[(Method::GET, "/healthz"), …];`
//!   (each entry a path literal, or a tuple/struct with exactly one string literal);
//!   `require_auth` itself compares against no other path literal;
//! - `src/app.rs` defines `pub fn router(...)` whose returned builder chain applies
//!   `.layer(...)` (or `.route_layer(...)`) with an argument mentioning `require_auth`,
//!   directly or through a local variable, and adds no route (`route`, `route_service`,
//!   `merge`, `nest`, `nest_service`, `fallback`, `fallback_service`) after it;
//! - with `auth = "oidc-jwt"`, nothing under src/auth accepts HS256/HS384/HS512 or
//!   `none`, calls `Validation::default()` or disables signature validation
//!   (test-only code, `#[test]` and `#[cfg(test)]`, is ignored).
//!
//! Decisions worth knowing:
//! - `analysis` (a support module, no rule) reads the Rust sources with `syn`, parsed
//!   on a thread with a large stack after size and nesting limits, and caches the facts
//!   by content; `wiring` turns each framework's facts into what every rule reports, so
//!   a rule file only emits.
//! - Severity follows docs/drift.md's rubric: no middleware (001), a router without it
//!   (002) and a verifier accepting HMAC or `none` (005) let any outsider through to
//!   every request: critical. A route after the layer (003) or an extra public path
//!   (004) exposes what that route serves: direct × one workload, high. Wiring the audit
//!   cannot follow (006) only removes detection: medium.
//! - Parameters: `auth_public_paths` (PVD-AUTH-004, default `["/healthz", "/readyz"]`).

use crate::guardrails::declare::register;
use crate::guardrails::Domain;

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Auth;

mod analysis;
mod wiring;

register! {
    middleware_missing::MiddlewareMissing,
    router_unprotected::RouterUnprotected,
    route_after_layer::RouteAfterLayer,
    extra_public_paths::ExtraPublicPaths,
    weak_jwt_algorithms::WeakJwtAlgorithms,
    wiring_unverifiable::WiringUnverifiable,
}

#[cfg(test)]
mod tests;
