use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// Authentication middleware is missing
    ///
    /// ## Why it matters
    /// The service was generated with authentication middleware that every request
    /// passes through; without `require_auth` nothing verifies callers, and every
    /// endpoint is open to anyone who can reach the service.
    ///
    /// ## How to fix it
    /// Restore the blueprint's authentication module (rust-axum: `pub async fn
    /// require_auth` in src/auth/mod.rs; FastAPI: `class AuthMiddleware` in
    /// src/app/auth/middleware.py; fastify: `installAuthentication` in src/auth/hook.ts;
    /// `paved drift` shows the blueprint's version as a diff) and apply it to the whole
    /// application.
    ///
    /// ## Example
    /// ```rust
    /// // flagged: src/auth/mod.rs was deleted, so nothing defines `require_auth`
    /// pub fn router(state: AppState) -> Router {
    ///     Router::new().route("/v1/whoami", get(whoami)).with_state(state)
    /// }
    /// ```
    /// ```rust
    /// // src/auth/mod.rs
    /// pub async fn require_auth(State(s): State<AppState>, req: Request, next: Next) -> Response {
    ///     // verify the bearer token, then `next.run(req).await`
    /// }
    /// ```
    pub struct MiddlewareMissing {
        id: "PVD-AUTH-001",
        severity: Critical,
        references: ["owasp-top10:A01", "owasp-top10:A07"],
    }
}

impl Check for MiddlewareMissing {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).missing {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
