//! Cross-origin requests (CORS): denied by default, allowed per exact origin.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CORS_ALLOWED_ORIGINS` | empty: no origin | comma-separated origins (`https://app.example.com`) whose pages may call the API |
//!
//! Managed by the blueprint: `paved drift` reports changes to this file.
//!
//! Written here rather than taken from `tower_http::cors`, because that layer answers
//! every `OPTIONS` request itself, before authentication: `OPTIONS /anything` would get
//! 200 without credentials. Here only a real preflight (`OPTIONS` with an allowed
//! `Origin` and an `Access-Control-Request-Method`) is answered without
//! authentication; it reaches no handler. Any other `OPTIONS` request goes through
//! `require_auth` like everything else. Credentials are bearer tokens in a header, so
//! `Access-Control-Allow-Credentials` (cookies) is never sent.

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
    VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use crate::config::ConfigError;

/// Methods a browser page from an allowed origin may use.
pub const ALLOWED_METHODS: &[Method] = &[
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];
const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const ALLOW_HEADERS: &str = "authorization, content-type";
const EXPOSE_HEADERS: &str = "x-request-id";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE: &str = "600";
/// Most origins accepted in `CORS_ALLOWED_ORIGINS`.
pub const MAX_ORIGINS: usize = 32;

/// The origins allowed to make cross-origin calls; empty denies them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<HeaderValue>,
}

impl CorsPolicy {
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let Some(value) = lookup("CORS_ALLOWED_ORIGINS") else {
            return Ok(Self::default());
        };
        let mut origins = Vec::new();
        for (index, item) in value.split(',').map(str::trim).enumerate() {
            if item.is_empty() && value.trim().is_empty() {
                break;
            }
            let origin = parse_origin(item).ok_or_else(|| {
                ConfigError::new(
                    "CORS_ALLOWED_ORIGINS",
                    format!(
                        "entry {} is not an origin such as https://app.example.com \
                         (scheme and host, optional port, no path, no wildcard)",
                        index + 1
                    ),
                )
            })?;
            origins.push(origin);
        }
        if origins.len() > MAX_ORIGINS {
            return Err(ConfigError::new(
                "CORS_ALLOWED_ORIGINS",
                format!("has more than {MAX_ORIGINS} entries"),
            ));
        }
        Ok(Self { origins })
    }

    /// A policy allowing exactly `origins` (each as `scheme://host[:port]`).
    pub fn allowing(origins: &[&str]) -> Option<Self> {
        let origins = origins
            .iter()
            .map(|origin| parse_origin(origin))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { origins })
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.iter().any(|allowed| allowed == origin)
    }
}

/// `scheme://host[:port]`, lowercase, https (or http), nothing after the authority.
fn parse_origin(text: &str) -> Option<HeaderValue> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let valid = !rest.is_empty()
        && rest.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || b".-:[]".contains(&byte)
        });
    if !valid {
        return None;
    }
    HeaderValue::from_str(text).ok()
}

/// Middleware: answers allowed preflights, marks responses to allowed origins.
pub async fn cors(State(policy): State<Arc<CorsPolicy>>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(ORIGIN)
        .filter(|origin| policy.allows(origin))
        .cloned();
    let Some(origin) = origin else {
        let mut response = next.run(request).await;
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("origin"));
        return response;
    };
    let preflight_method = request
        .headers()
        .get(ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<Method>().ok());
    if request.method() == Method::OPTIONS
        && let Some(method) = preflight_method
    {
        return preflight(origin, &method);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    headers.append(VARY, HeaderValue::from_static("origin"));
    response
}

fn preflight(origin: HeaderValue, method: &Method) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.append(
        VARY,
        HeaderValue::from_static(
            "origin, access-control-request-method, access-control-request-headers",
        ),
    );
    if !ALLOWED_METHODS.contains(method) {
        // No allow headers: the browser refuses the call.
        return response;
    }
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(value: &str) -> Result<CorsPolicy, ConfigError> {
        let value = value.to_owned();
        CorsPolicy::from_lookup(&move |name| {
            (name == "CORS_ALLOWED_ORIGINS").then(|| value.clone())
        })
    }

    #[test]
    fn no_variable_allows_no_origin() {
        let none = CorsPolicy::from_lookup(&|_| None).unwrap();
        assert_eq!(none, CorsPolicy::default());
        assert_eq!(policy("").unwrap(), CorsPolicy::default());
    }

    #[test]
    fn origins_are_exact_and_validated() {
        let allowed = policy("https://app.example.com, http://localhost:3000").unwrap();
        assert!(allowed.allows(&HeaderValue::from_static("https://app.example.com")));
        assert!(allowed.allows(&HeaderValue::from_static("http://localhost:3000")));
        assert!(!allowed.allows(&HeaderValue::from_static("https://evil.example.com")));
        assert!(!allowed.allows(&HeaderValue::from_static(
            "https://app.example.com.evil.test"
        )));
        for bad in [
            "*",
            "https://*.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "app.example.com",
            "ftp://app.example.com",
            "https://APP.example.com",
            "https://a.example.com,",
        ] {
            let err = policy(bad).unwrap_err();
            assert_eq!(err.variable, "CORS_ALLOWED_ORIGINS", "{bad}");
        }
    }
}
