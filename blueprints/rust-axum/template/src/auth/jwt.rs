//! OIDC / OAuth 2.0 access tokens (JWT), verified against the issuer's JSON Web Key
//! Set (JWKS).
//!
//! Configuration:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `AUTH_ISSUER` | required | expected `iss` claim, e.g. `https://login.example.com/` |
//! | `AUTH_AUDIENCE` | required | expected `aud` claim: this service's API identifier |
//! | `AUTH_JWKS_URL` | required | the issuer's JWKS document; `https://`, or `http://` to a loopback address for local development |
//! | `AUTH_REQUIRE_AT_JWT` | `false` | `true`: accept only tokens whose header says `typ: at+jwt` (RFC 9068) |
//! | `AUTH_ALLOWED_CLIENTS` | unset: any client | comma-separated OAuth client ids; the token's `client_id` (or `azp`) must be one of them |
//! | `AUTH_JWKS_MAX_AGE_SECS` | `3600` | longest the signing keys are used after the last successful JWKS fetch (60 to 86400) |
//!
//! A token is accepted only if:
//! - its header names a `kid` present in the JWKS and an `alg` from
//!   `ALLOWED_ALGORITHMS` (asymmetric only: `none` and HMAC are never accepted) that
//!   also fits that key (its type and curve, and its own `alg` if it declares one),
//!   so the algorithm is never taken from the token alone;
//! - its header `typ`, when present, is `at+jwt` / `application/at+jwt` (an access
//!   token, RFC 9068) or the generic `JWT` many issuers put on access tokens; any
//!   other type (logout tokens, DPoP proofs, security events …) is refused. With
//!   `AUTH_REQUIRE_AT_JWT=true` only `at+jwt` is accepted: set it when your issuer
//!   types its access tokens, and ID tokens can no longer pass for them;
//! - the signature verifies with that key;
//! - its header lists no critical extensions (`crit`, RFC 7515 section 4.1.11: a
//!   verifier must refuse extensions it does not understand, and this one
//!   understands none);
//! - `iss` and `aud` match the configuration, `exp` and `sub` are present, and `exp`
//!   and `nbf` hold with at most `LEEWAY` of clock skew, and `iat`, when present, is
//!   not later than now plus `LEEWAY` (a token issued in the future is refused);
//! - with `AUTH_ALLOWED_CLIENTS`, its `client_id` (RFC 9068) or else `azp` (OIDC) is
//!   listed.
//!
//! The caller's scopes (`scope`, space-separated, or `scp`) and `roles` go on the
//! `Identity`; routes check scopes with `require_scope`.
//!
//! **An OIDC ID token is not an access token.** An ID token tells a client *who
//! logged in*; its audience is that client, and it grants nothing to call an API
//! with. Accepting one here would let any application that receives ID tokens for
//! this user (a front end, a partner's login) call the API as the user, without a
//! grant for it. The `aud` check refuses ID tokens as long as `AUTH_AUDIENCE` is
//! this API's identifier and not a client id; `AUTH_REQUIRE_AT_JWT` refuses them by
//! type, and `AUTH_ALLOWED_CLIENTS` limits which clients' tokens count at all.
//!
//! Keys come from `jwks.rs`: fetched at start-up and refreshed in the background.

use std::net::IpAddr;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use reqwest::Url;
use serde::Deserialize;

use super::jwks::{KeyStore, KeyTiming};
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
/// Most client ids in `AUTH_ALLOWED_CLIENTS`.
pub const MAX_ALLOWED_CLIENTS: usize = 64;
/// Most scopes or roles taken from one token.
const MAX_GRANTS: usize = 256;

#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: Url,
    /// Accept only `typ: at+jwt` tokens.
    pub require_at_jwt: bool,
    /// When set, the only clients whose tokens are accepted.
    pub allowed_clients: Option<Vec<String>>,
    /// Longest keys are used after the last successful fetch.
    pub jwks_max_age: Duration,
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
            require_at_jwt: flag(lookup, "AUTH_REQUIRE_AT_JWT")?,
            allowed_clients: allowed_clients(lookup)?,
            jwks_max_age: max_age(lookup)?,
        })
    }
}

fn flag(
    lookup: &dyn Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<bool, ConfigError> {
    match lookup(variable).as_deref().map(str::trim) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ConfigError::new(variable, "must be true or false")),
    }
}

fn allowed_clients(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Vec<String>>, ConfigError> {
    let Some(value) = lookup("AUTH_ALLOWED_CLIENTS").filter(|value| !value.trim().is_empty())
    else {
        return Ok(None);
    };
    let clients: Vec<String> = value
        .split(',')
        .map(|item| item.trim().to_owned())
        .collect();
    if clients.iter().any(String::is_empty) {
        return Err(ConfigError::new(
            "AUTH_ALLOWED_CLIENTS",
            "has an empty entry",
        ));
    }
    if clients.len() > MAX_ALLOWED_CLIENTS {
        return Err(ConfigError::new(
            "AUTH_ALLOWED_CLIENTS",
            format!("has more than {MAX_ALLOWED_CLIENTS} entries"),
        ));
    }
    Ok(Some(clients))
}

fn max_age(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    const VARIABLE: &str = "AUTH_JWKS_MAX_AGE_SECS";
    match lookup(VARIABLE).as_deref().map(str::trim) {
        None | Some("") => Ok(KeyTiming::default().max_age),
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) if (60..=86_400).contains(&seconds) => Ok(Duration::from_secs(seconds)),
            _ => Err(ConfigError::new(
                VARIABLE,
                "must be a number of seconds from 60 to 86400",
            )),
        },
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

/// Verifies bearer tokens; shared by all requests.
pub struct Authenticator {
    config: AuthConfig,
    validation: Validation,
    keys: std::sync::Arc<KeyStore>,
}

/// One or several strings: `scp` and `roles` come either way depending on the issuer.
#[derive(Deserialize)]
#[serde(untagged)]
enum Grants {
    Spaced(String),
    Listed(Vec<String>),
}

impl Grants {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::Spaced(text) => text.split_whitespace().map(str::to_owned).collect(),
            Self::Listed(list) => list,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    /// Issued at (seconds; some issuers send fractions).
    iat: Option<f64>,
    scope: Option<Grants>,
    scp: Option<Grants>,
    roles: Option<Grants>,
    client_id: Option<String>,
    azp: Option<String>,
}

impl Authenticator {
    /// Builds the verifier and starts fetching the keys in the background (call
    /// inside a tokio runtime).
    pub fn new(config: AuthConfig) -> Result<Self, String> {
        let defaults = KeyTiming::default();
        // Refresh well within the maximum age, so keys never expire between refreshes.
        let timing = KeyTiming {
            max_age: config.jwks_max_age,
            refresh_every: defaults.refresh_every.min(config.jwks_max_age / 4),
            ..defaults
        };
        Self::with_timing(config, timing)
    }

    /// Like `new`, with other refresh timings (tests use short ones).
    pub fn with_timing(config: AuthConfig, timing: KeyTiming) -> Result<Self, String> {
        let keys = KeyStore::start(config.jwks_url.clone(), timing)?;
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
            keys,
        })
    }

    /// Ready to verify tokens: signing keys loaded and not older than the maximum age.
    pub fn is_ready(&self) -> bool {
        self.keys.is_fresh()
    }

    pub async fn authenticate(&self, token: &str) -> Result<Identity, AuthError> {
        let header = decode_header(token).map_err(|_| rejected("malformed token"))?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(rejected("algorithm not allowed"));
        }
        check_type(header.typ.as_deref(), self.config.require_at_jwt)?;
        refuse_critical_extensions(token)?;
        let kid = header
            .kid
            .as_deref()
            .ok_or_else(|| rejected("token has no kid"))?;
        let key = self
            .keys
            .key(kid)
            .await
            .ok_or_else(|| rejected("unknown signing key, or keys unavailable"))?;
        if !key.algorithms.contains(&header.alg) {
            return Err(rejected("algorithm does not match the signing key"));
        }
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let claims = decode::<Claims>(token, &key.key, &validation)
            .map_err(|err| AuthError::Rejected(format!("{:?}", err.kind())))?
            .claims;
        if claims.iat.is_some_and(|iat| iat > unix_now() + LEEWAY as f64) {
            return Err(rejected("token issued in the future"));
        }
        let client = claims.client_id.or(claims.azp);
        if let Some(allowed) = &self.config.allowed_clients
            && !client
                .as_ref()
                .is_some_and(|client| allowed.contains(client))
        {
            return Err(rejected("client not allowed"));
        }
        let scopes = claims.scope.or(claims.scp).map(Grants::into_vec);
        Ok(Identity {
            sub: claims.sub,
            scopes: normalise(scopes),
            roles: normalise(claims.roles.map(Grants::into_vec)),
            client,
        })
    }
}

/// The token type policy (see the module documentation).
fn check_type(typ: Option<&str>, require_at_jwt: bool) -> Result<(), AuthError> {
    let typ = typ.map(|typ| typ.trim().to_ascii_lowercase());
    let typ = typ
        .as_deref()
        .map(|typ| typ.strip_prefix("application/").unwrap_or(typ));
    match typ {
        Some("at+jwt") => Ok(()),
        _ if require_at_jwt => Err(rejected("token type is not at+jwt")),
        None | Some("jwt") => Ok(()),
        Some(_) => Err(rejected("token type is not an access token")),
    }
}

fn normalise(grants: Option<Vec<String>>) -> Vec<String> {
    let mut grants: Vec<String> = grants
        .unwrap_or_default()
        .into_iter()
        .filter(|grant| !grant.is_empty())
        .take(MAX_GRANTS)
        .collect();
    grants.sort();
    grants.dedup();
    grants
}

/// RFC 7515 section 4.1.11: a header whose `crit` lists extensions the verifier does
/// not understand must be refused. This verifier understands none, so any `crit` is
/// refused. jsonwebtoken's `Header` does not carry the parameter, so the header
/// segment (already decoded once by `decode_header`) is read again here as JSON.
fn refuse_critical_extensions(token: &str) -> Result<(), AuthError> {
    use base64::Engine;
    let segment = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| rejected("malformed token"))?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| rejected("malformed token"))?;
    if header.contains_key("crit") {
        return Err(rejected("token header lists critical extensions"));
    }
    Ok(())
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

fn rejected(reason: &str) -> AuthError {
    AuthError::Rejected(reason.to_owned())
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

    fn with(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |key: &str| {
            if key == name {
                Some(value.to_owned())
            } else {
                lookup(COMPLETE)(key)
            }
        }
    }

    #[test]
    fn complete_configuration_is_accepted_with_safe_defaults() {
        let config = AuthConfig::from_lookup(&lookup(COMPLETE)).unwrap();
        assert_eq!(config.audience, "demo");
        assert!(!config.require_at_jwt);
        assert_eq!(config.allowed_clients, None);
        assert_eq!(config.jwks_max_age, Duration::from_secs(3600));
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
    fn optional_variables_are_validated() {
        let config = AuthConfig::from_lookup(&with("AUTH_REQUIRE_AT_JWT", "true")).unwrap();
        assert!(config.require_at_jwt);
        let config = AuthConfig::from_lookup(&with("AUTH_ALLOWED_CLIENTS", "web, cli")).unwrap();
        assert_eq!(
            config.allowed_clients,
            Some(vec!["web".into(), "cli".into()])
        );
        let config = AuthConfig::from_lookup(&with("AUTH_JWKS_MAX_AGE_SECS", "600")).unwrap();
        assert_eq!(config.jwks_max_age, Duration::from_secs(600));
        for (name, bad) in [
            ("AUTH_REQUIRE_AT_JWT", "yes"),
            ("AUTH_ALLOWED_CLIENTS", "web,,cli"),
            ("AUTH_JWKS_MAX_AGE_SECS", "5"),
            ("AUTH_JWKS_MAX_AGE_SECS", "forever"),
        ] {
            let err = AuthConfig::from_lookup(&with(name, bad)).unwrap_err();
            assert_eq!(err.variable, name, "{bad}");
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

    #[test]
    fn critical_extensions_are_refused() {
        use base64::Engine;
        let encode = |header: &str| {
            format!(
                "{}.e30.sig",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header)
            )
        };
        assert!(refuse_critical_extensions(&encode(r#"{"alg":"RS256","kid":"k"}"#)).is_ok());
        for header in [
            r#"{"alg":"RS256","crit":["exp"],"exp":1}"#,
            r#"{"alg":"RS256","crit":[]}"#,
            r#"{"alg":"RS256","crit":"b64"}"#,
        ] {
            assert!(refuse_critical_extensions(&encode(header)).is_err(), "{header}");
        }
        assert!(refuse_critical_extensions("!!.e30.sig").is_err());
    }

    #[test]
    fn token_type_policy() {
        for (typ, required, ok) in [
            (None, false, true),
            (Some("JWT"), false, true),
            (Some("at+jwt"), false, true),
            (Some("application/at+JWT"), false, true),
            (Some("logout+jwt"), false, false),
            (Some("dpop+jwt"), false, false),
            (None, true, false),
            (Some("JWT"), true, false),
            (Some("at+jwt"), true, true),
            (Some("application/at+jwt"), true, true),
        ] {
            assert_eq!(
                check_type(typ, required).is_ok(),
                ok,
                "{typ:?} required={required}"
            );
        }
    }

    #[test]
    fn grants_are_split_sorted_and_deduplicated() {
        let spaced = Grants::Spaced(" write  read read ".into()).into_vec();
        assert_eq!(normalise(Some(spaced)), vec!["read", "write"]);
        let listed = Grants::Listed(vec!["b".into(), String::new(), "a".into()]).into_vec();
        assert_eq!(normalise(Some(listed)), vec!["a", "b"]);
        assert!(normalise(None).is_empty());
    }
}
