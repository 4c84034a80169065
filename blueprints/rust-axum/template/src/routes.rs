//! Endpoints. Add yours to `api()`: every route is behind authentication (the public
//! health endpoints live in `probes.rs`). A route that needs a scope adds
//! `require_scope`, as `/v1/admin` does.

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{Identity, require_scope};

/// The scope `GET /v1/admin` requires.
pub const ADMIN_SCOPE: &str = "admin";

/// The service's API. The caller's verified identity is in the `Identity` extension.
pub fn api() -> Router<AppState> {
    Router::new().route("/v1/whoami", get(whoami)).route(
        "/v1/admin",
        get(admin).layer(from_fn_with_state(ADMIN_SCOPE, require_scope)),
    )
}

async fn whoami(Extension(identity): Extension<Identity>) -> Json<Value> {
    Json(json!({ "sub": identity.sub }))
}

/// An example of a route that needs a scope: 401 without a valid credential, 403
/// with one that lacks `admin`.
async fn admin(Extension(identity): Extension<Identity>) -> Json<Value> {
    Json(json!({ "sub": identity.sub, "scope": ADMIN_SCOPE }))
}
