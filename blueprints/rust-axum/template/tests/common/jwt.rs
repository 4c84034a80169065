//! Test-only identity provider: signing keys generated at test time (never committed),
//! a JWKS endpoint on 127.0.0.1 and a token builder that can also forge bad tokens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents,
};
use aws_lc_rs::{hmac, rsa};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::service;
use service::app::{App, AppState};
use service::auth::KeyTiming;

pub const ISSUER: &str = "https://issuer.test/";
pub const AUDIENCE: &str = "demo-api";
pub const RSA_KID: &str = "rsa-1";
pub const EC_KID: &str = "ec-1";

/// Key pairs, generated once per test binary.
pub struct Keys {
    pub rsa: RsaKeyPair,
    pub ec: EcdsaKeyPair,
    /// Not in the JWKS: signs forged tokens and plays the rotated-in key.
    pub other_rsa: RsaKeyPair,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa: RsaKeyPair::generate(rsa::KeySize::Rsa2048).expect("RSA key"),
        ec: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key"),
        other_rsa: RsaKeyPair::generate(rsa::KeySize::Rsa2048).expect("RSA key"),
    })
}

pub fn rsa_jwk(key: &RsaKeyPair, kid: &str) -> Value {
    let components = RsaPublicKeyComponents::<Vec<u8>>::from(key.public_key());
    json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(&components.n),
        "e": URL_SAFE_NO_PAD.encode(&components.e),
    })
}

pub fn ec_jwk(key: &EcdsaKeyPair, kid: &str) -> Value {
    // Uncompressed point: 0x04 || x || y.
    let point = key.public_key().as_ref();
    json!({
        "kty": "EC",
        "use": "sig",
        "crv": "P-256",
        "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
    })
}

/// The RSA public key as PEM: what an attacker would use as an HMAC secret.
pub fn rsa_public_pem(key: &RsaKeyPair) -> String {
    let der = key.public_key().as_der().expect("public key DER");
    let encoded = STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

pub fn now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(seconds).expect("timestamp fits")
}

/// Claims of a token that should be accepted.
pub fn valid_claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-123",
        "iat": now(),
        "exp": now() + 300,
    })
}

/// How to sign a token.
pub enum Signer<'a> {
    Rs256(&'a RsaKeyPair),
    Es256(&'a EcdsaKeyPair),
    Hs256(&'a [u8]),
    /// `alg: none`, empty signature.
    Unsigned,
}

impl Signer<'_> {
    fn alg(&self) -> &'static str {
        match self {
            Self::Rs256(_) => "RS256",
            Self::Es256(_) => "ES256",
            Self::Hs256(_) => "HS256",
            Self::Unsigned => "none",
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Rs256(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .expect("RSA signature");
                signature
            }
            Self::Es256(key) => key
                .sign(&rng, message)
                .expect("EC signature")
                .as_ref()
                .to_vec(),
            Self::Hs256(secret) => hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), message)
                .as_ref()
                .to_vec(),
            Self::Unsigned => Vec::new(),
        }
    }
}

/// A compact JWT with header `{alg, typ: "JWT", kid}` and the given claims.
pub fn token(signer: &Signer<'_>, kid: Option<&str>, claims: &Value) -> String {
    token_of_type(signer, kid, Some("JWT"), claims)
}

/// A compact JWT with header `{alg, typ, kid}` (no `typ` when `None`).
pub fn token_of_type(
    signer: &Signer<'_>,
    kid: Option<&str>,
    typ: Option<&str>,
    claims: &Value,
) -> String {
    let mut header = json!({ "alg": signer.alg() });
    if let Some(typ) = typ {
        header["typ"] = json!(typ);
    }
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    token_with_header(signer, &header, claims)
}

/// A compact JWT with exactly `header`, signed by `signer`.
pub fn token_with_header(signer: &Signer<'_>, header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = signer.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The JWKS endpoint: serves whatever document is current, counts fetches, and can
/// be made to fail or to answer slowly.
pub struct Jwks {
    pub document: Mutex<Value>,
    pub fetches: AtomicUsize,
    /// Fetches answered so far (a slow answer counts once it is sent).
    pub answered: AtomicUsize,
    /// When set, fetches get this status and no keys.
    pub failing: Mutex<Option<StatusCode>>,
    pub delay: Mutex<Duration>,
}

impl Default for Jwks {
    fn default() -> Self {
        Self {
            document: Mutex::new(json!({ "keys": [] })),
            fetches: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            failing: Mutex::new(None),
            delay: Mutex::new(Duration::ZERO),
        }
    }
}

impl Jwks {
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.document.lock().expect("lock") = json!({ "keys": keys });
    }

    pub fn fail_with(&self, status: Option<StatusCode>) {
        *self.failing.lock().expect("lock") = status;
    }

    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().expect("lock") = delay;
    }
}

async fn serve_jwks(State(jwks): State<Arc<Jwks>>) -> axum::response::Response {
    use axum::response::IntoResponse;
    jwks.fetches.fetch_add(1, Ordering::SeqCst);
    let delay = *jwks.delay.lock().expect("lock");
    tokio::time::sleep(delay).await;
    jwks.answered.fetch_add(1, Ordering::SeqCst);
    if let Some(status) = *jwks.failing.lock().expect("lock") {
        return status.into_response();
    }
    axum::Json(jwks.document.lock().expect("lock").clone()).into_response()
}

/// Starts a JWKS server on 127.0.0.1 (it stops with the test's runtime).
pub async fn start_jwks(keys: Vec<Value>) -> (Arc<Jwks>, String) {
    let jwks = Arc::new(Jwks::default());
    jwks.set_keys(keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!(
        "http://{}/jwks.json",
        listener.local_addr().expect("address")
    );
    let app = Router::new()
        .route("/jwks.json", get(serve_jwks))
        .with_state(jwks.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (jwks, url)
}

/// Refresh timings for tests: fast retries, `min_refetch_interval` between
/// fetches caused by unknown `kid`s, keys valid for `max_age`.
pub fn timing(min_refetch_interval: Duration, max_age: Duration) -> KeyTiming {
    KeyTiming {
        refresh_every: Duration::from_secs(300),
        retry_min: Duration::from_millis(50),
        min_refetch_interval,
        max_age,
        max_wait: Duration::from_secs(6),
    }
}

/// The application under test, wired to a fresh JWKS server holding the RSA and EC
/// keys, and ready (keys loaded) unless the JWKS server was told to fail.
pub struct Fixture {
    pub app: App,
    pub state: AppState,
    pub jwks: Arc<Jwks>,
}

pub async fn fixture(min_refetch_interval: Duration) -> Fixture {
    let f = fixture_with(timing(min_refetch_interval, Duration::from_secs(3600)), &[]).await;
    super::wait_until_ready(&f.app).await;
    f
}

/// A fixture with these timings and extra variables, not waited for.
pub async fn fixture_with(timing: KeyTiming, extra: &[(&str, &str)]) -> Fixture {
    let k = keys();
    let (jwks, url) = start_jwks(vec![rsa_jwk(&k.rsa, RSA_KID), ec_jwk(&k.ec, EC_KID)]).await;
    let state = state_with(&url, timing, extra);
    Fixture {
        app: service::app::app(state.clone()),
        state,
        jwks,
    }
}

pub fn state_with(url: &str, timing: KeyTiming, extra: &[(&str, &str)]) -> AppState {
    let mut env: Vec<(String, String)> = vec![
        ("AUTH_ISSUER".into(), ISSUER.into()),
        ("AUTH_AUDIENCE".into(), AUDIENCE.into()),
        ("AUTH_JWKS_URL".into(), url.into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let lookup = move |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let config = service::auth::AuthConfig::from_lookup(&lookup).expect("auth config");
    let authenticator =
        service::auth::Authenticator::with_timing(config, timing).expect("authenticator");
    AppState::new(authenticator)
}

/// A ready state plus tokens without and with the `admin` scope.
pub async fn caller() -> super::Caller {
    let f = fixture(Duration::from_secs(30)).await;
    let plain = bearer(&token(
        &Signer::Rs256(&keys().rsa),
        Some(RSA_KID),
        &valid_claims(),
    ));
    let mut claims = valid_claims();
    claims["scope"] = json!("read admin");
    let admin = bearer(&token(&Signer::Rs256(&keys().rsa), Some(RSA_KID), &claims));
    super::Caller {
        state: f.state,
        plain,
        admin,
    }
}
