//! The token battery: one black-box set of attacks on authentication, sent from
//! outside to the three services paved generates (rust-axum, python-fastapi,
//! typescript-fastify) in `oidc-jwt` mode, each built from its blueprint and started on
//! 127.0.0.1 against one local JWKS server. Every request goes to all three over raw
//! TCP (so duplicate headers, odd paths and odd methods arrive exactly as written),
//! and the answers — status code and whether a `WWW-Authenticate` challenge came with
//! it — must be identical across the three *and* equal the answer decided for each
//! case (deny by default, RFC 6750, RFC 7515). docs/token-battery.md lists the cases,
//! the decisions and the results.
//!
//! rust-axum throttles failed authentication per peer (429); the battery sends
//! dozens of bad tokens from one address, so it starts rust-axum with
//! `AUTH_FAILURES_PER_MINUTE=0` (the limit off): no answer is decided by throttling.
//!
//! Needs what the three service tests need: cargo, python3 with venv (and PyPI the
//! first time), node >= 20.19 with npm, and openssl.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::python_fastapi_service::venv;
use crate::service_support::{
    cargo, generate_from, now, service_target_dir, JwksServer, RsaKey, Service,
};
use crate::typescript_fastify_service::{npm, which};

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "demo-api";
const NAME: &str = "battery-svc";
const BLUEPRINTS: [&str; 3] = ["rust-axum", "python-fastapi", "typescript-fastify"];

/// What a service answered: the status (0 when it closed without answering) and
/// whether a `WWW-Authenticate` header came with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    status: u16,
    challenge: bool,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, self.challenge) {
            (0, _) => f.write_str("closed"),
            (s, true) => write!(f, "{s}+WWW-Authenticate"),
            (s, false) => write!(f, "{s}"),
        }
    }
}

/// One request of the battery and the answer decided for it.
struct Case {
    name: String,
    request: Vec<u8>,
    expect: Answer,
}

const DENIED: Answer = Answer {
    status: 401,
    challenge: true,
};
const OK: Answer = Answer {
    status: 200,
    challenge: false,
};

fn answer(status: u16, challenge: bool) -> Answer {
    Answer { status, challenge }
}

/// An HTTP/1.1 request with `Connection: close` and the given extra header lines.
fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if matches!(method, "POST" | "PUT" | "PATCH") {
        text.push_str("Content-Length: 0\r\n");
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// Sends `raw` and reads the reply head (bounded: 10 s, 1 MiB).
fn exchange(port: u16, raw: &[u8]) -> Answer {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // A server may answer and close before reading a large request: ignore the reset.
    let _ = stream.write_all(raw);
    let mut reply = Vec::new();
    let _ = (&mut stream).take(1024 * 1024).read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let challenge = head.lines().skip(1).any(|line| {
        line.split_once(':')
            .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case("www-authenticate"))
    });
    Answer { status, challenge }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let mut inner = Sha256::new();
    inner.update(pad(0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(pad(0x5c));
    outer.update(inner.finalize());
    outer.finalize().to_vec()
}

/// A token whose signature is HMAC-SHA256 keyed with `secret`.
fn hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = hmac_sha256(secret, input.as_bytes());
    format!("{input}.{}", b64(signature))
}

fn claims(change: impl Fn(&mut Value)) -> Value {
    let mut claims = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "alice",
        "iat": now(), "exp": now() + 300,
    });
    change(&mut claims);
    claims
}

fn remove(key: &'static str) -> impl Fn(&mut Value) {
    move |c: &mut Value| {
        c.as_object_mut().expect("object").remove(key);
    }
}

fn set(key: &'static str, value: Value) -> impl Fn(&mut Value) {
    move |c: &mut Value| c[key] = value.clone()
}

/// Every case of the battery, with its decided answer.
fn cases(key: &RsaKey, attacker: &RsaKey) -> Vec<Case> {
    let mut out = Vec::new();
    let mut add = |name: &str, request: Vec<u8>, expect: Answer| {
        out.push(Case {
            name: name.to_owned(),
            request,
            expect,
        })
    };
    let header = |extra: Value| {
        let mut h = json!({ "alg": "RS256", "typ": "JWT", "kid": "k1" });
        for (k, v) in extra.as_object().expect("object") {
            h[k] = v.clone();
        }
        h
    };
    let signed = |extra: Value, claims: Value| key.sign_jwt_with_header(&header(extra), &claims);
    let valid = signed(json!({}), claims(|_| {}));
    let bearer = |token: &str| format!("Bearer {token}");
    let whoami =
        |authorization: &str| request("GET", "/v1/whoami", &[("Authorization", authorization)]);
    let token_case =
        |add: &mut dyn FnMut(&str, Vec<u8>, Answer), name: &str, token: &str, expect: Answer| {
            add(name, whoami(&bearer(token)), expect)
        };

    // The baseline.
    token_case(&mut add, "valid token", &valid, OK);
    add(
        "no Authorization header",
        request("GET", "/v1/whoami", &[]),
        DENIED,
    );

    // Algorithm confusion.
    let none_header = json!({ "alg": "none", "typ": "JWT", "kid": "k1" });
    let unsigned = format!(
        "{}.{}.",
        b64(none_header.to_string()),
        b64(claims(|_| {}).to_string())
    );
    token_case(&mut add, "alg none, empty signature", &unsigned, DENIED);
    let none_signed = format!("{unsigned}{}", valid.rsplit('.').next().unwrap());
    token_case(
        &mut add,
        "alg none, a real RS256 signature",
        &none_signed,
        DENIED,
    );
    let hs_header = json!({ "alg": "HS256", "typ": "JWT", "kid": "k1" });
    token_case(
        &mut add,
        "HS256 keyed with the RSA public key (PEM)",
        &hs256(&hs_header, &claims(|_| {}), &key.public_pem()),
        DENIED,
    );
    let n = key.jwk("k1")["n"].as_str().unwrap().to_owned();
    token_case(
        &mut add,
        "HS256 keyed with the JWK modulus",
        &hs256(&hs_header, &claims(|_| {}), n.as_bytes()),
        DENIED,
    );
    token_case(
        &mut add,
        "RS256 signed by another key, kid k1",
        &attacker.sign_jwt_with_header(&header(json!({})), &claims(|_| {})),
        DENIED,
    );
    token_case(
        &mut add,
        "alg PS256 in the header, RS256 signature",
        &signed(json!({ "alg": "PS256" }), claims(|_| {})),
        DENIED,
    );

    // Key selection.
    token_case(
        &mut add,
        "unknown kid",
        &signed(json!({ "kid": "k2" }), claims(|_| {})),
        DENIED,
    );
    token_case(
        &mut add,
        "kid path traversal",
        &signed(
            json!({ "kid": "../../../../../../dev/null" }),
            claims(|_| {}),
        ),
        DENIED,
    );
    token_case(
        &mut add,
        "kid SQL injection",
        &signed(json!({ "kid": "k1' OR '1'='1" }), claims(|_| {})),
        DENIED,
    );
    let mut no_kid = header(json!({}));
    no_kid.as_object_mut().unwrap().remove("kid");
    token_case(
        &mut add,
        "no kid",
        &key.sign_jwt_with_header(&no_kid, &claims(|_| {})),
        DENIED,
    );
    token_case(
        &mut add,
        "kid not a string",
        &signed(json!({ "kid": 1 }), claims(|_| {})),
        DENIED,
    );

    // Keys named by the token itself are never fetched or trusted.
    let elsewhere = "http://127.0.0.1:9/jwks.json";
    for (label, extra) in [
        ("jku", json!({ "jku": elsewhere })),
        ("x5u", json!({ "x5u": elsewhere })),
        ("embedded jwk", json!({ "jwk": attacker.jwk("k1") })),
    ] {
        token_case(
            &mut add,
            &format!("{label} header, signed by the attacker's key"),
            &attacker.sign_jwt_with_header(&header(extra.clone()), &claims(|_| {})),
            DENIED,
        );
        token_case(
            &mut add,
            &format!("{label} header, signed by the issuer's key"),
            &signed(extra, claims(|_| {})),
            OK,
        );
    }
    token_case(
        &mut add,
        "crit names an unknown extension",
        &signed(
            json!({ "crit": ["x-battery"], "x-battery": true }),
            claims(|_| {}),
        ),
        DENIED,
    );

    // Claims.
    let t = now();
    for (name, change, expect) in [
        (
            "exp missing",
            Box::new(remove("exp")) as Box<dyn Fn(&mut Value)>,
            DENIED,
        ),
        (
            "expired 120 s ago (beyond the 60 s leeway)",
            Box::new(set("exp", json!(t - 120))),
            DENIED,
        ),
        (
            "expired 20 s ago (within the leeway)",
            Box::new(set("exp", json!(t - 20))),
            OK,
        ),
        (
            "exp not a number",
            Box::new(set("exp", json!("tomorrow"))),
            DENIED,
        ),
        (
            "nbf 300 s in the future",
            Box::new(set("nbf", json!(t + 300))),
            DENIED,
        ),
        (
            "iat 300 s in the future",
            Box::new(set("iat", json!(t + 300))),
            DENIED,
        ),
        ("iss missing", Box::new(remove("iss")), DENIED),
        (
            "iss wrong",
            Box::new(set("iss", json!("https://evil.test/"))),
            DENIED,
        ),
        (
            "iss with a trailing difference",
            Box::new(set("iss", json!("https://issuer.test"))),
            DENIED,
        ),
        ("aud missing", Box::new(remove("aud")), DENIED),
        (
            "aud wrong",
            Box::new(set("aud", json!("other-api"))),
            DENIED,
        ),
        (
            "aud array with ours",
            Box::new(set("aud", json!(["other-api", AUDIENCE]))),
            OK,
        ),
        (
            "aud array without ours",
            Box::new(set("aud", json!(["other-api", "third-api"]))),
            DENIED,
        ),
        ("sub missing", Box::new(remove("sub")), DENIED),
    ] {
        token_case(&mut add, name, &signed(json!({}), claims(change)), expect);
    }

    // Token type (RFC 9068): at+jwt and the generic JWT are access tokens.
    token_case(
        &mut add,
        "typ at+jwt",
        &signed(json!({ "typ": "at+jwt" }), claims(|_| {})),
        OK,
    );
    token_case(
        &mut add,
        "typ dpop+jwt",
        &signed(json!({ "typ": "dpop+jwt" }), claims(|_| {})),
        DENIED,
    );
    token_case(
        &mut add,
        "typ id_token",
        &signed(json!({ "typ": "id_token" }), claims(|_| {})),
        DENIED,
    );

    // Malformed tokens.
    let (h, rest) = valid.split_once('.').unwrap();
    let (c, s) = rest.split_once('.').unwrap();
    for (name, token) in [
        ("one segment", "abc".to_owned()),
        ("two segments", format!("{h}.{c}")),
        ("four segments", format!("{valid}.{s}")),
        ("not base64url", "!!!.@@@.###".to_owned()),
        ("padded base64", format!("{h}==.{c}.{s}")),
        ("header not JSON", format!("{}.{c}.{s}", b64("not json"))),
        ("claims not JSON", format!("{h}.{}.{s}", b64("not json"))),
        (
            "signature truncated",
            format!("{h}.{c}.{}", &s[..s.len() / 2]),
        ),
    ] {
        token_case(&mut add, &format!("malformed: {name}"), &token, DENIED);
    }
    let padded = signed(json!({}), claims(set("pad", json!("x".repeat(6000)))));
    token_case(
        &mut add,
        "oversized token (8 KB, validly signed)",
        &padded,
        DENIED,
    );
    let huge = "A".repeat(64 * 1024);
    add(
        "oversized Authorization header (64 KiB)",
        whoami(&bearer(&huge)),
        answer(431, false),
    );

    // The Authorization header itself.
    for (name, value, expect) in [
        ("scheme lower case", format!("bearer {valid}"), OK),
        ("scheme upper case", format!("BEARER {valid}"), OK),
        // RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token.
        (
            "two spaces after the scheme",
            format!("Bearer  {valid}"),
            OK,
        ),
        ("tab after the scheme", format!("Bearer\t{valid}"), DENIED),
        ("scheme only", "Bearer".to_owned(), DENIED),
        ("scheme and a space", "Bearer ".to_owned(), DENIED),
        ("token without a scheme", valid.clone(), DENIED),
        (
            "Basic credentials",
            "Basic YWxpY2U6c2VjcmV0".to_owned(),
            DENIED,
        ),
        (
            "two tokens in one header",
            format!("Bearer {valid}, Bearer {valid}"),
            DENIED,
        ),
    ] {
        add(&format!("Authorization: {name}"), whoami(&value), expect);
    }
    let twice = |first: &str, second: &str| {
        request(
            "GET",
            "/v1/whoami",
            &[("Authorization", first), ("Authorization", second)],
        )
    };
    add(
        "two Authorization headers, both valid",
        twice(&bearer(&valid), &bearer(&valid)),
        DENIED,
    );
    add(
        "two Authorization headers, valid then junk",
        twice(&bearer(&valid), "Bearer junk"),
        DENIED,
    );
    add(
        "two Authorization headers, junk then valid",
        twice("Bearer junk", &bearer(&valid)),
        DENIED,
    );

    // Routes and methods.
    let auth = bearer(&valid);
    let with_token = [("Authorization", auth.as_str())];
    for path in [
        "/",
        "/nope",
        "/v1",
        "/v1/nope",
        "/admin",
        "/docs",
        "/openapi.json",
    ] {
        add(
            &format!("GET {path} without a token"),
            request("GET", path, &[]),
            DENIED,
        );
        add(
            &format!("GET {path} with a valid token"),
            request("GET", path, &with_token),
            answer(404, false),
        );
    }
    for method in ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"] {
        add(
            &format!("{method} /v1/whoami without a token"),
            request(method, "/v1/whoami", &[]),
            if method == "HEAD" {
                answer(401, true)
            } else {
                DENIED
            },
        );
        add(
            &format!("{method} /v1/whoami with a valid token"),
            request(method, "/v1/whoami", &with_token),
            if method == "HEAD" {
                OK
            } else {
                answer(405, false)
            },
        );
    }
    for probe in ["/healthz", "/readyz"] {
        add(&format!("GET {probe}"), request("GET", probe, &[]), OK);
        // The public surface is exactly GET /healthz and GET /readyz: HEAD is not
        // on it (probes use GET), so it is denied like any other method.
        add(
            &format!("HEAD {probe}"),
            request("HEAD", probe, &[]),
            DENIED,
        );
        add(
            &format!("GET {probe}?x=1"),
            request("GET", &format!("{probe}?x=1"), &[]),
            OK,
        );
        add(
            &format!("POST {probe}"),
            request("POST", probe, &[]),
            DENIED,
        );
        add(
            &format!("GET {probe}/"),
            request("GET", &format!("{probe}/"), &[]),
            DENIED,
        );
        add(
            &format!("GET {probe} with a junk token"),
            request("GET", probe, &[("Authorization", "Bearer junk")]),
            OK,
        );
    }

    // Path tricks: none may reach a protected route without a token, or a public
    // one's answer with a protected path.
    for path in [
        "//v1/whoami",
        "/v1/whoami/",
        "/v1//whoami",
        "/v1/./whoami",
        "/v1/%2e/whoami",
        "/v1/whoam%69",
        "/V1/WHOAMI",
        "/healthz/../v1/whoami",
        "/healthz/%2e%2e/v1/whoami",
        "/healthz%2f..%2fv1/whoami",
        "/v1/whoami;x=1",
        "/v1/whoami%00",
        "/healthz;/../v1/whoami",
    ] {
        add(
            &format!("GET {path} without a token"),
            request("GET", path, &[]),
            DENIED,
        );
    }

    // Scopes.
    let admin = signed(json!({}), claims(set("scope", json!("read admin"))));
    add(
        "GET /v1/admin without a token",
        request("GET", "/v1/admin", &[]),
        DENIED,
    );
    add(
        "GET /v1/admin without the admin scope",
        request("GET", "/v1/admin", &with_token),
        answer(403, true),
    );
    add(
        "GET /v1/admin with the admin scope",
        request("GET", "/v1/admin", &[("Authorization", &bearer(&admin))]),
        OK,
    );
    add(
        "GET /v1/admin, scope as an array (scp)",
        request(
            "GET",
            "/v1/admin",
            &[(
                "Authorization",
                &bearer(&signed(json!({}), claims(set("scp", json!(["admin"]))))),
            )],
        ),
        // `scp` (a list, as several issuers send it) counts like `scope`.
        OK,
    );
    out
}

/// Builds and starts one blueprint's service against `env` (the issuer, audience
/// and JWKS URL), ready (keys loaded) when it returns.
fn start(blueprint: &str, work: &Path, env: &[(&'static str, String)]) -> Service {
    let dir = work.join(blueprint);
    generate_from(blueprint, NAME, &dir, &[]);
    let log = work.join(format!("{blueprint}.log"));
    let service = match blueprint {
        "rust-axum" => {
            cargo(&dir, &["build", "--locked"]);
            let binary = work.join(format!("{NAME}-bin"));
            std::fs::copy(service_target_dir().join(format!("debug/{NAME}")), &binary)
                .expect("copy binary");
            let mut env = env.to_vec();
            // The failed-authentication throttle off: the battery sends many bad
            // tokens from one address, and throttling must not decide an answer.
            env.push(("AUTH_FAILURES_PER_MINUTE", "0".to_owned()));
            Service::start(&binary, &env, log)
        }
        "python-fastapi" => {
            let venv = venv(&dir);
            let mut env = env.to_vec();
            env.push(("PYTHONPATH", dir.join("src").display().to_string()));
            env.push(("PYTHONDONTWRITEBYTECODE", "1".to_owned()));
            Service::start_with_args(&venv.join("bin/python"), &["-m", "app"], &env, log)
        }
        "typescript-fastify" => {
            npm(&dir, &["ci", "--ignore-scripts", "--no-audit"]);
            npm(&dir, &["run", "build"]);
            let main = dir.join("dist/src/main.js");
            Service::start_with_args(&which("node"), &[main.to_str().expect("utf-8")], env, log)
        }
        other => panic!("no battery start-up for {other}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while exchange(service.port, &request("GET", "/readyz", &[])).status != 200 {
        assert!(
            Instant::now() < deadline,
            "{blueprint}: not ready within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    service
}

#[test]
#[ignore = "slow end-to-end test: scripts/test runs it with --ignored"]
fn three_services_answer_the_token_battery_identically() {
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key = RsaKey::generate(keys.path(), "issuer.pem");
    let attacker = RsaKey::generate(keys.path(), "attacker.pem");
    let jwks = JwksServer::start(json!({ "keys": [key.jwk("k1")] }).to_string());
    let env = vec![
        ("AUTH_ISSUER", ISSUER.to_owned()),
        ("AUTH_AUDIENCE", AUDIENCE.to_owned()),
        ("AUTH_JWKS_URL", jwks.url.clone()),
    ];
    let services: Vec<(&str, Service)> = BLUEPRINTS
        .iter()
        .map(|b| (*b, start(b, work.path(), &env)))
        .collect();
    eprintln!(
        "token battery: three services built and ready in {:?}",
        started.elapsed()
    );

    let cases = cases(&key, &attacker);
    let mut table = String::from("| case | decided | rust-axum | python-fastapi | typescript-fastify |\n|---|---|---|---|---|\n");
    let mut wrong = Vec::new();
    for case in &cases {
        let answers: Vec<Answer> = services
            .iter()
            .map(|(_, s)| exchange(s.port, &case.request))
            .collect();
        let cells: Vec<String> = answers
            .iter()
            .map(|a| {
                if *a == case.expect {
                    a.to_string()
                } else {
                    format!("**{a}**")
                }
            })
            .collect();
        writeln!(
            table,
            "| {} | {} | {} |",
            case.name,
            case.expect,
            cells.join(" | ")
        )
        .unwrap();
        for ((blueprint, _), got) in services.iter().zip(&answers) {
            if *got != case.expect {
                wrong.push(format!(
                    "{blueprint}: {}: got {got}, decided {}",
                    case.name, case.expect
                ));
            }
        }
    }
    eprintln!("{table}");
    eprintln!(
        "token battery: {} cases x {} services in {:?}",
        cases.len(),
        services.len(),
        started.elapsed()
    );
    for (blueprint, service) in &services {
        // Every service is still up: no request of the battery crashed one.
        assert_eq!(
            exchange(service.port, &request("GET", "/healthz", &[])),
            OK,
            "{blueprint} is down after the battery:\n{}",
            service.logs()
        );
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the decided ones:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
