use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::wiring::wiring;

rule! {
    /// Route added after the authentication layer
    ///
    /// ## Why it matters
    /// An axum layer wraps only the routes added before it: a route, merged or nested
    /// router or fallback added after the `require_auth` layer is served without
    /// authentication.
    ///
    /// ## How to fix it
    /// Move the route before `.layer(...require_auth...)`; if it must be public, add its
    /// path to the `PUBLIC_PATHS` allow-list deliberately (and expect PVD-AUTH-004 to ask
    /// why).
    ///
    /// ## Example
    /// ```rust
    /// // flagged: /debug is added after the layer
    /// Router::new()
    ///     .route("/v1/whoami", get(whoami))
    ///     .layer(middleware::from_fn_with_state(state.clone(), require_auth))
    ///     .route("/debug", get(debug))
    /// ```
    /// ```rust
    /// Router::new()
    ///     .route("/v1/whoami", get(whoami))
    ///     .route("/debug", get(debug))
    ///     .layer(middleware::from_fn_with_state(state.clone(), require_auth))
    /// ```
    pub struct RouteAfterLayer {
        id: "PVD-AUTH-003",
        severity: High,
        references: ["owasp-top10:A01"],
    }
}

impl Check for RouteAfterLayer {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        for spot in &wiring(cx.repo).outside {
            out.at(spot.location()).say(&spot.message);
        }
    }
}
