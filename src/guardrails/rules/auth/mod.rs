//! Authentication wiring of HTTP services (`PVD-AUTH-*`): paved-generated services
//! held to their blueprint's contract (001–007), and services of a known framework
//! in repositories without provenance that authenticate nothing (008).
//!
//! The rust-axum contract:
//!
//! - `src/auth/mod.rs` (or `src/auth.rs`) defines `pub async fn require_auth`, the
//!   axum middleware, and a literal allow-list of what it lets through without a
//!   verified identity: `pub const PUBLIC_PATHS: &[&str] = &["/healthz", "/readyz"];`
//!   or `pub const PUBLIC_ENDPOINTS: &[(Method, &str)] = &[(Method::GET, "/healthz"), …];`
//!   (each entry a path literal, or a tuple/struct with exactly one string literal);
//!   `require_auth` itself compares against no other path literal;
//! - `src/app.rs` defines `pub fn router(...)` whose returned builder chain applies
//!   `.layer(...)` (or `.route_layer(...)`) with an argument mentioning `require_auth`,
//!   directly or through a local variable, and adds no route (`route`, `route_service`,
//!   `merge`, `nest`, `nest_service`, `fallback`, `fallback_service`) after it;
//! - with `auth = "oidc-jwt"`, nothing under src/auth accepts HS256/HS384/HS512 or
//!   `none`, calls `Validation::default()` or disables signature validation
//!   (test-only code, `#[test]` and `#[cfg(test)]`, is ignored), and the leeway is
//!   60 s or less.
//!
//! The python-fastapi contract: `src/app/auth/middleware.py` defines `class
//! AuthMiddleware` (an ASGI middleware, so it wraps every route, mount and the
//! not-found fallback) and a literal `PUBLIC_ENDPOINTS` of `(method, path)` pairs;
//! every `FastAPI(...)` under src/app gets it through `middleware=[...]` (a literal
//! list, or a list of the same function that receives `Middleware(AuthMiddleware,
//! ...)`) or `add_middleware`; nothing is registered on an application without it
//! unless that application is mounted into one with it; PyJWT's `algorithms=` and
//! every `*ALGORITHM*` constant name no HMAC algorithm or `none`,
//! `verify_signature` is never `False`, `leeway=` is 60 s or less.
//!
//! The typescript-fastify contract: `src/auth/hook.ts` defines `function
//! installAuthentication` (an `onRequest` hook) and a literal `PUBLIC_ENDPOINTS` of
//! `[method, path]` pairs; `src/app.ts` calls it on the root `Fastify()` instance, so
//! the hook covers every route of every plugin (a hook added inside a plugin covers
//! only that plugin, unless the plugin is wrapped in `fastify-plugin`); if the hook
//! reads route `config`, a route that sets `config` is an opt-out; jose's
//! `jwtVerify` gets a key resolver (not a shared secret), `decodeJwt` is not used,
//! `algorithms` and `*ALGORITHM*` constants name no HMAC algorithm or `none`,
//! `clockTolerance` is 60 s or less.
//!
//! Decisions worth knowing:
//! - Support modules (no rule): `analysis` reads Rust with `syn` (on a thread with a
//!   large stack, after size and nesting limits; facts cached by content), parsing
//!   only the items `outline` (a bracket- and literal-aware lexer) finds it can learn
//!   something from;
//!   `syntax` reads Python and TypeScript/JavaScript with tree-sitter (iterative,
//!   error-tolerant, size-limited); `fastapi` and `fastify` find applications,
//!   middleware, hooks, plugin contexts and routes; `wiring` turns each blueprint's
//!   facts into what every rule reports; `exposure` finds services without
//!   provenance. No code of a scanned repository is ever run.
//! - Severity follows docs/drift.md's rubric: no middleware (001), an application
//!   without it (002) and a verifier accepting HMAC or `none` (005) let any outsider
//!   through to every request: direct × every request, critical. A route outside the
//!   layer (003) or an extra public path (004) exposes what that route serves: direct
//!   × one workload, high. Wiring the audit cannot follow (006) only removes
//!   detection: medium. A leeway above 60 s (007) only lengthens the use of a token an
//!   attacker must already hold: defence in depth × one workload, low. A service
//!   without provenance that authenticates nothing (008) is high, not critical: the
//!   audit cannot tell whether a gateway or mesh in front of it authenticates, which
//!   makes the exposure one step (that control missing) × every request.
//! - Without `.paved/`, a repository whose authentication module is still a
//!   blueprint's (the middleware or hook beside its literal `PUBLIC_ENDPOINTS`/
//!   `PUBLIC_PATHS`, at the blueprint's path) is held to that blueprint's contract
//!   (`wiring::contract`): deleting `.paved/` does not turn 001..007 off.
//! - 008 reports services with no authentication wired at all, and routes outside a
//!   *global* guard (a second FastAPI application or fastify root instance beside the
//!   guarded one, an axum route added after its chain's authenticating layer). A route
//!   merely lacking its own per-route guard is left to review, for precision: per-route
//!   guards are also how services keep routes public on purpose (measured on public
//!   services, see docs/drift.md).
//! - Authentication applied under a condition (`if os.environ…: middleware.append(…)`,
//!   `if (process.env…) installAuthentication(…)`) is reported by 002: the service is
//!   open whenever the condition is false.
//! - 009 (claims) and 010 (variable-time API-key comparison) are contract rules: the
//!   blueprints require `exp`/`iss`/`aud` and compare key digests in constant time.
//!   A verifier that skips the audience lets any token of the same issuer in: one
//!   step (a token minted for another service) × every request, high. A variable-time
//!   comparison of key digests leaks their prefix over many requests: defence in
//!   depth (the stored value is a digest) × every request, medium.
//! - 011 (JWKS over plain HTTP) reads configuration and code of any repository, not
//!   only services held to a contract: an `http://` JWKS URL on a line that names the
//!   JWKS (or a Kubernetes `value:` under such a `name:`), loopback and single-label
//!   (container-network) hosts, comments and test files aside. Whoever is on the
//!   network path can substitute the keys and mint tokens: one step (a network
//!   position) × every request, high.
//! - Parameters: `auth_public_paths` (PVD-AUTH-004, default `["/healthz", "/readyz"]`).

use crate::guardrails::declare::register;
use crate::guardrails::{Domain, RepoModel, SourceFile};

/// The domain of every rule in this folder.
const DOMAIN: Domain = Domain::Auth;

mod analysis;
mod contract;
mod exposure;
mod fastapi;
mod fastify;
#[cfg(test)]
mod fastify_reference;
mod outline;
mod syntax;
mod wiring;

register!("guardrails/rules/auth");

/// Work the auth rules will need, done on all cores before they start: the parse of
/// the sources a python-fastapi or typescript-fastify service's contract is checked
/// against, each file read in the task that parsed it (for typescript-fastify, the
/// whole reading: the facts are ready when the rules start). Every auth rule waits for
/// that analysis (a memoised fact), so a parse begun inside the first of them ran on
/// one core while the other worker, having taken another auth rule, waited for it.
/// Services of other blueprints (and
/// repositories without provenance) have nothing parsed ahead.
pub fn prepare(repo: &RepoModel) {
    install(repo, read_ahead(repo.files(), repo.blueprint_id()));
}

/// What [`prepare`] reads, read from a repository's files before its model exists:
/// `drift` starts it as soon as the files are walked, beside the parse of the YAML,
/// HCL and Dockerfiles, where the second core would otherwise wait for the model.
pub struct Ahead {
    /// The files read, as the slice the model holds (a `Vec` moved into the model
    /// keeps its buffer) and its length, and the blueprint they were read for:
    /// [`install`] uses the reading only for that same repository.
    files: (usize, usize),
    blueprint: Option<String>,
    read: Read,
}

enum Read {
    FastApi(fastapi::ReadAhead),
    Fastify(Box<fastify::Facts>),
    Nothing,
}

/// The auth rules' parse of `files`, a repository's files in the model's order, for a
/// service generated from `blueprint` (its provenance's blueprint id).
pub fn read_ahead(files: &[SourceFile], blueprint: Option<&str>) -> Ahead {
    let read = match blueprint {
        Some("python-fastapi") => Read::FastApi(fastapi::read_ahead(files)),
        Some("typescript-fastify") => Read::Fastify(Box::new(fastify::read_ahead(files))),
        _ => Read::Nothing,
    };
    Ahead {
        files: (files.as_ptr() as usize, files.len()),
        blueprint: blueprint.map(str::to_owned),
        read,
    }
}

/// Hands the auth rules what [`read_ahead`] read, before any of them runs. A reading
/// of other files or for another blueprint is not used: the parse is done again.
pub fn install(repo: &RepoModel, ahead: Ahead) {
    let files = repo.files();
    if ahead.files != (files.as_ptr() as usize, files.len())
        || ahead.blueprint.as_deref() != repo.blueprint_id()
    {
        return prepare(repo);
    }
    match ahead.read {
        Read::FastApi(read) => fastapi::install(repo, read),
        Read::Fastify(facts) => fastify::install(repo, *facts),
        Read::Nothing => {}
    }
}

/// The stack one parse of a Rust source may use ([`analysis`] grows one this deep
/// unless the thread has that much left).
pub use analysis::PARSER_STACK_BYTES;

#[cfg(test)]
mod tests;
