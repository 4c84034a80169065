//! What the auth rules check, in terms every framework shares: where authentication
//! is missing, not applied, bypassed or weakened. Each framework's analysis
//! (`analysis` for rust-axum, `fastapi`, `fastify`) reads the service's sources once
//! and reports [`Wiring`]; the rule files only turn its entries into findings.

use std::path::PathBuf;
use std::sync::Arc;

use paved_model::Location;

use crate::guardrails::RepoModel;

use super::analysis;
use super::fastapi;
use super::fastify;

/// A place in a source file and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Spot {
    pub file: PathBuf,
    /// 1-based; `None` when the finding is about the whole (or a missing) file.
    pub line: Option<u32>,
    pub message: String,
}

impl Spot {
    pub fn new(file: impl Into<PathBuf>, line: Option<u32>, message: impl Into<String>) -> Spot {
        Spot {
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    pub fn location(&self) -> Location<'_> {
        Location {
            file: &self.file,
            line: self.line,
        }
    }
}

/// Something that lets a request through without a verified identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Exemption {
    /// An entry of the public allow-list (`PUBLIC_PATHS`, `PUBLIC_ENDPOINTS`): the path,
    /// or `None` when it is not a literal the audit can read.
    Listed {
        file: PathBuf,
        line: u32,
        list: String,
        path: Option<String>,
    },
    /// A path literal the authentication function itself compares against.
    SpecialCase {
        file: PathBuf,
        line: u32,
        function: String,
        path: String,
    },
    /// A route that opts out of authentication through its own options (a fastify
    /// `config` flag the hook honours): reported whatever its path.
    OptOut { spot: Spot },
}

/// A clock-skew allowance given to the JWT verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Leeway {
    pub file: PathBuf,
    pub line: u32,
    /// What sets it, as written (`leeway=LEEWAY_S`, `clockTolerance: "5m"`).
    pub what: String,
    pub seconds: i64,
}

/// The authentication wiring of one service, as the rules see it.
#[derive(Debug, Default)]
pub(super) struct Wiring {
    /// PVD-AUTH-001: the authentication middleware, dependency or hook is gone.
    pub missing: Vec<Spot>,
    /// PVD-AUTH-002: an application that does not apply it to everything it serves.
    pub unprotected: Vec<Spot>,
    /// PVD-AUTH-003: routes added where the authentication does not reach.
    pub outside: Vec<Spot>,
    /// PVD-AUTH-004: what passes without authentication.
    pub exemptions: Vec<Exemption>,
    /// PVD-AUTH-005: a verifier accepting HMAC, `none` or unsigned tokens.
    pub weak: Vec<Spot>,
    /// PVD-AUTH-006: what the audit could not follow.
    pub unverifiable: Vec<Spot>,
    /// PVD-AUTH-007: clock-skew allowances given to the verifier.
    pub leeway: Vec<Leeway>,
    /// PVD-AUTH-009: `exp`, `iss` or `aud` not required or not checked.
    pub claims: Vec<Spot>,
    /// PVD-AUTH-010: credential digests compared in variable time.
    pub variable_time: Vec<Spot>,
}

/// The registered claims every blueprint's verifier requires.
pub(super) const REQUIRED_CLAIMS: [&str; 3] = ["exp", "iss", "aud"];

/// A name that holds key material in an API-key module: what is compared must go
/// through a constant-time comparison.
pub(super) fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "key"
        || ["digest", "presented", "hash", "secret", "api_key", "apikey"]
            .iter()
            .any(|k| n.contains(k))
}

/// An API-key module of a blueprint (`api_key.py`, `apiKey.ts`, `api_key.rs`).
pub(super) fn is_api_key_module(path: &std::path::Path) -> bool {
    path.file_stem().and_then(|s| s.to_str()).is_some_and(|s| {
        matches!(
            s.to_ascii_lowercase().replace('_', "").as_str(),
            "apikey" | "apikeys"
        )
    })
}

/// The blueprint whose contract a repository is held to: the one its provenance
/// names, or, without provenance, the one whose authentication module it still
/// carries (see [`carried_contract`]). `None` for any other repository.
pub(super) fn contract(repo: &RepoModel) -> Option<&'static str> {
    match repo.blueprint_id() {
        Some(id) => BLUEPRINTS.iter().copied().find(|b| *b == id),
        None => {
            struct Carried(Option<&'static str>);
            repo.memo(|r| Carried(carried_contract(r))).0
        }
    }
}

const BLUEPRINTS: [&str; 3] = ["rust-axum", "python-fastapi", "typescript-fastify"];

/// A service whose `.paved/` is gone but whose authentication module is still the
/// blueprint's: the module defines the blueprint's middleware (`require_auth`,
/// `AuthMiddleware`, `installAuthentication`) next to its literal public allow-list
/// (`PUBLIC_PATHS`/`PUBLIC_ENDPOINTS`), at the blueprint's path. That pair is the
/// contract's own signature, so the service is held to the contract rather than to
/// PVD-AUTH-008's looser "any authentication at all" (which a copy with its
/// middleware unplugged but its scope checks left in would pass).
fn carried_contract(repo: &RepoModel) -> Option<&'static str> {
    if analysis::carries_contract(repo) {
        Some("rust-axum")
    } else if fastapi::carries_contract(repo) {
        Some("python-fastapi")
    } else if fastify::carries_contract(repo) {
        Some("typescript-fastify")
    } else {
        None
    }
}

/// The wiring of a service held to a blueprint's contract ([`contract`]); empty for
/// any other repository. Computed once per repository and blueprint.
pub(super) fn wiring(repo: &RepoModel) -> Arc<Wiring> {
    /// One memo slot per blueprint, so the facts never outlive the provenance they
    /// were computed under.
    struct Slot<const B: u8>(Arc<Wiring>);
    fn slot<const B: u8>(repo: &RepoModel, compute: fn(&RepoModel) -> Wiring) -> Arc<Wiring> {
        Arc::clone(&repo.memo(|r| Slot::<B>(Arc::new(compute(r)))).0)
    }
    match contract(repo) {
        Some("rust-axum") => slot::<0>(repo, analysis::axum_wiring),
        Some("python-fastapi") => slot::<1>(repo, fastapi::wiring),
        Some("typescript-fastify") => slot::<2>(repo, fastify::wiring),
        _ => Arc::default(),
    }
}

/// The `auth` answer the service was generated with (`oidc-jwt`, `api-key`); `None`
/// without provenance.
pub(super) fn auth_mode(repo: &RepoModel) -> Option<&str> {
    repo.provenance()
        .and_then(|p| p.answers.get("auth"))
        .and_then(|v| v.as_str())
}

/// What accepting this algorithm name means, when it is weak: HMAC (`HS256`…) or `none`.
pub(super) fn weak_algorithm(name: &str) -> Option<String> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("none") {
        Some("algorithm `none` is accepted".to_owned())
    } else if ["HS256", "HS384", "HS512"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(name))
    {
        Some(format!("symmetric algorithm `{name}` is accepted"))
    } else {
        None
    }
}

/// A duration as jose and similar libraries write it (`90`, `"5m"`, `"2 hours"`), in
/// seconds.
pub(super) fn duration_seconds(text: &str) -> Option<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let factor = match unit.as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// The most clock skew a verifier may tolerate (docs/drift.md, issue 9's contract).
pub(super) const MAX_LEEWAY_SECONDS: i64 = 60;
