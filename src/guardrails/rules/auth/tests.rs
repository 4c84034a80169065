use super::rules;
use crate::blueprint::provenance::Provenance;
use crate::guardrails::Rule;
use crate::guardrails::{check_all, Hit, Params, RepoModel};

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rules/auth/",
            $path
        ))
    };
}

const AUTH_MOD: &str = fixture!("compliant/src/auth/mod.rs");
const APP: &str = fixture!("compliant/src/app.rs");
const JWKS: &str = "//! JWKS cache.\npub struct Jwks;\npub struct Claims { pub sub: String }\n";

fn provenance(blueprint: &str, auth: &str) -> Provenance {
    let mut answers = toml::Table::new();
    answers.insert("auth".into(), auth.into());
    Provenance {
        blueprint_id: blueprint.to_owned(),
        blueprint_version: semver::Version::new(1, 0, 0),
        blueprint_hash: "sha256:0".to_owned(),
        layers: Vec::new(),
        paved_version: "0.1.0".to_owned(),
        answers,
        managed: Vec::new(),
        seeded: Vec::new(),
        shared: Vec::new(),
    }
}

/// The compliant service with some files replaced (`Some`) or removed (`None`).
fn service(changes: &[(&'static str, Option<&'static str>)]) -> RepoModel {
    service_as("rust-axum", "oidc-jwt", changes)
}

fn service_as(
    blueprint: &str,
    auth: &str,
    changes: &[(&'static str, Option<&'static str>)],
) -> RepoModel {
    let mut files = vec![
        ("src/auth/mod.rs", AUTH_MOD),
        ("src/auth/jwks.rs", JWKS),
        ("src/app.rs", APP),
    ];
    for (path, text) in changes {
        files.retain(|(p, _)| p != path);
        if let Some(text) = text {
            files.push((path, text));
        }
    }
    RepoModel::from_memory(&files).with_provenance(Some(provenance(blueprint, auth)))
}

fn rule(id: &str) -> &'static Rule {
    rules().iter().find(|r| r.meta.id == id).unwrap()
}

fn run(rule: &Rule, model: &RepoModel) -> Vec<Hit> {
    check_all(model, &Params::default(), [rule])
}

fn lines(hits: &[Hit]) -> Vec<(String, Option<u32>)> {
    hits.iter()
        .map(|h| (h.file.to_string_lossy().into_owned(), h.line))
        .collect()
}

#[test]
fn compliant_service_has_no_hits() {
    let hits = check_all(&service(&[]), &Params::default(), rules());
    assert!(hits.is_empty(), "{hits:#?}");
    let builder = fixture!("weakened/app_builder_style.rs");
    let hits = check_all(
        &service(&[("src/app.rs", Some(builder))]),
        &Params::default(),
        rules(),
    );
    assert!(hits.is_empty(), "{hits:#?}");
}

#[test]
fn only_rust_axum_services_are_checked() {
    let broken = [("src/auth/mod.rs", None), ("src/app.rs", None)];
    let model = service(&broken);
    assert!(!check_all(&model, &Params::default(), rules()).is_empty());
    let model = model.with_provenance(None);
    assert!(check_all(&model, &Params::default(), rules()).is_empty());
    let model = service_as("python-fastapi", "oidc-jwt", &broken);
    assert!(check_all(&model, &Params::default(), rules()).is_empty());
}

#[test]
fn middleware_missing() {
    assert!(run(rule("PVD-AUTH-001"), &service(&[])).is_empty());
    let hits = run(rule("PVD-AUTH-001"), &service(&[("src/auth/mod.rs", None)]));
    assert_eq!(lines(&hits), [("src/auth/mod.rs".to_owned(), None)]);
    let renamed = fixture!("weakened/auth_no_require_auth.rs");
    let hits = run(
        rule("PVD-AUTH-001"),
        &service(&[("src/auth/mod.rs", Some(renamed))]),
    );
    assert_eq!(hits.len(), 1);
    assert!(hits[0].message.contains("require_auth"));
    // src/auth.rs instead of src/auth/mod.rs is the same module.
    let model = service(&[("src/auth/mod.rs", None), ("src/auth.rs", Some(AUTH_MOD))]);
    assert!(run(rule("PVD-AUTH-001"), &model).is_empty());
}

#[test]
fn router_unprotected() {
    assert!(run(rule("PVD-AUTH-002"), &service(&[])).is_empty());
    let app = fixture!("weakened/app_no_auth_layer.rs");
    let hits = run(rule("PVD-AUTH-002"), &service(&[("src/app.rs", Some(app))]));
    assert_eq!(lines(&hits), [("src/app.rs".to_owned(), Some(10))]);
    // A layer that only names require_auth in a comment does not count.
    let commented = "pub fn router() -> Router {\n    // .layer(require_auth)\n    Router::new().route(\"/v1/x\", get(x)).layer(TraceLayer::new())\n}\n";
    let hits = run(
        rule("PVD-AUTH-002"),
        &service(&[("src/app.rs", Some(commented))]),
    );
    assert_eq!(hits.len(), 1);
}

#[test]
fn routes_after_layer() {
    assert!(run(rule("PVD-AUTH-003"), &service(&[])).is_empty());
    let app = fixture!("weakened/app_route_after_layer.rs");
    let hits = run(rule("PVD-AUTH-003"), &service(&[("src/app.rs", Some(app))]));
    assert_eq!(
        lines(&hits),
        [
            ("src/app.rs".to_owned(), Some(17)),
            ("src/app.rs".to_owned(), Some(18)),
        ],
        "{hits:#?}"
    );
    assert!(hits[0].message.contains("`.route(...)`"));
    assert!(hits[0].message.contains("line 13"));
    assert!(hits[1].message.contains("`.merge(...)`"));
    // The router is not "unprotected": the layer is there, routes escape it.
    assert!(run(rule("PVD-AUTH-002"), &service(&[("src/app.rs", Some(app))])).is_empty());
}

#[test]
fn public_paths() {
    assert!(run(rule("PVD-AUTH-004"), &service(&[])).is_empty());
    let weak = fixture!("weakened/auth_extra_public_path.rs");
    let model = service(&[("src/auth/mod.rs", Some(weak))]);
    let hits = run(rule("PVD-AUTH-004"), &model);
    assert_eq!(
        lines(&hits),
        [
            ("src/auth/mod.rs".to_owned(), Some(11)),
            ("src/auth/mod.rs".to_owned(), Some(16)),
        ],
        "{hits:#?}"
    );
    assert!(hits[0].message.contains("`/metrics`"));
    assert!(hits[1].message.contains("`/internal/`"));
    // A platform may allow more public paths through the profile.
    let table: toml::Table =
        toml::from_str(r#"auth_public_paths = ["/healthz", "/readyz", "/metrics", "/internal/"]"#)
            .unwrap();
    assert!(check_all(&model, &Params::new(table), [rule("PVD-AUTH-004")]).is_empty());
    // Entries that are not literals cannot be checked, so they are findings too.
    let computed = "pub const PUBLIC_PATHS: &[&str] = &[HEALTH, \"/readyz\"];\npub async fn require_auth() {}\n";
    let hits = run(
        rule("PVD-AUTH-004"),
        &service(&[("src/auth/mod.rs", Some(computed))]),
    );
    assert_eq!(hits.len(), 1);
    assert!(hits[0].message.contains("not a path literal"));
}

#[test]
fn weak_algorithms() {
    assert!(run(rule("PVD-AUTH-005"), &service(&[])).is_empty());
    let weak = fixture!("weakened/auth_hs256.rs");
    let model = service(&[("src/auth/mod.rs", Some(weak))]);
    let hits = run(rule("PVD-AUTH-005"), &model);
    let got: Vec<_> = hits.iter().map(|h| (h.line, h.message.as_str())).collect();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(got[0].0, Some(13));
    assert!(got[0].1.contains("HS256"));
    assert_eq!(got[1], (Some(16), "algorithm `none` is accepted"));
    assert_eq!(got[2].0, Some(19));
    assert!(got[2].1.contains("Validation::default()"));
    assert_eq!(got[3], (Some(20), "signature validation is disabled"));
    // A submodule of src/auth counts too.
    let model = service(&[(
        "src/auth/jwks.rs",
        Some("const ALGS: [Algorithm; 1] = [Algorithm::HS512];\n"),
    )]);
    assert_eq!(run(rule("PVD-AUTH-005"), &model).len(), 1);
    // API-key services have no JWT verifier to check.
    let model = service_as("rust-axum", "api-key", &[("src/auth/mod.rs", Some(weak))]);
    assert!(run(rule("PVD-AUTH-005"), &model).is_empty());
    // Test-only submodules (`#[cfg(test)] mod forged;`) may forge HS256 tokens.
    let with_tests: &'static str =
        Box::leak(format!("{AUTH_MOD}\n#[cfg(test)]\nmod forged;\n").into_boxed_str());
    let forged = "fn forge() -> Header { Header::new(Algorithm::HS256) }\n";
    let model = service(&[
        ("src/auth/mod.rs", Some(with_tests)),
        ("src/auth/forged.rs", Some(forged)),
        ("src/auth/forged/more.rs", Some(forged)),
    ]);
    assert!(run(rule("PVD-AUTH-005"), &model).is_empty());
    let model = service(&[("src/auth/forged.rs", Some(forged))]);
    assert_eq!(run(rule("PVD-AUTH-005"), &model).len(), 1);
    // Rejecting HS256 explicitly is fine.
    let rejects = "fn check(alg: Algorithm) -> bool {\n    if alg == Algorithm::HS256 { return false; }\n    match alg { Algorithm::HS384 | Algorithm::HS512 => false, _ => true }\n}\n";
    let model = service(&[("src/auth/jwks.rs", Some(rejects))]);
    assert!(run(rule("PVD-AUTH-005"), &model).is_empty());
}

#[test]
fn unverifiable_wiring() {
    assert!(run(rule("PVD-AUTH-006"), &service(&[])).is_empty());
    let unclear = fixture!("weakened/app_unclear.rs");
    let hits = run(
        rule("PVD-AUTH-006"),
        &service(&[("src/app.rs", Some(unclear))]),
    );
    assert_eq!(
        lines(&hits),
        [("src/app.rs".to_owned(), Some(11))],
        "{hits:#?}"
    );
    assert!(hits[0].message.contains("`app`"));
    // Unclear wiring is not reported as unprotected or as routes after the layer.
    let model = service(&[("src/app.rs", Some(unclear))]);
    assert!(run(rule("PVD-AUTH-002"), &model).is_empty());
    assert!(run(rule("PVD-AUTH-003"), &model).is_empty());

    let cases: &[(&str, Option<&'static str>, &str)] = &[
        ("src/app.rs", None, "no src/app.rs"),
        ("src/app.rs", Some("pub fn router( {"), "does not parse"),
        (
            "src/app.rs",
            Some("pub fn app() -> Router { Router::new() }"),
            "no top-level",
        ),
        (
            "src/app.rs",
            Some("pub fn router() -> Router { api::routes() }"),
            "`api::routes`",
        ),
        (
            "src/app.rs",
            Some("pub fn router() -> Router { if x { a() } else { b() } }"),
            "does not follow",
        ),
        (
            "src/auth/mod.rs",
            Some("pub async fn require_auth() {}\n"),
            "no `PUBLIC_PATHS`",
        ),
        ("src/auth/jwks.rs", Some("fn ("), "does not parse"),
    ];
    for (path, text, expected) in cases {
        let hits = run(rule("PVD-AUTH-006"), &service(&[(path, *text)]));
        assert_eq!(hits.len(), 1, "{path} {text:?}: {hits:#?}");
        assert!(hits[0].message.contains(expected), "{hits:#?}");
    }
}

#[test]
fn hostile_sources_end_as_unverifiable() {
    let deep: &'static str = Box::leak(
        format!(
            "pub fn router() -> Router {{ {}1{} }}",
            "(".repeat(5000),
            ")".repeat(5000)
        )
        .into_boxed_str(),
    );
    let long_chain: &'static str = Box::leak(
        format!(
            "pub fn router() -> Router {{ Router::new(){}.layer(require_auth) }}",
            ".route(\"/x\", get(x))".repeat(5000)
        )
        .into_boxed_str(),
    );
    let huge: &'static str = Box::leak("// x\n".repeat(60_000).into_boxed_str());
    for text in [
        deep,
        huge,
        "\u{feff}#!/bin/sh\n\0\0",
        "pub fn router() -> Router { r#\"",
    ] {
        let model = service(&[("src/app.rs", Some(text))]);
        let hits = check_all(&model, &Params::default(), rules());
        assert!(hits.iter().any(|h| h.rule == "PVD-AUTH-006"), "{hits:#?}");
    }
    let model = service(&[("src/app.rs", Some(long_chain))]);
    assert!(check_all(&model, &Params::default(), rules()).is_empty());
}

/// The golden repository of the brief: hygiene files and a compliant service.
#[test]
fn golden_repository_has_no_hits() {
    let mut files = crate::guardrails::rules::repository::golden_files();
    files.extend([
        ("src/auth/mod.rs", AUTH_MOD),
        ("src/auth/jwks.rs", JWKS),
        ("src/app.rs", APP),
    ]);
    let model =
        RepoModel::from_memory(&files).with_provenance(Some(provenance("rust-axum", "oidc-jwt")));
    use crate::guardrails::Domain;
    let rules = crate::guardrails::rules::all().filter(|r| {
        matches!(
            r.meta.domain,
            Domain::Repository | Domain::Secrets | Domain::Auth
        )
    });
    let hits = check_all(&model, &Params::default(), rules);
    assert!(hits.is_empty(), "{hits:#?}");
}

const ENDPOINTS_MOD: &str = fixture!("compliant_endpoints/src/auth/mod.rs");
const ENDPOINTS_APP: &str = fixture!("compliant_endpoints/src/app.rs");

fn endpoints_service(changes: &[(&'static str, Option<&'static str>)]) -> RepoModel {
    let mut all = vec![
        ("src/auth/mod.rs", Some(ENDPOINTS_MOD)),
        ("src/app.rs", Some(ENDPOINTS_APP)),
    ];
    all.extend_from_slice(changes);
    service(&all)
}

#[test]
fn endpoint_pairs_and_service_builder_are_understood() {
    let hits = check_all(&endpoints_service(&[]), &Params::default(), rules());
    assert!(hits.is_empty(), "{hits:#?}");

    let weak = fixture!("weakened/auth_extra_endpoint.rs");
    let hits = run(
        rule("PVD-AUTH-004"),
        &endpoints_service(&[("src/auth/mod.rs", Some(weak))]),
    );
    let got: Vec<_> = hits.iter().map(|h| (h.line, h.message.as_str())).collect();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].0, Some(8));
    assert!(got[0].1.contains("`PUBLIC_ENDPOINTS` lets `/v1/login`"));
    assert_eq!(got[1].0, Some(9));
    assert!(got[1].1.contains("not a path literal"));

    let after = fixture!("weakened/app_service_builder_after.rs");
    let model = endpoints_service(&[("src/app.rs", Some(after))]);
    let hits = run(rule("PVD-AUTH-003"), &model);
    assert_eq!(
        lines(&hits),
        [
            ("src/app.rs".to_owned(), Some(18)),
            ("src/app.rs".to_owned(), Some(19)),
        ]
    );
    assert!(hits[1].message.contains("`.fallback(...)`"));
}
