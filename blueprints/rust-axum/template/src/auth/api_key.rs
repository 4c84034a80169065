//! API keys, checked against SHA-256 digests: the service never holds the keys.
//!
//! Configuration (required; the service refuses to start without it):
//!
//! | variable | meaning |
//! |---|---|
//! | `API_KEY_SHA256` | comma-separated SHA-256 digests (64 lowercase hex characters each) of the accepted keys, each optionally followed by `:` and the key's space-separated scopes (`<digest>:admin reports`) |
//!
//! Make a key and its digest with, for example:
//! `key=$(openssl rand -hex 32); printf %s "$key" | sha256sum`.
//!
//! Callers send `Authorization: Bearer <key>`. The digest of the presented key is
//! compared with every configured digest in constant time. The caller's identity
//! (`sub`) is the key id: the first 8 hex characters of its digest; its scopes are
//! the ones configured after the digest (none by default).

use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::{AuthError, Identity};
use crate::config::{ConfigError, required};

/// Most digests accepted in `API_KEY_SHA256`.
pub const MAX_KEYS: usize = 64;
/// Most scopes configured for one key.
pub const MAX_SCOPES: usize = 32;

#[derive(Clone)]
pub struct AuthConfig {
    digests: Vec<[u8; 32]>,
    /// The scopes of each key, in the order of `digests`; sorted, no duplicates.
    scopes: Vec<Vec<String>>,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("digests", &self.digests.len())
            .finish()
    }
}

impl AuthConfig {
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let value = required(lookup, "API_KEY_SHA256")?;
        let mut digests = Vec::new();
        let mut scopes = Vec::new();
        for (index, item) in value.split(',').map(str::trim).enumerate() {
            let (digest, granted) = item.split_once(':').unwrap_or((item, ""));
            let digest = parse_digest(digest.trim()).ok_or_else(|| {
                ConfigError::new(
                    "API_KEY_SHA256",
                    format!(
                        "entry {} is not a SHA-256 digest (64 lowercase hex characters)",
                        index + 1
                    ),
                )
            })?;
            let mut granted: Vec<String> = granted.split_whitespace().map(str::to_owned).collect();
            granted.sort();
            granted.dedup();
            let valid = granted.len() <= MAX_SCOPES
                && granted.iter().all(|scope| {
                    scope
                        .bytes()
                        .all(|byte| byte.is_ascii_graphic() && byte != b'"' && byte != b'\\')
                });
            if !valid {
                return Err(ConfigError::new(
                    "API_KEY_SHA256",
                    format!(
                        "entry {} has invalid scopes (at most {MAX_SCOPES}, printable, no quotes)",
                        index + 1
                    ),
                ));
            }
            digests.push(digest);
            scopes.push(granted);
        }
        if digests.len() > MAX_KEYS {
            return Err(ConfigError::new(
                "API_KEY_SHA256",
                format!("has more than {MAX_KEYS} entries"),
            ));
        }
        Ok(Self { digests, scopes })
    }
}

fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (out, pair) in digest.iter_mut().zip(bytes.chunks_exact(2)) {
        *out = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(digest)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

/// Checks API keys; shared by all requests.
pub struct Authenticator {
    config: AuthConfig,
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Result<Self, String> {
        Ok(Self { config })
    }

    /// Always ready: the keys are in the configuration, nothing is fetched.
    pub fn is_ready(&self) -> bool {
        true
    }

    pub async fn authenticate(&self, key: &str) -> Result<Identity, AuthError> {
        let presented: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        // Look at every configured digest, whatever matches, so the time taken does
        // not depend on which key (if any) was presented.
        let mut matched = subtle::Choice::from(0);
        let mut index = 0u32;
        for (position, digest) in (0u32..).zip(&self.config.digests) {
            let equal = digest.ct_eq(&presented);
            index.conditional_assign(&position, equal);
            matched |= equal;
        }
        if !bool::from(matched) {
            return Err(AuthError::Rejected("unknown API key".into()));
        }
        let scopes = usize::try_from(index)
            .ok()
            .and_then(|index| self.config.scopes.get(index))
            .cloned()
            .unwrap_or_default();
        Ok(Identity {
            sub: key_id(&presented),
            scopes,
            ..Identity::default()
        })
    }
}

/// The first 8 hex characters of the key's digest: safe to log and to show.
fn key_id(digest: &[u8; 32]) -> String {
    digest[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_digest(key: &str) -> String {
        Sha256::digest(key.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn config(value: &str) -> Result<AuthConfig, ConfigError> {
        let value = value.to_owned();
        AuthConfig::from_lookup(&move |name| (name == "API_KEY_SHA256").then(|| value.clone()))
    }

    #[test]
    fn digests_are_parsed_and_validated() {
        let one = hex_digest("first");
        let two = format!("{one}, {}", hex_digest("second"));
        assert_eq!(config(&one).unwrap().digests.len(), 1);
        assert_eq!(config(&two).unwrap().digests.len(), 2);
        let scoped = config(&format!("{one}:write admin admin")).unwrap();
        assert_eq!(
            scoped.scopes,
            vec![vec!["admin".to_owned(), "write".to_owned()]]
        );
        for bad in [
            String::new(),
            "abc".to_owned(),
            one.to_uppercase(),
            format!("{one},"),
            format!("{one}0"),
            format!("{one}:\"quoted\""),
            format!(
                "{one}:{}",
                (0..=MAX_SCOPES)
                    .map(|i| format!("s{i}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ] {
            let err = config(&bad).unwrap_err();
            assert_eq!(err.variable, "API_KEY_SHA256");
            assert!(!err.to_string().contains(&one), "never echo the value");
        }
        assert!(AuthConfig::from_lookup(&|_| None).is_err());
    }

    #[tokio::test]
    async fn accepts_only_configured_keys() {
        let digest = hex_digest("right");
        let auth = Authenticator::new(config(&digest).unwrap()).unwrap();
        assert_eq!(auth.authenticate("right").await.unwrap().sub, digest[..8]);
        assert!(auth.authenticate("wrong").await.is_err());
        assert!(auth.authenticate(&digest).await.is_err());
    }

    #[tokio::test]
    async fn each_key_carries_its_own_scopes() {
        let value = format!("{}:admin,{}", hex_digest("boss"), hex_digest("worker"));
        let auth = Authenticator::new(config(&value).unwrap()).unwrap();
        assert_eq!(
            auth.authenticate("boss").await.unwrap().scopes,
            vec!["admin"]
        );
        assert!(auth.authenticate("worker").await.unwrap().scopes.is_empty());
    }
}
