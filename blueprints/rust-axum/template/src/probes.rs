//! The public liveness and readiness endpoints, the only routes served without
//! credentials (see `auth::PUBLIC_ENDPOINTS`).
//!
//! Managed by the blueprint, so that `paved drift` reports a readiness probe that no
//! longer waits for the service to be able to authenticate callers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// Liveness: the process answers. Never depends on anything outside it, so a
/// struggling identity provider does not get healthy instances restarted.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 503 until the service can authenticate callers (for `oidc-jwt`, until
/// the issuer's signing keys are loaded, and again if they grow too old), so the
/// load balancer sends no traffic that could only be refused.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.auth.is_ready() {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready" })),
        )
    }
}
