//! What the auth rules check, in terms every framework shares: where authentication
//! is missing, not applied, bypassed or weakened. Each framework's analysis
//! (`analysis` for rust-axum) reads the service's sources once
//! and reports [`Wiring`]; the rule files only turn its entries into findings.

use std::path::PathBuf;
use std::sync::Arc;

use paved_model::Location;

use crate::guardrails::RepoModel;

use super::analysis;

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
}

/// The wiring of a paved-generated service, by the blueprint its provenance names;
/// empty for any other repository. Computed once per repository and blueprint.
pub(super) fn wiring(repo: &RepoModel) -> Arc<Wiring> {
    /// One memo slot per blueprint, so the facts never outlive the provenance they
    /// were computed under.
    struct Slot<const B: u8>(Arc<Wiring>);
    fn slot<const B: u8>(repo: &RepoModel, compute: fn(&RepoModel) -> Wiring) -> Arc<Wiring> {
        Arc::clone(&repo.memo(|r| Slot::<B>(Arc::new(compute(r)))).0)
    }
    match repo.blueprint_id() {
        Some("rust-axum") => slot::<0>(repo, analysis::axum_wiring),
        _ => Arc::default(),
    }
}

/// The `auth` answer the service was generated with (`oidc-jwt`, `api-key`).
pub(super) fn auth_mode(repo: &RepoModel) -> Option<&str> {
    repo.provenance()
        .and_then(|p| p.answers.get("auth"))
        .and_then(|v| v.as_str())
}
