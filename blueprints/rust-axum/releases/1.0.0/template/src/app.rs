//! The HTTP application: routes plus the security middleware around all of them.
//!
//! Managed by the blueprint: `paved drift` reports changes to this file. In particular
//! the authentication middleware must stay in the last `.layer(...)` of `router`, so
//! that it wraps every route, including ones added later and the fallback.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn_with_state;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::{Authenticator, require_auth};
use crate::routes;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take before the service answers 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Authenticator>,
}

/// Every route, wrapped (outermost first) in: sensitive-header marking, request
/// logging, security headers, a timeout, authentication (deny by default; only
/// `GET /healthz` and `GET /readyz` are public) and a body size limit.
pub fn router(state: AppState) -> Router {
    let authenticator = state.auth.clone();
    Router::new()
        .merge(routes::public())
        .merge(routes::api())
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                    header::PROXY_AUTHORIZATION,
                    header::COOKIE,
                ]))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; frame-ancestors 'none'",
                ))
                .layer(security_header(
                    header::STRICT_TRANSPORT_SECURITY,
                    "max-age=63072000; includeSubDomains",
                ))
                .layer(security_header(header::CACHE_CONTROL, "no-store"))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(from_fn_with_state(authenticator, require_auth))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT)),
        )
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// The log span of a request: method and path only. Never the query string or
/// headers, which can carry credentials.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
    )
}
