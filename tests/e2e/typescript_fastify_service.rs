//! The typescript-fastify blueprint's service, end to end: generate it with the real
//! `paved`, install it with `npm ci` from its committed lockfile, run its own `tsc`
//! (strict), eslint and tests, build it, then start it with node on 127.0.0.1 and check
//! from outside that authentication is deny-by-default, fails closed, and that
//! readiness waits for the signing keys.
//!
//! Needs `node` (>= 20.19) and `npm` on PATH and the npm registry (for `npm ci`); the
//! tokens are signed with `openssl`-made keys (tests/service_support).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::service_support::{
    generate_from, http_get, http_request, now, run_to_exit_with_args, JwksServer, Reply, RsaKey,
    Service,
};
use serde_json::json;
use sha2::{Digest, Sha256};

const BLUEPRINT: &str = "typescript-fastify";
const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "demo-api";

/// The absolute path of `program` on PATH: the service runs with a cleared environment.
pub(crate) fn which(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`{program}` is not on PATH; install Node.js 20.19 or later"))
}

/// Runs `npm ARGS` in `dir`; panics with the output when it fails.
pub(crate) fn npm(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(which("npm"))
        .args(args)
        .current_dir(dir)
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .stdin(Stdio::null())
        .output()
        .expect("run npm");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "`npm {}` failed in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, took)
}

/// The `ℹ pass N` and `ℹ fail N` lines of node's spec reporter.
fn node_test_counts(output: &Output) -> (usize, usize) {
    let text = String::from_utf8_lossy(&output.stdout);
    let count = |label: &str| {
        text.lines()
            .filter_map(|line| line.strip_prefix(&format!("ℹ {label} ")))
            .filter_map(|n| n.trim().parse::<usize>().ok())
            .sum()
    };
    (count("pass"), count("fail"))
}

/// Generates `demo-svc`, installs it, typechecks, lints, tests and builds it; returns
/// the service directory.
fn generate_and_verify(work: &Path, extra: &[&str], min_tests: usize) -> PathBuf {
    let dir = work.join("demo-svc");
    generate_from(BLUEPRINT, "demo-svc", &dir, extra);
    assert!(dir.join("package-lock.json").is_file());
    assert!(dir.join(".paved/answers.toml").is_file());

    let (_, install) = npm(&dir, &["ci", "--ignore-scripts", "--no-audit"]);
    let (_, typecheck) = npm(&dir, &["run", "typecheck"]);
    let (_, lint) = npm(&dir, &["run", "lint"]);
    let (test, test_time) = npm(&dir, &["test"]);
    let (passed, failed) = node_test_counts(&test);
    eprintln!(
        "generated service {extra:?}: npm ci {install:?}, tsc {typecheck:?}, eslint {lint:?}, \
         {passed} tests passed in {test_time:?}"
    );
    assert_eq!(failed, 0, "{}", String::from_utf8_lossy(&test.stdout));
    assert!(passed >= min_tests, "suspiciously few tests ran: {passed}");
    npm(&dir, &["run", "build"]);
    assert!(dir.join("dist/src/main.js").is_file());
    dir
}

fn main_js(dir: &Path) -> String {
    dir.join("dist/src/main.js").to_string_lossy().into_owned()
}

fn assert_unauthorized(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {reply:?}");
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: challenge {challenge:?}"
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn oidc_jwt_service_builds_tests_and_enforces_tokens() {
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let dir = generate_and_verify(work.path(), &[], 40);
    let node = which("node");
    let main = main_js(&dir);

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
        let out = run_to_exit_with_args(&node, &[&main], &env);
        assert_eq!(out.status.code(), Some(1), "started without {missing}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(missing), "{missing} not named: {stderr}");
    }
    let out = run_to_exit_with_args(&node, &[&main], &full("http://idp.example/jwks.json"));
    assert_eq!(out.status.code(), Some(1), "accepted a plain-http JWKS URL");

    let keys = tempfile::tempdir().unwrap();
    let key = RsaKey::generate(keys.path(), "issuer.pem");
    let attacker = RsaKey::generate(keys.path(), "attacker.pem");
    let document = json!({ "keys": [key.jwk("k1")] }).to_string();
    let claims = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": "alice",
            "iat": now(), "exp": now() + 300,
        });
        change(&mut claims);
        claims
    };
    let valid = key.sign_jwt("k1", &claims(&|_| {}));

    // Readiness waits for the keys: with the identity provider down the service is
    // alive, not ready, and refuses even a correctly signed token.
    {
        let down = JwksServer::start_unavailable(document.clone());
        let service = Service::start_with_args(
            &node,
            &[&main],
            &full(&down.url),
            work.path().join("not-ready.log"),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while down.fetches.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline, "no JWKS fetch at start-up");
            std::thread::sleep(Duration::from_millis(50));
        }
        let port = service.port;
        assert_eq!(http_get(port, "/healthz", None).unwrap().status, 200);
        assert_eq!(http_get(port, "/readyz", None).unwrap().status, 503);
        let bearer = format!("Bearer {valid}");
        assert_unauthorized(
            &http_get(port, "/v1/whoami", Some(&bearer)).unwrap(),
            "valid token before keys are loaded",
        );
    }

    let jwks = JwksServer::start(document);
    let service = Service::start_with_args(
        &node,
        &[&main],
        &full(&jwks.url),
        work.path().join("service.log"),
    );
    let get = |path: &str, token: Option<&str>| {
        let header = token.map(|token| format!("Bearer {token}"));
        http_get(service.port, path, header.as_deref()).expect("request")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while get("/readyz", None).status != 200 {
        assert!(Instant::now() < deadline, "not ready within 10 s");
        std::thread::sleep(Duration::from_millis(100));
    }

    let reply = get("/v1/whoami", Some(&valid));
    assert_eq!(reply.status, 200, "{reply:?}");
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
    for method in ["POST", "DELETE", "HEAD"] {
        let reply = http_request(service.port, method, "/healthz", None).expect("request");
        assert_eq!(reply.status, 401, "{method} /healthz: {reply:?}");
    }

    // A scoped route: 403 for a known caller without the scope, 200 with it.
    let admin = key.sign_jwt("k1", &claims(&|c| c["scope"] = json!("read admin")));
    assert_eq!(get("/v1/admin", Some(&admin)).status, 200);
    let reply = get("/v1/admin", Some(&valid));
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_unauthorized(&get("/v1/admin", None), "scoped route without token");

    for path in ["/healthz", "/readyz"] {
        assert_eq!(get(path, None).status, 200, "{path}");
    }
    assert_eq!(get("/no-such-route", Some(&valid)).status, 404);

    // Logs are JSON lines, audit every decision, and never contain credentials.
    let logs = service.logs();
    assert!(logs.lines().count() > 3, "no logs: {logs}");
    for line in logs.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
    assert!(logs.contains("\"event\":\"authn\""), "{logs}");
    for secret in [&valid, &forged, &expired, &admin] {
        let signature = secret.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature), "a token leaked into the logs");
    }
    assert!(!logs.to_ascii_lowercase().contains("bearer "), "{logs}");
    assert!(jwks.fetches.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    eprintln!("oidc-jwt end to end: {:?}", started.elapsed());
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn api_key_service_builds_tests_and_enforces_keys() {
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let dir = generate_and_verify(work.path(), &["--set", "auth=api-key"], 15);
    let node = which("node");
    let main = main_js(&dir);

    let out = run_to_exit_with_args(&node, &[&main], &[]);
    assert_eq!(out.status.code(), Some(1), "started without API_KEY_SHA256");
    assert!(String::from_utf8_lossy(&out.stderr).contains("API_KEY_SHA256"));
    let out = run_to_exit_with_args(&node, &[&main], &[("API_KEY_SHA256", "0123".to_owned())]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "started with a malformed digest"
    );

    let key = format!("k-{}-{}", std::process::id(), now());
    let digest: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let service = Service::start_with_args(
        &node,
        &[&main],
        &[("API_KEY_SHA256", digest.clone())],
        work.path().join("service.log"),
    );
    let get = |path: &str, authorization: Option<&str>| {
        http_get(service.port, path, authorization).expect("request")
    };

    let reply = get("/v1/whoami", Some(&format!("Bearer {key}")));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["sub"], digest[..8]);
    assert_unauthorized(&get("/v1/whoami", Some("Bearer wrong-key")), "wrong key");
    assert_unauthorized(&get("/v1/whoami", None), "missing key");
    assert_unauthorized(&get("/v1/whoami", Some(&format!("Basic {key}"))), "basic");
    assert_unauthorized(&get("/no-such-route", None), "unknown route");
    assert_eq!(get("/v1/admin", Some(&format!("Bearer {key}"))).status, 403);
    assert_eq!(get("/healthz", None).status, 200);
    assert_eq!(get("/readyz", None).status, 200);
    assert!(
        !service.logs().contains(&key),
        "the key leaked into the logs"
    );
    eprintln!("api-key end to end: {:?}", started.elapsed());
}
