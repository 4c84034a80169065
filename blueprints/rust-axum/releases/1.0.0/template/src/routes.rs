//! Endpoints. Add yours to `api()`: every route is behind authentication unless it is
//! one of the public health endpoints (see `auth::PUBLIC_ENDPOINTS`).

use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Identity;

/// Liveness and readiness probes: the only routes reachable without credentials.
pub fn public() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The service's API. The caller's verified identity is in the `Identity` extension.
pub fn api() -> Router<AppState> {
    Router::new().route("/v1/whoami", get(whoami))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz() -> Json<Value> {
    Json(json!({ "status": "ready" }))
}

async fn whoami(Extension(identity): Extension<Identity>) -> Json<Value> {
    Json(json!({ "sub": identity.sub }))
}
