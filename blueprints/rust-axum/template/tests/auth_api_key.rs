//! API-key authentication: keys are configured as SHA-256 digests.

mod common;

use axum::http::{Method, StatusCode};
use common::service::app::{App, AppState};
use common::{assert_security_headers, call, call_with_body, digest, get, service};
use serde_json::json;

/// Test-only keys, made at run time so no secret-looking literal is committed.
fn key() -> String {
    "test-key-".repeat(4)
}

fn other_key() -> String {
    "other-key-".repeat(4)
}

fn admin_key() -> String {
    "admin-key-".repeat(4)
}

fn state() -> AppState {
    let digests = format!(
        "{},{},{}:admin",
        digest(&other_key()),
        digest(&key()),
        digest(&admin_key())
    );
    let lookup = move |name: &str| (name == "API_KEY_SHA256").then(|| digests.clone());
    let config = service::auth::AuthConfig::from_lookup(&lookup).expect("config");
    let authenticator = service::auth::Authenticator::new(config).expect("authenticator");
    AppState::new(authenticator)
}

fn app() -> App {
    service::app::app(state())
}

#[tokio::test]
async fn valid_key_is_accepted() {
    let reply = get(&app(), "/v1/whoami", Some(&format!("Bearer {}", key()))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({ "sub": &digest(&key())[..8] }));
    assert_security_headers(&reply);
}

#[tokio::test]
async fn second_configured_key_is_accepted() {
    let reply = get(
        &app(),
        "/v1/whoami",
        Some(&format!("Bearer {}", other_key())),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["sub"], digest(&other_key())[..8]);
}

#[tokio::test]
async fn wrong_key_is_refused() {
    let app = app();
    let almost = format!("{}X", key());
    for header in [
        "Bearer wrong-key".to_owned(),
        format!("Bearer {almost}"),
        format!("Bearer {}", key().to_uppercase()),
        format!("Bearer {}", digest(&key())),
    ] {
        get(&app, "/v1/whoami", Some(&header))
            .await
            .assert_unauthorized();
    }
}

#[tokio::test]
async fn missing_key_is_refused() {
    let reply = get(&app(), "/v1/whoami", None).await;
    reply.assert_unauthorized();
    assert_eq!(reply.header("www-authenticate"), "Bearer");
}

#[tokio::test]
async fn malformed_or_wrong_scheme_is_refused() {
    let app = app();
    for header in [
        "Bearer".to_owned(),
        "Bearer  ".to_owned(),
        format!("Basic {}", key()),
        key(),
    ] {
        get(&app, "/v1/whoami", Some(&header))
            .await
            .assert_unauthorized();
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_after_authentication() {
    let app = app();
    let big = vec![b'x'; service::app::BODY_LIMIT + 1];
    call_with_body(&app, Method::POST, "/v1/whoami", None, big.clone())
        .await
        .assert_unauthorized();
    let authorization = format!("Bearer {}", key());
    let reply = call_with_body(&app, Method::POST, "/v1/whoami", Some(&authorization), big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers(&reply);
}

#[tokio::test]
async fn health_endpoints_are_public() {
    for path in ["/healthz", "/readyz"] {
        let reply = get(&app(), path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_security_headers(&reply);
    }
}

#[tokio::test]
async fn everything_else_requires_authentication() {
    let app = app();
    for path in ["/", "/nope", "/healthz/", "/v1/whoami/"] {
        get(&app, path, None).await.assert_unauthorized();
    }
    call(&app, Method::POST, "/healthz", None)
        .await
        .assert_unauthorized();
    let reply = get(&app, "/nope", Some(&format!("Bearer {}", key()))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scoped_route_needs_the_scope() {
    let app = common::scoped_app(state());
    get(&app, "/scoped", None).await.assert_unauthorized();
    get(&app, "/scoped", Some("Bearer wrong-key"))
        .await
        .assert_unauthorized();
    let forbidden = get(&app, "/scoped", Some(&format!("Bearer {}", key()))).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );
    assert_eq!(forbidden.body, json!({ "error": "forbidden" }));
    assert_security_headers(&forbidden);
    let allowed = get(&app, "/scoped", Some(&format!("Bearer {}", admin_key()))).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.body["sub"], digest(&admin_key())[..8]);
}

#[tokio::test]
async fn readiness_does_not_wait_for_anything() {
    let reply = get(&app(), "/readyz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
}
