//! Limits that keep one client (or many) from exhausting the service.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `MAX_CONNECTIONS` | `1024` | open TCP connections; more are answered 503 and closed at once |
//! | `MAX_CONCURRENT_REQUESTS` | `256` | requests handled at once; more are answered 503 (`Retry-After: 1`), never queued |
//!
//! Fixed, in `HttpLimits`: a client must send a complete request head within
//! `HEADER_READ_TIMEOUT` (also the longest an idle keep-alive connection waits for its
//! next request, since hyper starts that timer as soon as it waits for a head), and a
//! connection on which no byte moves for `IDLE_TIMEOUT` is closed. `GET /healthz` is
//! never shed, so an overloaded pod is not restarted by its liveness probe.
//!
//! Managed by the blueprint: `paved drift` reports changes to this file.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::config::ConfigError;

pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// Time allowed for a client to send the request line and headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head (request line and headers) read, in bytes; a larger one is
/// answered 431 before any of it reaches the application. 16 KiB, the same as Node's
/// default and the Python blueprint's limit, so the three services answer alike.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A connection on which nothing is read or written for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for requests in progress.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// Upper bound for both variables: far above what one instance should take.
const MAX_SETTING: usize = 65_536;

/// Connection-level limits, applied by `server::serve_with`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    pub max_connections: usize,
    pub max_in_flight: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub shutdown_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            header_read_timeout: HEADER_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}

impl HttpLimits {
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            max_connections: count(lookup, "MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS)?,
            max_in_flight: count(lookup, "MAX_CONCURRENT_REQUESTS", DEFAULT_MAX_IN_FLIGHT)?,
            ..Self::default()
        })
    }
}

/// An optional whole number from 1 to `MAX_SETTING`.
pub fn count(
    lookup: &dyn Fn(&str) -> Option<String>,
    variable: &'static str,
    default: usize,
) -> Result<usize, ConfigError> {
    match lookup(variable).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(value) if (1..=MAX_SETTING).contains(&value) => Ok(value),
            _ => Err(ConfigError::new(
                variable,
                format!("must be a whole number from 1 to {MAX_SETTING}"),
            )),
        },
    }
}

/// Middleware: at most `in_flight` requests at once; the next one gets 503 at once
/// rather than waiting for a slot (load shedding). Liveness is exempt.
pub async fn shed_load(
    State(in_flight): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::GET && request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let Ok(_permit) = in_flight.try_acquire_owned() else {
        tracing::warn!("too many requests in flight, shedding load");
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "error": "overloaded" })),
        )
            .into_response();
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_default_and_reject_garbage() {
        let unset = |_: &str| None;
        assert_eq!(
            HttpLimits::from_lookup(&unset).unwrap(),
            HttpLimits::default()
        );
        let set = |name: &str| (name == "MAX_CONNECTIONS").then(|| "10".to_owned());
        assert_eq!(HttpLimits::from_lookup(&set).unwrap().max_connections, 10);
        for bad in ["0", "-1", "many", "1000000"] {
            let lookup =
                move |name: &str| (name == "MAX_CONCURRENT_REQUESTS").then(|| bad.to_owned());
            let err = HttpLimits::from_lookup(&lookup).unwrap_err();
            assert_eq!(err.variable, "MAX_CONCURRENT_REQUESTS");
        }
    }
}
