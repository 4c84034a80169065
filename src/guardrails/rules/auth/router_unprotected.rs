use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// Router does not apply the authentication middleware
    ///
    /// ## Why it matters
    /// axum applies middleware only where `.layer()` adds it; a router without the
    /// `require_auth` layer serves every route to unauthenticated callers.
    ///
    /// ## How to fix it
    /// Apply the authentication to the application as a whole, after every route is
    /// added: in rust-axum end the builder chain of `router()` in src/app.rs with
    /// `.layer(middleware::from_fn_with_state(state, require_auth))`; in FastAPI pass
    /// `Middleware(AuthMiddleware, ...)` in `FastAPI(middleware=[...])` (or call
    /// `app.add_middleware(AuthMiddleware, ...)`); in fastify call
    /// `installAuthentication(app, ...)` on the root instance, outside any plugin.
    ///
    /// ## Example
    /// ```rust
    /// // flagged: no layer applies `require_auth`
    /// pub fn router(state: AppState) -> Router {
    ///     Router::new().route("/v1/whoami", get(whoami)).with_state(state)
    /// }
    /// ```
    /// ```rust
    /// pub fn router(state: AppState) -> Router {
    ///     Router::new()
    ///         .route("/v1/whoami", get(whoami))
    ///         .layer(middleware::from_fn_with_state(state.clone(), require_auth))
    ///         .with_state(state)
    /// }
    /// ```
    pub struct RouterUnprotected {
        id: "PVD-AUTH-002",
        severity: Critical,
        references: ["owasp-top10:A01", "owasp-top10:A07"],
    }
}

impl Check for RouterUnprotected {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).unprotected {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
