//! The middleware around every route, whatever the authentication scheme: deny by
//! default that no route can escape, request IDs, audit events, CORS, panics, load
//! shedding and the failed-authentication budget.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use axum::routing;
use common::service::app::{self, AppState};
use common::service::auth::FailureLimiter;
use common::service::cors::CorsPolicy;
use common::service::{probes, routes};
use common::{Caller, Reply, assert_security_headers, caller, get, send};
use tokio::sync::Semaphore;

fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).expect("request")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(500)).await;
    "done"
}

fn buggy() -> &'static str {
    panic!("a bug in a handler")
}

/// The service's routes plus some a team might add, in any order and shape.
fn extended_routes(state: &AppState) -> Router {
    let late = Router::new().route("/merged", routing::get(|| async { "merged" }));
    Router::new()
        .merge(probes::routes())
        .merge(routes::api())
        .route("/early", routing::get(|| async { "early" }))
        .layer(tower::layer::util::Identity::new())
        .route("/late", routing::get(|| async { "late" }))
        .route("/slow", routing::get(slow))
        .route("/panic", routing::get(|| async { buggy() }))
        .merge(late)
        .fallback(|| async { "fallback" })
        .with_state(state.clone())
}

#[tokio::test]
async fn no_route_escapes_authentication() {
    let Caller { state, plain, .. } = caller().await;
    let app = app::router(extended_routes(&state), &state);
    for path in [
        "/early",
        "/late",
        "/merged",
        "/slow",
        "/anything",
        "/v1/admin",
    ] {
        get(&app, path, None).await.assert_unauthorized();
        send(&app, request(Method::OPTIONS, path, &[]))
            .await
            .assert_unauthorized();
    }
    for (path, body) in [
        ("/late", "late"),
        ("/merged", "merged"),
        ("/anything", "fallback"),
    ] {
        let reply = get(&app, path, Some(&plain)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.body, serde_json::json!(body));
    }
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id() {
    let Caller { state, plain, .. } = caller().await;
    let app = app::app(state);
    let mut seen = Vec::new();
    for reply in [
        get(&app, "/healthz", None).await,
        get(&app, "/v1/whoami", None).await,
        get(&app, "/v1/whoami", Some(&plain)).await,
        send(
            &app,
            request(
                Method::GET,
                "/healthz",
                &[("x-request-id", "chosen-by-client")],
            ),
        )
        .await,
    ] {
        let id = reply.header("x-request-id").to_owned();
        assert_eq!(id.len(), 36, "not a UUID: {id:?}");
        assert_ne!(id, "chosen-by-client");
        assert!(!seen.contains(&id), "request IDs repeat");
        seen.push(id);
    }
}

/// Collects the JSON log lines written while it is the thread's subscriber.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn events(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8");
        text.lines()
            .map(|line| serde_json::from_str(line).expect("JSON log line"))
            .collect()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn authentication_decisions_are_audited_without_credentials() {
    let Caller {
        state,
        plain,
        admin,
    } = caller().await;
    let app = common::scoped_app(state);
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let allowed = get(&app, "/v1/whoami", Some(&plain)).await;
    let denied = get(&app, "/v1/whoami", Some("Bearer not-a-valid-credential")).await;
    let missing = get(&app, "/v1/whoami", None).await;
    let forbidden = get(&app, "/scoped", Some(&plain)).await;
    let permitted = get(&app, "/scoped", Some(&admin)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(permitted.status, StatusCode::OK);

    let events = logs.events();
    let audit: Vec<_> = events
        .iter()
        .filter(|event| event["target"] == "audit")
        .collect();
    let find = |reply: &Reply| {
        let id = reply.header("x-request-id");
        audit
            .iter()
            .filter(|event| event["request_id"] == id)
            .map(|event| (*event).clone())
            .collect::<Vec<_>>()
    };
    let sub = allowed.body["sub"].as_str().expect("sub").to_owned();
    let allow = find(&allowed);
    assert_eq!(allow.len(), 1, "{allow:?}");
    assert_eq!(allow[0]["outcome"], "allow");
    assert_eq!(allow[0]["principal"], sub.as_str());
    for reply in [&denied, &missing] {
        let deny = find(reply);
        assert_eq!(deny.len(), 1, "{deny:?}");
        assert_eq!(deny[0]["outcome"], "deny");
        assert_eq!(deny[0]["principal"], "anonymous");
        assert!(deny[0]["reason"].is_string());
    }
    let authz = find(&forbidden);
    assert!(
        authz
            .iter()
            .any(|event| event["event"] == "authorization" && event["outcome"] == "deny"),
        "{authz:?}"
    );
    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    for credential in [&plain, &admin] {
        let secret = credential.trim_start_matches("Bearer ");
        let tail = &secret[secret.len().saturating_sub(16)..];
        assert!(!text.contains(tail), "a credential leaked into the logs");
    }
    assert!(!text.contains("not-a-valid-credential"));
}

#[tokio::test]
async fn cors_is_denied_by_default() {
    let Caller { state, plain, .. } = caller().await;
    let app = app::app(state);
    let origin = ("origin", "https://app.example.com");
    let reply = send(
        &app,
        request(
            Method::GET,
            "/v1/whoami",
            &[origin, ("authorization", &plain)],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), "");
    // A preflight is not answered without an allowed origin: it needs credentials
    // like any other request.
    send(
        &app,
        request(
            Method::OPTIONS,
            "/v1/whoami",
            &[origin, ("access-control-request-method", "GET")],
        ),
    )
    .await
    .assert_unauthorized();
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins() {
    let Caller {
        mut state, plain, ..
    } = caller().await;
    state.cors = Arc::new(CorsPolicy::allowing(&["https://app.example.com"]).expect("origin"));
    let app = app::app(state);
    let preflight = |origin: &'static str, method: &'static str| {
        request(
            Method::OPTIONS,
            "/v1/whoami",
            &[
                ("origin", origin),
                ("access-control-request-method", method),
            ],
        )
    };
    let reply = send(&app, preflight("https://app.example.com", "GET")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        "https://app.example.com"
    );
    assert!(
        reply
            .header("access-control-allow-headers")
            .contains("authorization")
    );
    assert_eq!(reply.header("access-control-allow-credentials"), "");
    assert_security_headers(&reply);

    send(&app, preflight("https://evil.example.com", "GET"))
        .await
        .assert_unauthorized();
    let refused = send(&app, preflight("https://app.example.com", "TRACE")).await;
    assert_eq!(refused.header("access-control-allow-origin"), "");

    let actual = send(
        &app,
        request(
            Method::GET,
            "/v1/whoami",
            &[
                ("origin", "https://app.example.com"),
                ("authorization", &plain),
            ],
        ),
    )
    .await;
    assert_eq!(actual.status, StatusCode::OK);
    assert_eq!(
        actual.header("access-control-allow-origin"),
        "https://app.example.com"
    );
    assert!(
        actual
            .header("access-control-expose-headers")
            .contains("x-request-id")
    );
    // A 401 to an allowed origin is readable by the page, so it can sign in again.
    let unauthenticated = send(
        &app,
        request(
            Method::GET,
            "/v1/whoami",
            &[("origin", "https://app.example.com")],
        ),
    )
    .await;
    unauthenticated.assert_unauthorized();
    assert_eq!(
        unauthenticated.header("access-control-allow-origin"),
        "https://app.example.com"
    );
}

#[tokio::test]
async fn a_panicking_handler_gets_a_500_and_the_service_carries_on() {
    let Caller { state, plain, .. } = caller().await;
    let app = app::router(extended_routes(&state), &state);
    let reply = get(&app, "/panic", Some(&plain)).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body, serde_json::json!({ "error": "internal error" }));
    assert_eq!(reply.header("x-request-id").len(), 36);
    assert_security_headers(&reply);
    let after = get(&app, "/v1/whoami", Some(&plain)).await;
    assert_eq!(after.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_over_the_in_flight_limit_are_shed_not_queued() {
    let Caller {
        mut state, plain, ..
    } = caller().await;
    state.in_flight = Arc::new(Semaphore::new(1));
    let app = app::router(extended_routes(&state), &state);
    let busy = {
        let (app, plain) = (app.clone(), plain.clone());
        tokio::spawn(async move { get(&app, "/slow", Some(&plain)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let shed = get(&app, "/v1/whoami", Some(&plain)).await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.header("retry-after"), "1");
    assert!(started.elapsed() < Duration::from_millis(300), "it waited");
    // Liveness is never shed, so the orchestrator does not restart a busy instance.
    assert_eq!(get(&app, "/healthz", None).await.status, StatusCode::OK);
    assert_eq!(busy.await.expect("task").status, StatusCode::OK);
    let after = get(&app, "/v1/whoami", Some(&plain)).await;
    assert_eq!(after.status, StatusCode::OK);
}

fn from(client: &str, path: &str, authorization: Option<&str>) -> Request<Body> {
    let mut request = request(Method::GET, path, &[]);
    if let Some(value) = authorization {
        request
            .headers_mut()
            .insert("authorization", value.parse().expect("header"));
    }
    let peer: SocketAddr = format!("{client}:40000").parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

#[tokio::test]
async fn a_client_whose_credentials_keep_failing_is_throttled() {
    let Caller {
        mut state, plain, ..
    } = caller().await;
    state.failures = Arc::new(FailureLimiter::new(3, Duration::from_secs(60), Vec::new()));
    let app = app::app(state);
    let (attacker, bystander) = ("198.51.100.7", "198.51.100.8");
    for _ in 0..3 {
        send(&app, from(attacker, "/v1/whoami", Some("Bearer guess")))
            .await
            .assert_unauthorized();
    }
    let throttled = send(&app, from(attacker, "/v1/whoami", Some("Bearer guess"))).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.header("retry-after").parse::<u64>().is_ok());
    // Even a good credential waits: the budget is spent before any verification.
    let good = send(&app, from(attacker, "/v1/whoami", Some(&plain))).await;
    assert_eq!(good.status, StatusCode::TOO_MANY_REQUESTS);
    // No credential at all is still a plain 401, and other clients are unaffected.
    send(&app, from(attacker, "/v1/whoami", None))
        .await
        .assert_unauthorized();
    let other = send(&app, from(bystander, "/v1/whoami", Some(&plain))).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(
        send(&app, from(attacker, "/healthz", None)).await.status,
        StatusCode::OK
    );
}
