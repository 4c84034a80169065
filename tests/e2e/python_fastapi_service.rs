//! The python-fastapi blueprint's service, end to end: generate it with the real
//! `paved`, install its locked dependencies into a virtualenv with
//! `pip install --require-hashes`, run its own pytest, ruff and `mypy --strict`, then
//! start it with `python -m app` on 127.0.0.1 and check from outside that
//! authentication is deny-by-default, scopes give 403, readiness waits for the signing
//! keys, and bad configuration fails closed.
//!
//! Needs `python3` with the `venv` module and access to PyPI the first time. The
//! virtualenv lives under `PAVED_SERVICE_TARGET_DIR` (default
//! `target/generated-services`), keyed by the lock's hash, so reruns only re-check it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::service_support::{
    generate_from, http_request, now, run_to_exit_with_args, service_target_dir, JwksServer, Reply,
    RsaKey, Service,
};
use serde_json::json;
use sha2::{Digest, Sha256};

const BLUEPRINT: &str = "python-fastapi";
const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "demo-api";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Runs `program args` in `dir`; panics with the output when it fails.
pub(crate) fn run(dir: &Path, program: &Path, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "`{} {}` failed in {}:\n{}\n{}",
        program.display(),
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, took)
}

/// The virtualenv holding the service's locked dependencies: created once per lock
/// (by its hash), installed with `pip install --require-hashes --only-binary=:all:`.
/// Both tests share it; the first one to get here builds it.
pub(crate) fn venv(service: &Path) -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let lock = std::fs::read(service.join("requirements-dev.txt")).expect("lock");
        let key = &hex(&Sha256::digest(&lock))[..16];
        let dir = service_target_dir().join(format!("python-venv-{key}"));
        let ready = dir.join(".paved-installed");
        std::fs::create_dir_all(service_target_dir()).expect("target dir");
        if !ready.is_file() {
            let _ = std::fs::remove_dir_all(&dir);
            let started = Instant::now();
            run(
                service,
                Path::new("python3"),
                &["-m", "venv", dir.to_str().expect("utf-8")],
            );
            let requirements = service.join("requirements-dev.txt");
            run(
                service,
                &dir.join("bin/pip"),
                &[
                    "install",
                    "--quiet",
                    "--require-hashes",
                    "--only-binary=:all:",
                    "-r",
                    requirements.to_str().expect("utf-8"),
                ],
            );
            std::fs::write(&ready, key).expect("marker");
            eprintln!(
                "python venv: created and installed with --require-hashes in {:?}",
                started.elapsed()
            );
        }
        dir
    })
    .clone()
}

/// The N of "N passed" in pytest's summary line ("136 passed in 40.1s").
fn pytest_passed(output: &Output) -> usize {
    let text = String::from_utf8_lossy(&output.stdout);
    let summary = text
        .lines()
        .rev()
        .find(|line| line.contains(" passed"))
        .unwrap_or("");
    let words: Vec<&str> = summary.split_whitespace().collect();
    words
        .windows(2)
        .filter(|pair| pair[1].trim_end_matches(',') == "passed")
        .filter_map(|pair| pair[0].parse::<usize>().ok())
        .sum()
}

/// Generates `demo-svc`, checks the lock is hash-pinned, runs pytest, ruff and mypy
/// --strict, and returns (service dir, venv python).
fn generate_and_verify(work: &Path, extra: &[&str], min_tests: usize) -> (PathBuf, PathBuf) {
    let dir = work.join("demo-svc");
    generate_from(BLUEPRINT, "demo-svc", &dir, extra);
    assert!(dir.join(".paved/answers.toml").is_file());
    for lock in ["requirements.txt", "requirements-dev.txt"] {
        let text = std::fs::read_to_string(dir.join(lock)).expect("lock");
        let pins = text.lines().filter(|l| l.contains("==")).count();
        let hashes = text.matches("--hash=sha256:").count();
        assert!(
            pins > 10 && hashes >= pins,
            "{lock}: {pins} pins, {hashes} hashes"
        );
    }

    let venv = venv(&dir);
    let python = venv.join("bin/python");
    // Re-check the install against this service's lock (a no-op when it matches).
    run(
        &dir,
        &venv.join("bin/pip"),
        &[
            "install",
            "--quiet",
            "--require-hashes",
            "--only-binary=:all:",
            "-r",
            "requirements-dev.txt",
        ],
    );

    let (pytest, took) = run(
        &dir,
        &python,
        &["-m", "pytest", "-q", "-p", "no:cacheprovider"],
    );
    let passed = pytest_passed(&pytest);
    eprintln!("generated service: {passed} pytest tests passed in {took:?}");
    assert!(
        passed >= min_tests,
        "suspiciously few tests ran: {passed}\n{}",
        String::from_utf8_lossy(&pytest.stdout)
    );

    let (_, took) = run(&dir, &venv.join("bin/ruff"), &["check", "--no-cache", "."]);
    run(
        &dir,
        &venv.join("bin/ruff"),
        &["format", "--check", "--no-cache", "."],
    );
    eprintln!("generated service: ruff clean in {took:?}");
    let (_, took) = run(
        &dir,
        &venv.join("bin/mypy"),
        &["--strict", "--no-incremental", "--cache-dir", "/dev/null"],
    );
    eprintln!("generated service: mypy --strict clean in {took:?}");
    (dir, python)
}

fn base_env(dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("PYTHONPATH", dir.join("src").display().to_string()),
        ("PYTHONDONTWRITEBYTECODE", "1".to_owned()),
        ("LOG_LEVEL", "info".to_owned()),
    ]
}

fn start(python: &Path, dir: &Path, env: &[(&'static str, String)], log: &str) -> Service {
    let mut full = base_env(dir);
    full.extend(env.iter().cloned());
    Service::start_with_args(python, &["-m", "app"], &full, dir.join(log))
}

fn assert_unauthorized(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {reply:?}");
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: challenge {challenge:?}"
    );
    assert_eq!(reply.json(), json!({"error": "unauthorized"}), "{what}");
}

fn wait_for(mut condition: impl FnMut() -> bool, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    condition()
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn oidc_jwt_service_installs_tests_and_enforces_tokens() {
    let work = tempfile::tempdir().unwrap();
    let (dir, python) = generate_and_verify(work.path(), &[], 100);

    let jwt_env = |jwks: &str| {
        vec![
            ("AUTH_ISSUER", ISSUER.to_owned()),
            ("AUTH_AUDIENCE", AUDIENCE.to_owned()),
            ("AUTH_JWKS_URL", jwks.to_owned()),
        ]
    };

    // Fail closed: each missing or bad variable stops the start-up, named in the message.
    for missing in ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"] {
        let mut env = base_env(&dir);
        env.extend(
            jwt_env("http://127.0.0.1:9/jwks.json")
                .into_iter()
                .filter(|(k, _)| *k != missing),
        );
        let out = run_to_exit_with_args(&python, &["-m", "app"], &env);
        assert!(!out.status.success(), "started without {missing}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(missing), "{missing} not named: {stderr}");
    }
    let mut env = base_env(&dir);
    env.extend(jwt_env("http://idp.example.com/jwks.json"));
    let out = run_to_exit_with_args(&python, &["-m", "app"], &env);
    assert!(!out.status.success(), "started with a plain-http JWKS URL");
    assert!(String::from_utf8_lossy(&out.stderr).contains("AUTH_JWKS_URL"));

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

    // Readiness before keys: the identity provider is down when the service starts.
    let down = JwksServer::start_unavailable(document.clone());
    let service = start(&python, &dir, &jwt_env(&down.url), "service-down.log");
    let call = |service: &Service, method: &str, path: &str, token: Option<&str>| {
        let header = token.map(|token| format!("Bearer {token}"));
        http_request(service.port, method, path, header.as_deref()).expect("request")
    };
    assert!(
        wait_for(
            || down.fetches.load(std::sync::atomic::Ordering::SeqCst) >= 1,
            Duration::from_secs(10)
        ),
        "the service never tried to fetch its keys"
    );
    assert_eq!(
        call(&service, "GET", "/readyz", None).status,
        503,
        "ready without keys"
    );
    assert_eq!(call(&service, "GET", "/healthz", None).status, 200);
    assert_unauthorized(
        &call(&service, "GET", "/v1/whoami", Some(&valid)),
        "valid token, no keys yet",
    );
    down.available
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        wait_for(
            || call(&service, "GET", "/readyz", None).status == 200,
            Duration::from_secs(20)
        ),
        "not ready after the keys became available"
    );
    assert_eq!(
        call(&service, "GET", "/v1/whoami", Some(&valid)).status,
        200
    );
    drop(service);

    let jwks = JwksServer::start(document);
    let service = start(&python, &dir, &jwt_env(&jwks.url), "service.log");
    assert!(
        wait_for(
            || call(&service, "GET", "/readyz", None).status == 200,
            Duration::from_secs(20)
        ),
        "never ready"
    );
    let get = |path: &str, token: Option<&str>| call(&service, "GET", path, token);

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
    let unknown_kid = key.sign_jwt("k9", &claims(&|_| {}));
    assert_unauthorized(&get("/v1/whoami", Some(&unknown_kid)), "unknown kid");
    for method in METHODS {
        let reply = call(&service, method, "/no-such-route", None);
        assert_eq!(reply.status, 401, "{method} /no-such-route: {reply:?}");
        let reply = call(&service, method, "/v1/whoami", Some(&forged));
        assert_eq!(reply.status, 401, "{method} /v1/whoami, forged: {reply:?}");
    }
    for method in ["POST", "DELETE"] {
        assert_eq!(
            call(&service, method, "/healthz", None).status,
            401,
            "{method} /healthz"
        );
    }

    // Scopes: a verified caller without the scope is 403, not 401.
    let reply = get("/v1/admin", Some(&valid));
    assert_eq!(reply.status, 403, "{reply:?}");
    assert!(reply
        .header("www-authenticate")
        .unwrap_or_default()
        .contains("insufficient_scope"));
    let admin = key.sign_jwt("k1", &claims(&|c| c["scope"] = json!("read admin")));
    assert_eq!(get("/v1/admin", Some(&admin)).status, 200);
    assert_unauthorized(&get("/v1/admin", None), "scope route without a token");

    for path in ["/healthz", "/readyz"] {
        assert_eq!(get(path, None).status, 200, "{path}");
    }
    assert_eq!(get("/no-such-route", Some(&valid)).status, 404);

    // Logs are JSON lines, carry audit events, and never contain credentials.
    let logs = service.logs();
    assert!(
        logs.contains("auth.denied") && logs.contains("auth.accepted"),
        "{logs}"
    );
    for line in logs.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
    for secret in [&valid, &forged, &expired] {
        let signature = secret.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature), "a token leaked into the logs");
    }
    assert!(!logs.to_ascii_lowercase().contains("bearer "), "{logs}");

    // The container's HEALTHCHECK command.
    let mut env = base_env(&dir);
    env.push(("PORT", service.port.to_string()));
    let out = run_to_exit_with_args(&python, &["-m", "app", "healthcheck"], &env);
    assert!(
        out.status.success(),
        "healthcheck failed against a running service"
    );
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn api_key_service_installs_tests_and_enforces_keys() {
    let work = tempfile::tempdir().unwrap();
    let (dir, python) = generate_and_verify(work.path(), &["--set", "auth=api-key"], 70);

    let out = run_to_exit_with_args(&python, &["-m", "app"], &base_env(&dir));
    assert!(!out.status.success(), "started without API_KEY_SHA256");
    assert!(String::from_utf8_lossy(&out.stderr).contains("API_KEY_SHA256"));
    let mut env = base_env(&dir);
    env.push(("API_KEY_SHA256", "0123".to_owned()));
    let out = run_to_exit_with_args(&python, &["-m", "app"], &env);
    assert!(!out.status.success(), "started with a malformed digest");

    let key = format!("k-{}-{}", std::process::id(), now());
    let digest = hex(&Sha256::digest(key.as_bytes()));
    let service = start(
        &python,
        &dir,
        &[("API_KEY_SHA256", digest.clone())],
        "service.log",
    );
    let call = |method: &str, path: &str, authorization: Option<&str>| {
        http_request(service.port, method, path, authorization).expect("request")
    };

    assert_eq!(call("GET", "/readyz", None).status, 200);
    let reply = call("GET", "/v1/whoami", Some(&format!("Bearer {key}")));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["sub"], digest[..8]);
    assert_unauthorized(
        &call("GET", "/v1/whoami", Some("Bearer wrong-key")),
        "wrong key",
    );
    assert_unauthorized(&call("GET", "/v1/whoami", None), "missing key");
    assert_unauthorized(
        &call("GET", "/v1/whoami", Some(&format!("Basic {key}"))),
        "basic",
    );
    assert_unauthorized(
        &call("GET", "/v1/whoami", Some(&format!("Bearer {digest}"))),
        "digest as key",
    );
    for method in METHODS {
        assert_eq!(
            call(method, "/no-such-route", None).status,
            401,
            "{method} unknown route"
        );
    }
    assert_eq!(
        call("GET", "/v1/admin", Some(&format!("Bearer {key}"))).status,
        403
    );
    assert_eq!(call("GET", "/healthz", None).status, 200);
    assert!(
        !service.logs().contains(&key),
        "the key leaked into the logs"
    );
}
