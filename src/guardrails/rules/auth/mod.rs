//! Authentication wiring of paved-generated rust-axum services (`PVD-AUTH-*`).
//!
//! These rules only apply to repositories whose `.paved/answers.toml` names the
//! `rust-axum` blueprint; elsewhere they report nothing. The contract they check:
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
//!   (test-only code, `#[test]` and `#[cfg(test)]`, is ignored).
//!
//! Parameters: `auth_public_paths` (default `["/healthz", "/readyz"]`).

use std::path::Path;

use crate::guardrails::legacy::{Rule, RuleMeta};
use crate::guardrails::{CheckCtx, Domain, Emitter, Severity};

mod analysis;

use analysis::{auth_facts, router_facts, RouterFacts, APP_FILE, AUTH_MODULES};

pub static RULES: &[Rule] = &[
    MIDDLEWARE_MISSING,
    ROUTER_UNPROTECTED,
    ROUTE_AFTER_LAYER,
    EXTRA_PUBLIC_PATHS,
    WEAK_JWT_ALGORITHMS,
    WIRING_UNVERIFIABLE,
];

const BLUEPRINT: &str = "rust-axum";
const DEFAULT_PUBLIC_PATHS: &[&str] = &["/healthz", "/readyz"];

fn applies(ctx: &CheckCtx<'_>) -> bool {
    ctx.repo.blueprint_id() == Some(BLUEPRINT)
}

fn auth_mode<'a>(ctx: &CheckCtx<'a>) -> Option<&'a str> {
    ctx.repo
        .provenance()
        .as_ref()
        .and_then(|p| p.answers.get("auth"))
        .and_then(|v| v.as_str())
}

const MIDDLEWARE_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-AUTH-001",
        title: "Authentication middleware is missing",
        domain: Domain::Auth,
        severity: Severity::Critical,
        rationale: "The service was generated with authentication middleware that every request \
                    passes through; without `require_auth` nothing verifies callers, and every \
                    endpoint is open to anyone who can reach the service.",
        remediation: "Restore src/auth/mod.rs with `pub async fn require_auth` from the blueprint \
                      (`paved drift` shows the blueprint's version as a diff) and apply it in \
                      `router()`.",
        references: &["owasp-top10:A01", "owasp-top10:A07"],
    },
    check: check_middleware,
};

const ROUTER_UNPROTECTED: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-AUTH-002",
        title: "Router does not apply the authentication middleware",
        domain: Domain::Auth,
        severity: Severity::Critical,
        rationale: "axum applies middleware only where `.layer()` adds it; a router without the \
                    `require_auth` layer serves every route to unauthenticated callers.",
        remediation: "End the router's builder chain in src/app.rs with \
                      `.layer(middleware::from_fn_with_state(state, require_auth))` after all \
                      routes.",
        references: &["owasp-top10:A01", "owasp-top10:A07"],
    },
    check: check_router_unprotected,
};

const ROUTE_AFTER_LAYER: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-AUTH-003",
        title: "Route added after the authentication layer",
        domain: Domain::Auth,
        severity: Severity::High,
        rationale: "An axum layer wraps only the routes added before it: a route, merged or \
                    nested router or fallback added after the `require_auth` layer is served \
                    without authentication.",
        remediation: "Move the route before `.layer(...require_auth...)`; if it must be public, \
                      add its path to the `PUBLIC_PATHS` allow-list deliberately (and expect PVD-AUTH-004 to ask \
                      why).",
        references: &["owasp-top10:A01"],
    },
    check: check_routes_after_layer,
};

const EXTRA_PUBLIC_PATHS: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-AUTH-004",
        title: "Paths other than the health probes skip authentication",
        domain: Domain::Auth,
        severity: Severity::High,
        rationale: "The middleware is deny-by-default with exactly /healthz and /readyz public; \
                    every other path exempted from it (metrics, debug, admin, internal) exposes \
                    data or operations to unauthenticated callers.",
        remediation: "Keep `PUBLIC_PATHS` / `PUBLIC_ENDPOINTS` to the health and readiness probes and remove path \
                      special cases from `require_auth`; if the platform deliberately allows \
                      more, list them in the profile's `auth_public_paths` parameter.",
        references: &["owasp-top10:A01"],
    },
    check: check_public_paths,
};

const WEAK_JWT_ALGORITHMS: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-AUTH-005",
        title: "JWT verifier accepts symmetric or unsigned tokens",
        domain: Domain::Auth,
        severity: Severity::Critical,
        rationale: "A verifier that accepts HS256/384/512 alongside an asymmetric issuer key is \
                    open to algorithm confusion (the public key becomes the HMAC secret), and one \
                    that accepts `none` or skips signature validation accepts forged tokens.",
        remediation: "Accept only the issuer's asymmetric algorithms (RS256, ES256, …): build \
                      `Validation::new(alg)` with an explicit `algorithms` list and never call \
                      `insecure_disable_signature_validation`.",
        references: &["owasp-top10:A02", "owasp-top10:A07", "cwe:CWE-347"],
    },
    check: check_weak_algorithms,
};

const WIRING_UNVERIFIABLE: Rule = Rule {
    meta: RuleMeta {
        id: "PVD-AUTH-006",
        title: "Authentication wiring cannot be verified",
        domain: Domain::Auth,
        severity: Severity::Medium,
        rationale: "The audit proves authentication covers every route by reading the router and \
                    the middleware; when their structure departs from the blueprint's, nobody \
                    checks that a route has not slipped outside the middleware.",
        remediation: "Keep `pub fn router` in src/app.rs as one builder chain (local variables \
                      and reassignments are fine) ending with the `require_auth` layer, and keep \
                      `PUBLIC_PATHS` (or `PUBLIC_ENDPOINTS`) as a literal list in src/auth/mod.rs; or waive this rule \
                      with a reason after reviewing the wiring by hand.",
        references: &[],
    },
    check: check_unverifiable,
};

fn module_path() -> &'static Path {
    Path::new(AUTH_MODULES[0])
}

fn check_middleware(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if !applies(ctx) {
        return;
    }
    let facts = auth_facts(ctx.repo);
    match &facts.module {
        None => out.emit(
            module_path(),
            None,
            "no src/auth/mod.rs: the authentication middleware is gone",
        ),
        Some(path) if facts.require_auth.is_none() && facts.unreadable.is_empty() => out.emit(
            path,
            None,
            "no `fn require_auth` in the authentication sources",
        ),
        Some(_) => {}
    }
}

fn check_router_unprotected(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if !applies(ctx) {
        return;
    }
    if let RouterFacts::Chain {
        fn_line,
        auth_layer: None,
        ..
    } = *router_facts(ctx.repo)
    {
        out.emit(
            Path::new(APP_FILE),
            Some(fn_line),
            "`router` returns a router without a `.layer(...)` applying `require_auth`",
        );
    }
}

fn check_routes_after_layer(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if !applies(ctx) {
        return;
    }
    if let RouterFacts::Chain {
        auth_layer: Some(layer_line),
        after,
        ..
    } = &*router_facts(ctx.repo)
    {
        for (method, line) in after {
            let line = *line;
            out.emit(
                Path::new(APP_FILE),
                Some(line),
                format!(
                    "`.{method}(...)` comes after the authentication layer (line {layer_line}), \
                     so it is served without authentication"
                ),
            );
        }
    }
}

fn check_public_paths(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if !applies(ctx) {
        return;
    }
    let allowed = ctx
        .params
        .strings("auth_public_paths", DEFAULT_PUBLIC_PATHS);
    let facts = auth_facts(ctx.repo);
    for list in &facts.allow_lists {
        let name = &list.name;
        for (entry, line) in &list.entries {
            match entry {
                Some(p) if allowed.iter().any(|a| a == p) => {}
                Some(p) => out.emit(
                    &list.file,
                    Some(*line),
                    format!("`{name}` lets `{p}` through without authentication"),
                ),
                None => out.emit(
                    &list.file,
                    Some(*line),
                    format!(
                        "`{name}` entry is not a path literal, so what it lets through \
                         cannot be checked"
                    ),
                ),
            }
        }
    }
    for (path, line, literal) in &facts.path_literals {
        if !allowed.iter().any(|a| a == literal) {
            out.emit(
                path,
                Some(*line),
                format!("`require_auth` special-cases the path `{literal}`"),
            );
        }
    }
}

fn check_weak_algorithms(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if !applies(ctx) || auth_mode(ctx) != Some("oidc-jwt") {
        return;
    }
    for (path, line, what) in &auth_facts(ctx.repo).weak_algorithms {
        out.emit(path, Some(*line), what.clone());
    }
}

fn check_unverifiable(ctx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
    if !applies(ctx) {
        return;
    }
    let facts = auth_facts(ctx.repo);
    for (path, (line, why)) in &facts.unreadable {
        out.emit(path, *line, format!("authentication source {why}"));
    }
    if let (Some(path), Some(_)) = (&facts.module, &facts.require_auth) {
        if facts.allow_lists.is_empty() {
            out.emit(
                path,
                None,
                "no `PUBLIC_PATHS` (or `PUBLIC_ENDPOINTS`) list: which paths skip \
                 authentication cannot be checked",
            );
        }
    }
    let app = Path::new(APP_FILE);
    match &*router_facts(ctx.repo) {
        RouterFacts::MissingFile => out.emit(
            app,
            None,
            "no src/app.rs: where the authentication layer is applied cannot be checked",
        ),
        RouterFacts::Unreadable((line, why)) => out.emit(app, *line, format!("src/app.rs {why}")),
        RouterFacts::NoRouterFn => out.emit(
            app,
            None,
            "no top-level `fn router` in src/app.rs: the authentication layer cannot be checked",
        ),
        RouterFacts::Unclear { line, reason } => out.emit(app, Some(*line), reason.clone()),
        RouterFacts::Chain { .. } => {}
    }
}

#[cfg(test)]
mod tests;
