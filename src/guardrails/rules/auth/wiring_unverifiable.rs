use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// Authentication wiring cannot be verified
    ///
    /// ## Why it matters
    /// The audit proves authentication covers every route by reading the router and the
    /// middleware; when their structure departs from the blueprint's, nobody checks that a
    /// route has not slipped outside the middleware.
    ///
    /// ## How to fix it
    /// Keep the wiring in the blueprint's shape, or waive this rule with a reason after
    /// reviewing it by hand. rust-axum: `pub fn router` in src/app.rs as one builder chain
    /// (local variables and reassignments are fine) ending with the `require_auth` layer,
    /// and `PUBLIC_PATHS` (or `PUBLIC_ENDPOINTS`) as a literal list in src/auth/mod.rs.
    /// FastAPI: `create_app` in src/app/app.py constructing `FastAPI(...)` with the
    /// `AuthMiddleware`, and `PUBLIC_ENDPOINTS` as a literal set in
    /// src/app/auth/middleware.py. fastify: `buildApp` in src/app.ts calling
    /// `installAuthentication(app, ...)`, and `PUBLIC_ENDPOINTS` as a literal array in
    /// src/auth/hook.ts.
    ///
    /// ## Example
    /// ```rust
    /// // flagged: the router comes from a function the audit does not follow
    /// pub fn router(state: AppState) -> Router {
    ///     api::routes(state)
    /// }
    /// ```
    /// ```rust
    /// pub fn router(state: AppState) -> Router {
    ///     api::routes(state.clone())
    ///         .layer(middleware::from_fn_with_state(state, require_auth))
    /// }
    /// ```
    pub struct WiringUnverifiable {
        id: "PVD-AUTH-006",
        severity: Medium,
        references: [],
    }
}

impl Check for WiringUnverifiable {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).unverifiable {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
