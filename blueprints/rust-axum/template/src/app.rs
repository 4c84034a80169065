//! The HTTP application: the routes inside one stack of security middleware.
//!
//! Managed by the blueprint: `paved drift` reports changes to this file.
//!
//! Deny by default does not rest on `Router::layer` (which wraps only the routes that
//! exist when it is called): `router` wraps the *finished* `Router` as one service, with
//! authentication around all of it, and returns an [`App`], a boxed service that has
//! no `.route`, `.merge` or `.fallback`. Whatever the router holds, and whatever it
//! answers (404, 405), passes through `require_auth` first; nothing added later can
//! get around it, because nothing can be added to an `App`.

use std::any::Any;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower::util::{BoxCloneService, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::propagate_header::PropagateHeaderLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::{SetRequestHeaderLayer, SetResponseHeaderLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::{Authenticator, FailureLimiter, require_auth};
use crate::cors::{CorsPolicy, cors};
use crate::limits::{DEFAULT_MAX_IN_FLIGHT, shed_load};
use crate::{probes, routes};

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take before the service answers 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The request ID header: set on every request (any value the client sent is
/// replaced) and copied to the response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The finished application: a service, not a `Router`, so no route can be added
/// outside the middleware stack.
pub type App = BoxCloneService<Request, Response, Infallible>;

/// Shared state of the middleware and handlers.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Authenticator>,
    /// Per-client budget of failed authentications.
    pub failures: Arc<FailureLimiter>,
    /// Which browser origins may call the API (none by default).
    pub cors: Arc<CorsPolicy>,
    /// Requests handled at once; more are refused with 503 instead of queueing.
    pub in_flight: Arc<Semaphore>,
}

impl AppState {
    /// State with the default limits, no CORS origins and no trusted proxies.
    pub fn new(auth: Authenticator) -> Self {
        Self {
            auth: Arc::new(auth),
            failures: Arc::new(FailureLimiter::default()),
            cors: Arc::new(CorsPolicy::default()),
            in_flight: Arc::new(Semaphore::new(DEFAULT_MAX_IN_FLIGHT)),
        }
    }
}

/// The service's routes, wrapped by `router`.
pub fn app(state: AppState) -> App {
    let routes = Router::new()
        .merge(probes::routes())
        .merge(routes::api())
        .with_state(state.clone());
    router(routes, &state)
}

/// Wraps a finished `Router` in the middleware stack, outermost first: response
/// normalisation, sensitive-header marking, request ID, request logging, security
/// headers, panic catching, CORS, load shedding, a timeout, authentication (deny by
/// default; only `GET /healthz` and `GET /readyz` are public) and a body size limit.
pub fn router(routes: Router, state: &AppState) -> App {
    ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::PROXY_AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(SetRequestHeaderLayer::overriding(
            REQUEST_ID,
            new_request_id::<axum::body::Body>,
        ))
        .layer(PropagateHeaderLayer::new(REQUEST_ID))
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
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state.cors.clone(), cors))
        .layer(from_fn_with_state(state.in_flight.clone(), shed_load))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(from_fn_with_state(state.clone(), require_auth))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .service(routes)
        .boxed_clone()
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// A random (v4) UUID for each request: unique, and never taken from the client, so
/// audit records cannot be made to collide.
fn new_request_id<B>(_: &axum::http::Request<B>) -> Option<HeaderValue> {
    HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok()
}

/// The request ID of a request that went through `router`.
pub fn request_id<B>(request: &axum::http::Request<B>) -> &str {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
}

/// The log span of a request: method, path and request ID only. Never the query
/// string or headers, which can carry credentials.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id(request),
    )
}

/// A handler panicked: log it (inside the request's span, so with its ID) and answer
/// 500 without detail. The worker thread and the connection carry on.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned());
    tracing::error!(panic = %message, "handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "error": "internal error" })),
    )
        .into_response()
}
