//! OIDC / JWT bearer tokens, verified against the issuer's JSON Web Key Set (JWKS).
//!
//! Configuration (all required; the service refuses to start without them):
//!
//! | variable | meaning |
//! |---|---|
//! | `AUTH_ISSUER` | expected `iss` claim, e.g. `https://login.example.com/` |
//! | `AUTH_AUDIENCE` | expected `aud` claim: this service's client id / API identifier |
//! | `AUTH_JWKS_URL` | the issuer's JWKS document; `https://`, or `http://` to a loopback address for local development |
//!
//! A token is accepted only if:
//! - its header names a `kid` present in the JWKS and an `alg` from
//!   `ALLOWED_ALGORITHMS` (asymmetric only: `none` and HMAC are never accepted) that
//!   also fits that key (its type and curve, and its own `alg` if it declares one),
//!   so the algorithm is never taken from the token alone;
//! - the signature verifies with that key;
//! - `iss` and `aud` match the configuration, `exp` and `sub` are present, and `exp`
//!   and `nbf` hold with at most `LEEWAY` of clock skew.
//!
//! Keys are cached by `kid`. An unknown `kid` (key rotation) or a cache older than
//! `MAX_KEY_AGE` triggers a refetch, at most once per `MIN_REFRESH_INTERVAL`, with a
//! timeout and a size limit, so forged tokens cannot make the service hammer the
//! issuer.

use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use reqwest::Url;
use reqwest::header::ACCEPT;
use serde::Deserialize;

use super::{AuthError, Identity};
use crate::config::{ConfigError, required};

/// Signature algorithms accepted, whatever a key or a token says.
pub const ALLOWED_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY: u64 = 60;
/// Minimum time between two JWKS fetches.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// Cached keys older than this are refetched (keys removed by the issuer stop working).
pub const MAX_KEY_AGE: Duration = Duration::from_secs(15 * 60);
/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most keys taken from one JWKS document.
pub const MAX_JWKS_KEYS: usize = 32;
/// Total time allowed for one JWKS fetch.
pub const JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_MODULUS_BYTES: usize = 256;

#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: Url,
}

impl AuthConfig {
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let issuer = required(lookup, "AUTH_ISSUER")?;
        let audience = required(lookup, "AUTH_AUDIENCE")?;
        let jwks_url = required(lookup, "AUTH_JWKS_URL")?;
        let jwks_url = Url::parse(&jwks_url)
            .map_err(|_| ConfigError::new("AUTH_JWKS_URL", "is not a valid URL"))?;
        match jwks_url.scheme() {
            "https" => {}
            "http" if is_loopback(&jwks_url) => {}
            _ => {
                return Err(ConfigError::new(
                    "AUTH_JWKS_URL",
                    "must use https:// (http:// is allowed only for a loopback address)",
                ));
            }
        }
        if !jwks_url.username().is_empty() || jwks_url.password().is_some() {
            return Err(ConfigError::new(
                "AUTH_JWKS_URL",
                "must not contain credentials",
            ));
        }
        Ok(Self {
            issuer,
            audience,
            jwks_url,
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[derive(Clone)]
struct VerifyingKey {
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, VerifyingKey>,
    fetched_at: Option<Instant>,
}

/// Verifies bearer tokens; shared by all requests.
pub struct Authenticator {
    config: AuthConfig,
    validation: Validation,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    /// When the last fetch started; held while fetching so concurrent misses wait for
    /// one fetch instead of starting their own.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    min_refresh_interval: Duration,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(JWKS_TIMEOUT)
            .connect_timeout(JWKS_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(config.jwks_url.scheme() == "https")
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|err| format!("cannot build the JWKS client: {err}"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        Ok(Self {
            config,
            validation,
            http,
            cache: RwLock::new(KeyCache::default()),
            last_fetch: tokio::sync::Mutex::new(None),
            min_refresh_interval: MIN_REFRESH_INTERVAL,
        })
    }

    /// Changes the minimum time between JWKS fetches (tests use a short one).
    #[must_use]
    pub fn with_min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    pub async fn authenticate(&self, token: &str) -> Result<Identity, AuthError> {
        let header = decode_header(token).map_err(|_| rejected("malformed token"))?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(rejected("algorithm not allowed"));
        }
        let kid = header
            .kid
            .as_deref()
            .ok_or_else(|| rejected("token has no kid"))?;
        let key = self
            .key(kid)
            .await
            .ok_or_else(|| rejected("unknown signing key"))?;
        if !key.algorithms.contains(&header.alg) {
            return Err(rejected("algorithm does not match the signing key"));
        }
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let data = decode::<Claims>(token, &key.key, &validation)
            .map_err(|err| AuthError::Rejected(format!("{:?}", err.kind())))?;
        Ok(Identity {
            sub: data.claims.sub,
        })
    }

    async fn key(&self, kid: &str) -> Option<VerifyingKey> {
        let (found, fresh) = self.cached(kid);
        if let (Some(key), true) = (&found, fresh) {
            return Some(key.clone());
        }
        self.refresh().await;
        // A failed refresh keeps the previous keys.
        self.cached(kid).0
    }

    fn cached(&self, kid: &str) -> (Option<VerifyingKey>, bool) {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < MAX_KEY_AGE);
        (cache.keys.get(kid).cloned(), fresh)
    }

    async fn refresh(&self) {
        let mut last_fetch = self.last_fetch.lock().await;
        if last_fetch.is_some_and(|at| at.elapsed() < self.min_refresh_interval) {
            return;
        }
        *last_fetch = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched JWKS");
                let mut cache = self
                    .cache
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                *cache = KeyCache {
                    keys,
                    fetched_at: Some(Instant::now()),
                };
            }
            Err(err) => tracing::warn!(error = %err, "JWKS fetch failed"),
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, VerifyingKey>, String> {
        let mut response = self
            .http
            .get(self.config.jwks_url.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| format!("request failed: {err}"))?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > MAX_JWKS_BYTES as u64)
        {
            return Err("document too large".into());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("read failed: {err}"))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err("document too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

fn rejected(reason: &str) -> AuthError {
    AuthError::Rejected(reason.to_owned())
}

/// The usable signing keys of a JWKS document, by `kid`. Keys that cannot be used
/// (no `kid`, encryption keys, symmetric keys, unsupported types, weak RSA) are
/// skipped rather than failing the whole set.
fn parse_jwks(body: &[u8]) -> Result<HashMap<String, VerifyingKey>, String> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let set: RawSet =
        serde_json::from_slice(body).map_err(|err| format!("not a JWKS document: {err}"))?;
    let mut keys = HashMap::new();
    for value in set.keys.into_iter().take(MAX_JWKS_KEYS) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if matches!(
            jwk.common.public_key_use,
            Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
        ) {
            continue;
        }
        let algorithms = algorithms_for(&jwk);
        if algorithms.is_empty() {
            continue;
        }
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.insert(kid, VerifyingKey { key, algorithms });
    }
    Ok(keys)
}

/// Algorithms a key may verify: those its type and curve allow, narrowed to the
/// key's own `alg` when it declares one, and always within `ALLOWED_ALGORITHMS`.
fn algorithms_for(jwk: &Jwk) -> Vec<Algorithm> {
    let by_type: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa)
            if rsa.n.trim_end_matches('=').len() * 3 / 4 >= MIN_RSA_MODULUS_BYTES =>
        {
            &[
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ]
        }
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => &[],
        },
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            &[Algorithm::EdDSA]
        }
        // Symmetric ("oct") keys and anything else never verify tokens.
        _ => &[],
    };
    let declared = match &jwk.common.key_algorithm {
        None => None,
        Some(alg) => match Algorithm::from_str(&alg.to_string()) {
            Ok(alg) => Some(alg),
            Err(_) => return Vec::new(),
        },
    };
    by_type
        .iter()
        .copied()
        .filter(|alg| ALLOWED_ALGORITHMS.contains(alg))
        .filter(|alg| declared.is_none_or(|declared| declared == *alg))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    const COMPLETE: &[(&str, &str)] = &[
        ("AUTH_ISSUER", "https://issuer.example/"),
        ("AUTH_AUDIENCE", "demo"),
        ("AUTH_JWKS_URL", "https://issuer.example/jwks.json"),
    ];

    #[test]
    fn complete_configuration_is_accepted() {
        let config = AuthConfig::from_lookup(&lookup(COMPLETE)).unwrap();
        assert_eq!(config.audience, "demo");
    }

    #[test]
    fn each_variable_is_required() {
        for missing in ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"] {
            let partial =
                move |name: &str| (name != missing).then(|| lookup(COMPLETE)(name)).flatten();
            let err = AuthConfig::from_lookup(&partial).unwrap_err();
            assert_eq!(err.variable, missing);
        }
    }

    #[test]
    fn jwks_url_must_be_https_unless_loopback() {
        for (url, ok) in [
            ("http://issuer.example/jwks.json", false),
            ("ftp://issuer.example/jwks.json", false),
            ("not a url", false),
            ("https://user:pw@issuer.example/jwks.json", false),
            ("http://127.0.0.1:9000/jwks.json", true),
            ("http://localhost:9000/jwks.json", true),
            ("http://[::1]:9000/jwks.json", true),
        ] {
            let with_url = move |name: &str| {
                if name == "AUTH_JWKS_URL" {
                    Some(url.to_owned())
                } else {
                    lookup(COMPLETE)(name)
                }
            };
            assert_eq!(AuthConfig::from_lookup(&with_url).is_ok(), ok, "{url}");
        }
    }

    fn jwk(value: serde_json::Value) -> Jwk {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn symmetric_and_mismatched_keys_verify_nothing() {
        let oct = jwk(serde_json::json!({"kty": "oct", "k": "c2VjcmV0", "kid": "h"}));
        assert!(algorithms_for(&oct).is_empty());
        let ec = jwk(serde_json::json!({
            "kty": "EC", "crv": "P-256", "kid": "e", "alg": "RS256",
            "x": "AAAA",
            "y": "AAAA",
        }));
        assert!(algorithms_for(&ec).is_empty());
    }

    #[test]
    fn weak_rsa_keys_are_skipped() {
        let short =
            jwk(serde_json::json!({"kty": "RSA", "kid": "r", "n": "AQAB".repeat(20), "e": "AQAB"}));
        assert!(algorithms_for(&short).is_empty());
    }

    #[test]
    fn bad_documents_are_errors_and_bad_keys_are_skipped() {
        assert!(parse_jwks(b"[]").is_err());
        assert!(parse_jwks(b"{\"keys\": 1}").is_err());
        let keys = parse_jwks(
            br#"{"keys": [{"kty": "weird"}, {"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}"#,
        )
        .unwrap();
        assert!(keys.is_empty());
    }
}
