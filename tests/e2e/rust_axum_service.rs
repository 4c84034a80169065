//! The rust-axum blueprint's service, end to end: generate it with the real `paved`,
//! run its own `cargo test` and `cargo clippy`, then start the binary and check from
//! outside that authentication is deny-by-default and fails closed.
//!
//! Slow the first time (it compiles the service's dependencies); later runs reuse
//! `PAVED_SERVICE_TARGET_DIR` (default `target/generated-services`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::service_support::{
    cargo, generate, now, passed_tests, run_to_exit, send_raw, service_target_dir, JwksServer,
    RsaKey, Service,
};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Both tests build a binary called `demo-svc` in the same target directory: one at a
/// time, or one would run the other's binary.
static SHARED_TARGET: Mutex<()> = Mutex::new(());

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "demo-api";

/// Generates `demo-svc`, runs its tests and clippy, builds it and returns a copy of
/// the binary (outside the shared target directory).
fn generate_and_verify(work: &Path, extra: &[&str]) -> PathBuf {
    let dir = work.join("demo-svc");
    generate("demo-svc", &dir, extra);
    assert!(dir.join("Cargo.lock").is_file());
    assert!(dir.join(".paved/answers.toml").is_file());

    let (test, test_time) = cargo(&dir, &["test", "--locked"]);
    let passed = passed_tests(&test);
    eprintln!("generated service: {passed} tests passed in {test_time:?} (cargo test --locked)");
    assert!(passed >= 20, "suspiciously few tests ran: {passed}");

    let (_, clippy_time) = cargo(
        &dir,
        &[
            "clippy",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    );
    eprintln!("generated service: clippy clean in {clippy_time:?}");

    cargo(&dir, &["build", "--locked"]);
    let binary = work.join("demo-svc-bin");
    std::fs::copy(service_target_dir().join("debug/demo-svc"), &binary).expect("copy binary");

    // The lockfile's own entry comes first, not where Cargo sorts it (see
    // scripts/update-rust-axum-lockfile.py): `--locked` must accept it whatever the
    // name sorts before, between or after, and must leave the file as generated.
    // Cargo resolves the whole lockfile (every platform) whatever the filter, so
    // `--locked` still judges all of it; `--filter-platform host-tuple` only limits
    // which crates it must read, so `--offline` needs no more than the host build
    // above downloaded (without it Cargo wants Windows/wasm-only crates).
    for name in ["a", "mid-svc", "zz-top"] {
        let other = work.join(name);
        generate(name, &other, extra);
        let generated = std::fs::read_to_string(other.join("Cargo.lock")).unwrap();
        cargo(
            &other,
            &[
                "metadata",
                "--format-version",
                "1",
                "--filter-platform",
                "host-tuple",
                "--offline",
                "--locked",
            ],
        );
        let after = std::fs::read_to_string(other.join("Cargo.lock")).unwrap();
        assert!(generated == after, "Cargo rewrote the lockfile of {name:?}");
    }
    binary
}

fn assert_unauthorized(reply: &crate::service_support::Reply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {reply:?}");
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: challenge {challenge:?}"
    );
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SHARED_TARGET
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn oidc_jwt_service_builds_tests_and_enforces_tokens() {
    let _guard = lock();
    let work = tempfile::tempdir().unwrap();
    let binary = generate_and_verify(work.path(), &[]);

    // Fail closed: each missing variable stops the start-up, named in the message.
    let full = |jwks: &str| {
        vec![
            ("AUTH_ISSUER", ISSUER.to_owned()),
            ("AUTH_AUDIENCE", AUDIENCE.to_owned()),
            ("AUTH_JWKS_URL", jwks.to_owned()),
        ]
    };
    for missing in ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"] {
        let env: Vec<_> = full("http://127.0.0.1:9/jwks.json")
            .into_iter()
            .filter(|(key, _)| *key != missing)
            .collect();
        let out = run_to_exit(&binary, &env);
        assert!(!out.status.success(), "started without {missing}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(missing), "{missing} not named: {stderr}");
    }

    let keys = tempfile::tempdir().unwrap();
    let key = RsaKey::generate(keys.path(), "issuer.pem");
    let attacker = RsaKey::generate(keys.path(), "attacker.pem");
    // The service starts while the JWKS address accepts connections but answers
    // nothing (a listener that never accepts), so no other process can take the port.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let jwks_port = silent.local_addr().unwrap().port();
    let jwks_url = format!("http://127.0.0.1:{jwks_port}/jwks.json");
    let service = Service::start(&binary, &full(&jwks_url), work.path().join("service.log"));
    let get = |path: &str, token: Option<&str>| {
        let header = token.map(|token| format!("Bearer {token}"));
        crate::service_support::http_get(service.port, path, header.as_deref()).expect("request")
    };
    let claims = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": "alice",
            "iat": now(), "exp": now() + 300,
        });
        change(&mut claims);
        claims
    };

    let valid = key.sign_jwt("k1", &claims(&|_| {}));

    // Not ready, and no token verifies, until the keys are loaded.
    assert_eq!(get("/healthz", None).status, 200);
    let not_ready = get("/readyz", None);
    assert_eq!(not_ready.status, 503, "ready without keys: {not_ready:?}");
    assert_unauthorized(
        &get("/v1/whoami", Some(&valid)),
        "before the keys are loaded",
    );
    drop(silent);
    let jwks = JwksServer::start_on(jwks_port, json!({ "keys": [key.jwk("k1")] }).to_string());
    let started = Instant::now();
    while get("/readyz", None).status != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "not ready 40 s after the JWKS came up"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "generated service: ready {:?} after the JWKS came up",
        started.elapsed()
    );

    let reply = get("/v1/whoami", Some(&valid));
    assert_eq!(reply.status, 200, "{reply:?}");
    let request_id = reply.header("x-request-id").unwrap_or_default();
    assert_eq!(request_id.len(), 36, "request id: {reply:?}");
    assert_eq!(reply.json()["sub"], "alice");
    assert_eq!(
        reply.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );

    assert_unauthorized(&get("/v1/whoami", None), "missing token");
    let expired = key.sign_jwt("k1", &claims(&|c| c["exp"] = json!(now() - 600)));
    assert_unauthorized(&get("/v1/whoami", Some(&expired)), "expired");
    let wrong_aud = key.sign_jwt("k1", &claims(&|c| c["aud"] = json!("someone-else")));
    assert_unauthorized(&get("/v1/whoami", Some(&wrong_aud)), "wrong audience");
    let wrong_iss = key.sign_jwt("k1", &claims(&|c| c["iss"] = json!("https://evil.test/")));
    assert_unauthorized(&get("/v1/whoami", Some(&wrong_iss)), "wrong issuer");
    let forged = attacker.sign_jwt("k1", &claims(&|_| {}));
    assert_unauthorized(&get("/v1/whoami", Some(&forged)), "forged signature");
    assert_unauthorized(&get("/no-such-route", None), "unknown route");
    assert_unauthorized(
        &get("/no-such-route", Some(&forged)),
        "unknown route, forged",
    );

    for path in ["/healthz", "/readyz"] {
        assert_eq!(get(path, None).status, 200, "{path}");
    }
    let authenticated_unknown = get("/no-such-route", Some(&valid));
    assert_eq!(authenticated_unknown.status, 404);

    // A route that needs a scope: 401 without a token, 403 without the scope.
    assert_unauthorized(&get("/v1/admin", None), "scoped route, no token");
    assert_eq!(get("/v1/admin", Some(&valid)).status, 403);
    let admin = key.sign_jwt("k1", &claims(&|c| c["scope"] = json!("read admin")));
    assert_eq!(get("/v1/admin", Some(&admin)).status, 200);
    let typed_as_logout = key.sign_jwt_typed("k1", "logout+jwt", &claims(&|_| {}));
    assert_unauthorized(
        &get("/v1/whoami", Some(&typed_as_logout)),
        "not an access token",
    );

    probe_connection_limits(service.port);

    // Logs are JSON lines and never contain credentials.
    let logs = service.logs();
    assert!(logs.lines().count() > 3, "no logs: {logs}");
    for line in logs.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
    for secret in [&valid, &forged, &expired, &admin] {
        let signature = secret.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature), "a token leaked into the logs");
    }
    assert!(!logs.to_ascii_lowercase().contains("bearer "), "{logs}");
    assert!(jwks.fetches.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn api_key_service_builds_tests_and_enforces_keys() {
    let _guard = lock();
    let work = tempfile::tempdir().unwrap();
    let binary = generate_and_verify(work.path(), &["--set", "auth=api-key"]);

    let out = run_to_exit(&binary, &[]);
    assert!(!out.status.success(), "started without API_KEY_SHA256");
    assert!(String::from_utf8_lossy(&out.stderr).contains("API_KEY_SHA256"));
    let out = run_to_exit(&binary, &[("API_KEY_SHA256", "0123".to_owned())]);
    assert!(!out.status.success(), "started with a malformed digest");

    let key = format!("k-{}-{}", std::process::id(), now());
    let digest: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let admin_key = format!("admin-{key}");
    let admin_digest: String = Sha256::digest(admin_key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let service = Service::start(
        &binary,
        &[("API_KEY_SHA256", format!("{digest},{admin_digest}:admin"))],
        work.path().join("service.log"),
    );
    let get = |path: &str, authorization: Option<&str>| {
        crate::service_support::http_get(service.port, path, authorization).expect("request")
    };

    let reply = get("/v1/whoami", Some(&format!("Bearer {key}")));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["sub"], digest[..8]);
    assert_unauthorized(&get("/v1/whoami", Some("Bearer wrong-key")), "wrong key");
    assert_unauthorized(&get("/v1/whoami", None), "missing key");
    assert_unauthorized(&get("/v1/whoami", Some(&format!("Basic {key}"))), "basic");
    assert_unauthorized(&get("/no-such-route", None), "unknown route");
    assert_eq!(get("/healthz", None).status, 200);
    assert_eq!(get("/readyz", None).status, 200);
    assert_eq!(
        reply.header("x-request-id").unwrap_or_default().len(),
        36,
        "{reply:?}"
    );
    assert_unauthorized(&get("/v1/admin", None), "scoped route, no key");
    assert_eq!(get("/v1/admin", Some(&format!("Bearer {key}"))).status, 403);
    assert_eq!(
        get("/v1/admin", Some(&format!("Bearer {admin_key}"))).status,
        200
    );
    probe_connection_limits(service.port);
    let logs = service.logs();
    assert!(!logs.contains(&key), "the key leaked into the logs");
    assert!(
        logs.lines()
            .any(|line| line.contains("\"target\":\"audit\"")),
        "no audit events"
    );
}

/// From outside, over TCP: a client that never finishes its request head is
/// disconnected (the service allows 10 s), and so is an idle keep-alive connection.
fn probe_connection_limits(port: u16) {
    let (_, closed) = send_raw(
        port,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        Duration::from_secs(25),
    );
    let closed = closed.expect("a slow-header connection stayed open for 25 s");
    eprintln!("generated service: slow-header connection closed after {closed:?}");
    let (reply, closed) = send_raw(
        port,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        Duration::from_secs(25),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let closed = closed.expect("an idle keep-alive connection stayed open for 25 s");
    eprintln!("generated service: idle keep-alive connection closed after {closed:?}");
}
