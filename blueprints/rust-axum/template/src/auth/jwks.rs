//! The issuer's signing keys (JWKS), kept by one background task.
//!
//! - The keys are fetched at start-up, before any request asks for them, and
//!   refreshed every `refresh_every`; a failed fetch is retried with backoff
//!   (`retry_min`, doubling, at most `refresh_every`).
//! - Only that task fetches (single flight), so a client that disconnects cancels
//!   nothing but its own wait. A token naming an unknown `kid` (key rotation) wakes
//!   the task and waits a bounded time for it; the task fetches at most once per
//!   `min_refetch_interval`, so forged `kid`s cannot make the service hammer the issuer.
//! - Keys are used for at most `max_age` after the last successful fetch. If
//!   refreshes keep failing past that, every token is refused and `/readyz` answers
//!   503, instead of trusting keys the issuer may have revoked long ago.
//! - A failed fetch, or a document with no usable key, keeps the previous keys.
//!
//! The task holds only a weak reference: it ends when the authenticator is dropped.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Url;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use tokio::sync::{Notify, watch};

use super::jwt::ALLOWED_ALGORITHMS;

/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most keys taken from one JWKS document.
pub const MAX_JWKS_KEYS: usize = 32;
/// Total time allowed for one JWKS fetch.
pub const JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// When the key set is fetched and how long it is trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyTiming {
    /// Regular refresh while fetches succeed.
    pub refresh_every: Duration,
    /// First retry delay after a failed fetch (doubles up to `refresh_every`).
    pub retry_min: Duration,
    /// Least time between two fetches caused by unknown `kid`s.
    pub min_refetch_interval: Duration,
    /// Longest keys are used after the last successful fetch.
    pub max_age: Duration,
    /// Longest a request waits for a refetch it asked for.
    pub max_wait: Duration,
}

impl Default for KeyTiming {
    fn default() -> Self {
        Self {
            refresh_every: Duration::from_secs(5 * 60),
            retry_min: Duration::from_secs(1),
            min_refetch_interval: Duration::from_secs(30),
            max_age: Duration::from_secs(60 * 60),
            max_wait: JWKS_TIMEOUT + Duration::from_secs(1),
        }
    }
}

#[derive(Clone)]
pub(super) struct VerifyingKey {
    pub key: DecodingKey,
    pub algorithms: Vec<Algorithm>,
}

struct KeySet {
    keys: HashMap<String, VerifyingKey>,
    fetched_at: Instant,
}

pub(super) struct KeyStore {
    url: Url,
    http: reqwest::Client,
    timing: KeyTiming,
    current: RwLock<Option<KeySet>>,
    /// Wakes the refresher early (unknown `kid`).
    wake: Arc<Notify>,
    /// Counts the refresher's attempts (fetched, failed or skipped), so a request
    /// that asked for a refetch knows when to look again.
    attempts: watch::Sender<u64>,
}

impl KeyStore {
    /// Starts the refresher task: call inside a tokio runtime.
    pub fn start(url: Url, timing: KeyTiming) -> Result<Arc<Self>, String> {
        let http = reqwest::Client::builder()
            .timeout(JWKS_TIMEOUT)
            .connect_timeout(JWKS_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(url.scheme() == "https")
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|err| format!("cannot build the JWKS client: {err}"))?;
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| "the JWKS refresher needs a tokio runtime".to_owned())?;
        let store = Arc::new(Self {
            url,
            http,
            timing,
            current: RwLock::new(None),
            wake: Arc::new(Notify::new()),
            attempts: watch::Sender::new(0),
        });
        handle.spawn(refresher(
            Arc::downgrade(&store),
            store.wake.clone(),
            timing,
        ));
        Ok(store)
    }

    /// Keys are loaded and younger than `max_age`.
    pub fn is_fresh(&self) -> bool {
        self.read(|set| set.is_some())
    }

    /// The key for `kid` if it is in a set still young enough to use.
    fn lookup(&self, kid: &str) -> Option<VerifyingKey> {
        self.read(|set| set.and_then(|set| set.keys.get(kid).cloned()))
    }

    fn read<T>(&self, f: impl FnOnce(Option<&KeySet>) -> T) -> T {
        let current = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let usable = current
            .as_ref()
            .filter(|set| set.fetched_at.elapsed() < self.timing.max_age);
        f(usable)
    }

    /// The key for `kid`; an unknown one asks the refresher for a refetch and waits
    /// (at most `max_wait`) for its next attempt. Dropping this future cancels only
    /// the wait, never the fetch.
    pub async fn key(&self, kid: &str) -> Option<VerifyingKey> {
        if let Some(key) = self.lookup(kid) {
            return Some(key);
        }
        let mut attempts = self.attempts.subscribe();
        attempts.borrow_and_update();
        self.wake.notify_one();
        let _ = tokio::time::timeout(self.timing.max_wait, attempts.changed()).await;
        self.lookup(kid)
    }

    fn install(&self, keys: HashMap<String, VerifyingKey>) {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = Some(KeySet {
            keys,
            fetched_at: Instant::now(),
        });
    }

    fn attempted(&self) {
        self.attempts
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    async fn fetch(&self) -> Result<HashMap<String, VerifyingKey>, String> {
        let mut response = self
            .http
            .get(self.url.clone())
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
        let keys = parse_jwks(&body)?;
        if keys.is_empty() {
            return Err("no usable signing key in the document".into());
        }
        Ok(keys)
    }
}

/// The background task: fetch, then sleep until the next refresh, retry or wake-up.
async fn refresher(store: Weak<KeyStore>, wake: Arc<Notify>, timing: KeyTiming) {
    let mut failures: u32 = 0;
    loop {
        let Some(current) = store.upgrade() else {
            return;
        };
        match current.fetch().await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched JWKS");
                current.install(keys);
                failures = 0;
            }
            Err(err) => {
                failures = failures.saturating_add(1);
                let stale = !current.is_fresh();
                tracing::warn!(error = %err, failures, keys_expired = stale, "JWKS fetch failed");
            }
        }
        current.attempted();
        drop(current);
        // Intervals count from the end of an attempt, so a slow issuer is not asked
        // again as soon as it answers.
        let finished = Instant::now();
        let next = if failures == 0 {
            timing.refresh_every
        } else {
            let factor = 1u32 << failures.saturating_sub(1).min(16);
            timing
                .retry_min
                .saturating_mul(factor)
                .min(timing.refresh_every)
        };
        let due = finished + next;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(due.into()) => break,
                () = wake.notified() => {
                    if finished.elapsed() >= timing.min_refetch_interval {
                        break;
                    }
                    // Too soon after the last fetch: tell the waiting requests now
                    // rather than make them wait for nothing.
                    match store.upgrade() {
                        Some(current) => current.attempted(),
                        None => return,
                    }
                }
            }
        }
    }
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

    #[tokio::test]
    async fn nothing_is_fresh_before_a_fetch_succeeds() {
        // Port 9 (discard) on loopback: nothing answers.
        let url = Url::parse("http://127.0.0.1:9/jwks.json").unwrap();
        let store = KeyStore::start(url, KeyTiming::default()).unwrap();
        assert!(!store.is_fresh());
        assert!(store.lookup("any").is_none());
    }
}
