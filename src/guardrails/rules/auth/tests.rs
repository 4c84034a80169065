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
fn only_known_blueprints_are_checked() {
    let broken = [("src/auth/mod.rs", None), ("src/app.rs", None)];
    let model = service(&broken);
    assert!(!check_all(&model, &Params::default(), rules()).is_empty());
    let model = model.with_provenance(None);
    assert!(check_all(&model, &Params::default(), rules()).is_empty());
    // python-fastapi and typescript-fastify have contracts of their own now; a
    // blueprint the rules do not know gets nothing.
    let model = service_as("python-fastapi", "oidc-jwt", &broken);
    let hits = check_all(&model, &Params::default(), rules());
    assert!(
        hits.iter().any(|h| h.rule == "PVD-AUTH-001"
            && h.file == std::path::Path::new("src/app/auth/middleware.py")),
        "{hits:#?}"
    );
    let model = service_as("go-chi", "oidc-jwt", &broken);
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

// ------------------------------------------------------------ FastAPI and fastify

macro_rules! blueprint_file {
    ($bp:literal, $path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/blueprints/",
            $bp,
            "/template/",
            $path
        ))
    };
}

const PY_APP: &str = blueprint_file!("python-fastapi", "src/app/app.py");
const PY_MIDDLEWARE: &str = blueprint_file!("python-fastapi", "src/app/auth/middleware.py");
const PY_OIDC: &str = blueprint_file!("python-fastapi", "src/app/auth/oidc.py");
const PY_ROUTES: &str = blueprint_file!("python-fastapi", "src/app/routes.py");
const PY_HEALTH: &str = blueprint_file!("python-fastapi", "src/app/health.py");

const TS_APP: &str = blueprint_file!("typescript-fastify", "src/app.ts");
const TS_HOOK: &str = blueprint_file!("typescript-fastify", "src/auth/hook.ts");
const TS_JWT: &str = blueprint_file!("typescript-fastify", "src/auth/jwt.ts");
const TS_ROUTES: &str = blueprint_file!("typescript-fastify", "src/routes.ts");

fn framework_service(
    blueprint: &str,
    base: &[(&'static str, &'static str)],
    changes: &[(&'static str, Option<String>)],
) -> RepoModel {
    let mut files: Vec<(String, String)> = base
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
    for (path, text) in changes {
        files.retain(|(p, _)| p != path);
        if let Some(text) = text {
            files.push(((*path).to_owned(), text.clone()));
        }
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    RepoModel::from_memory(&refs).with_provenance(Some(provenance(blueprint, "oidc-jwt")))
}

fn fastapi(changes: &[(&'static str, Option<String>)]) -> RepoModel {
    framework_service(
        "python-fastapi",
        &[
            ("src/app/app.py", PY_APP),
            ("src/app/auth/middleware.py", PY_MIDDLEWARE),
            ("src/app/auth/oidc.py", PY_OIDC),
            ("src/app/routes.py", PY_ROUTES),
            ("src/app/health.py", PY_HEALTH),
        ],
        changes,
    )
}

fn fastify(changes: &[(&'static str, Option<String>)]) -> RepoModel {
    framework_service(
        "typescript-fastify",
        &[
            ("src/app.ts", TS_APP),
            ("src/auth/hook.ts", TS_HOOK),
            ("src/auth/jwt.ts", TS_JWT),
            ("src/routes.ts", TS_ROUTES),
        ],
        changes,
    )
}

/// Every auth hit as `id file:line: message`.
fn all_hits(model: &RepoModel) -> Vec<String> {
    check_all(model, &Params::default(), rules())
        .into_iter()
        .map(|h| {
            format!(
                "{} {}:{}: {}",
                h.rule,
                h.file.display(),
                h.line.unwrap_or(0),
                h.message
            )
        })
        .collect()
}

fn replaced(text: &str, from: &str, to: &str) -> Option<String> {
    assert!(text.contains(from), "{from:?} not in the blueprint source");
    Some(text.replacen(from, to, 1))
}

fn ids(hits: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = hits.iter().map(|h| &h[..12]).collect();
    v.dedup();
    v
}

#[test]
fn fastapi_blueprint_is_clean() {
    assert_eq!(all_hits(&fastapi(&[])), Vec::<String>::new());
}

#[test]
fn fastapi_weakenings_are_caught() {
    let deleted = all_hits(&fastapi(&[("src/app/auth/middleware.py", None)]));
    assert!(ids(&deleted).contains(&"PVD-AUTH-001"), "{deleted:#?}");

    let unwired = all_hits(&fastapi(&[(
        "src/app/app.py",
        replaced(
            PY_APP,
            "    middleware.append(Middleware(AuthMiddleware, verifier=verifier))\n",
            "",
        ),
    )]));
    assert_eq!(ids(&unwired), ["PVD-AUTH-002"], "{unwired:#?}");
    assert!(unwired[0].contains("src/app/app.py"), "{unwired:#?}");

    // A second application mounted into the protected one is behind its middleware.
    let mounted = all_hits(&fastapi(&[(
        "src/app/app.py",
        replaced(
            PY_APP,
            "    return app\n",
            "    admin = FastAPI()\n    admin.include_router(routes.router)\n    app.mount(\"/admin\", admin)\n    return app\n",
        ),
    )]));
    assert_eq!(mounted, Vec::<String>::new());
    // One served on its own is not.
    let second_app = all_hits(&fastapi(&[(
        "src/app/app.py",
        replaced(
            PY_APP,
            "    return app\n",
            "    return app\n\n\nadmin = FastAPI()\nadmin.include_router(routes.router)\n",
        ),
    )]));
    assert_eq!(ids(&second_app), ["PVD-AUTH-003"], "{second_app:#?}");
    assert!(
        second_app[0].contains("`admin.include_router(...)`"),
        "{second_app:#?}"
    );

    let extra = all_hits(&fastapi(&[(
        "src/app/auth/middleware.py",
        replaced(
            PY_MIDDLEWARE,
            "(\"GET\", \"/readyz\"),",
            "(\"GET\", \"/readyz\"),\n        (\"GET\", \"/metrics\"),",
        ),
    )]));
    assert_eq!(ids(&extra), ["PVD-AUTH-004"], "{extra:#?}");
    assert!(
        extra[0].contains("`PUBLIC_ENDPOINTS` lets `/metrics` through"),
        "{extra:#?}"
    );

    let special = all_hits(&fastapi(&[(
        "src/app/auth/middleware.py",
        replaced(
            PY_MIDDLEWARE,
            "        if is_public(method, path):",
            "        if is_public(method, path) or path.startswith(\"/internal/\"):",
        ),
    )]));
    assert_eq!(ids(&special), ["PVD-AUTH-004"], "{special:#?}");

    let hs = all_hits(&fastapi(&[(
        "src/app/auth/oidc.py",
        replaced(PY_OIDC, "\"EdDSA\"}", "\"EdDSA\", \"HS256\"}"),
    )]));
    assert_eq!(ids(&hs), ["PVD-AUTH-005"], "{hs:#?}");

    let unsigned = all_hits(&fastapi(&[(
        "src/app/auth/oidc.py",
        replaced(
            PY_OIDC,
            "\"verify_signature\": True",
            "\"verify_signature\": False",
        ),
    )]));
    assert_eq!(ids(&unsigned), ["PVD-AUTH-005"], "{unsigned:#?}");

    let leeway = all_hits(&fastapi(&[(
        "src/app/auth/oidc.py",
        replaced(PY_OIDC, "LEEWAY_S: Final = 60", "LEEWAY_S: Final = 300"),
    )]));
    assert_eq!(ids(&leeway), ["PVD-AUTH-007"], "{leeway:#?}");
    assert!(leeway[0].contains("300 s"), "{leeway:#?}");
}

#[test]
fn fastify_blueprint_is_clean() {
    assert_eq!(all_hits(&fastify(&[])), Vec::<String>::new());
}

#[test]
fn fastify_weakenings_are_caught() {
    let deleted = all_hits(&fastify(&[("src/auth/hook.ts", None)]));
    assert!(ids(&deleted).contains(&"PVD-AUTH-001"), "{deleted:#?}");

    let unwired = all_hits(&fastify(&[(
        "src/app.ts",
        replaced(
            TS_APP,
            "  installAuthentication(app, options.authenticator);\n",
            "",
        ),
    )]));
    assert_eq!(ids(&unwired), ["PVD-AUTH-002"], "{unwired:#?}");

    // The hook moved into a plugin: it covers only that plugin's routes.
    let encapsulated = all_hits(&fastify(&[(
        "src/app.ts",
        replaced(
            TS_APP,
            "  installAuthentication(app, options.authenticator);\n",
            "",
        )
        .and_then(|t| {
            replaced(
                &t,
                "  await app.register(api, { prefix: \"/v1\" });\n",
                "  await app.register(async (child) => {\n    installAuthentication(child, options.authenticator);\n    await child.register(api, { prefix: \"/v1\" });\n  });\n  app.get(\"/debug\", (_request, reply) => reply.send({}));\n",
            )
        }),
    )]));
    assert_eq!(ids(&encapsulated), ["PVD-AUTH-003"], "{encapsulated:#?}");
    assert!(
        encapsulated.iter().any(|h| h.contains("`app.get(...)`")),
        "{encapsulated:#?}"
    );
    assert!(
        !encapsulated.iter().any(|h| h.contains("/whoami")),
        "{encapsulated:#?}"
    );

    let extra = all_hits(&fastify(&[(
        "src/auth/hook.ts",
        replaced(
            TS_HOOK,
            "[\"GET\", \"/readyz\"],",
            "[\"GET\", \"/readyz\"],\n  [\"GET\", \"/metrics\"],",
        ),
    )]));
    assert_eq!(ids(&extra), ["PVD-AUTH-004"], "{extra:#?}");

    let opt_out = fastify(&[
        (
            "src/auth/hook.ts",
            replaced(
                TS_HOOK,
                "    if (isPublic(request.method, request.url)) {",
                "    if (isPublic(request.method, request.url) || request.routeOptions.config.public === true) {",
            ),
        ),
        (
            "src/routes.ts",
            replaced(
                TS_ROUTES,
                "  app.get(\"/whoami\",",
                "  app.get(\"/export\", { config: { public: true } }, (_request, reply) => reply.send({}));\n  app.get(\"/whoami\",",
            ),
        ),
    ]);
    let opt_out = all_hits(&opt_out);
    assert_eq!(ids(&opt_out), ["PVD-AUTH-004"], "{opt_out:#?}");
    assert!(
        opt_out[0].contains("route `/export` sets `config`"),
        "{opt_out:#?}"
    );

    let hs = all_hits(&fastify(&[(
        "src/auth/jwt.ts",
        replaced(TS_JWT, "  \"EdDSA\",\n", "  \"EdDSA\",\n  \"HS256\",\n"),
    )]));
    assert_eq!(ids(&hs), ["PVD-AUTH-005"], "{hs:#?}");

    let secret = all_hits(&fastify(&[(
        "src/auth/jwt.ts",
        replaced(
            TS_JWT,
            "(header, input) => this.jwks.key(header, input)",
            "new TextEncoder().encode(process.env.SECRET)",
        ),
    )]));
    assert_eq!(ids(&secret), ["PVD-AUTH-005"], "{secret:#?}");

    let leeway = all_hits(&fastify(&[(
        "src/auth/jwt.ts",
        replaced(
            TS_JWT,
            "LEEWAY_SECONDS: number = 60;",
            "LEEWAY_SECONDS: number = 600;",
        ),
    )]));
    assert_eq!(ids(&leeway), ["PVD-AUTH-007"], "{leeway:#?}");
}

#[test]
fn rust_leeway_is_checked() {
    let jwt = "const LEEWAY: u64 = 120;\nfn v() -> Validation {\n    let mut v = Validation::new(Algorithm::RS256);\n    v.leeway = LEEWAY;\n    v\n}\n";
    let hits = all_hits(&service(&[("src/auth/jwks.rs", Some(jwt))]));
    assert_eq!(ids(&hits), ["PVD-AUTH-007"], "{hits:#?}");
    assert!(hits[0].contains("src/auth/jwks.rs:4"), "{hits:#?}");
    let ok = jwt.replace("120", "60");
    let model = service(&[("src/auth/jwks.rs", Some(Box::leak(ok.into_boxed_str())))]);
    assert_eq!(all_hits(&model), Vec::<String>::new());
}

// ------------------------------------------------------------ without provenance

fn plain(files: &[(&str, &str)]) -> Vec<String> {
    let model = RepoModel::from_memory(files);
    check_all(&model, &Params::default(), [rule("PVD-AUTH-008")])
        .into_iter()
        .map(|h| {
            format!(
                "{}:{}: {}",
                h.file.display(),
                h.line.unwrap_or(0),
                h.message
            )
        })
        .collect()
}

const PY_OPEN: &str = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/healthz\")\nasync def healthz():\n    return {}\n\n\n@app.post(\"/orders\")\nasync def create(order: Order):\n    return order\n";

#[test]
fn fastapi_without_authentication_is_found() {
    let hits = plain(&[
        ("requirements.txt", "fastapi==0.115.0\n"),
        ("app/main.py", PY_OPEN),
    ]);
    assert_eq!(
        hits,
        ["app/main.py:3: FastAPI application `app` serves `POST /orders` with no authentication middleware, dependency or hook"]
    );
    // A global dependency, a router dependency, a parameter dependency, a security
    // scheme, an auth middleware: each is authentication.
    for wired in [
        PY_OPEN.replace("FastAPI()", "FastAPI(dependencies=[Depends(verify_token)])"),
        PY_OPEN.replace("order: Order)", "order: Order, user: User = Depends(get_current_user))"),
        PY_OPEN.replace("app = FastAPI()", "app = FastAPI()\napp.add_middleware(AuthenticationMiddleware, backend=JWTBackend())"),
        PY_OPEN.replace("app = FastAPI()", "app = FastAPI()\nscheme = HTTPBearer()"),
        PY_OPEN.replace("    return order", "    if request.headers.get(\"x-api-key\") != KEY:\n        raise HTTPException(401)\n    return order"),
    ] {
        let hits = plain(&[("requirements.txt", "fastapi==0.115.0\n"), ("app/main.py", &wired)]);
        assert_eq!(hits, Vec::<String>::new(), "{wired}");
    }
}

#[test]
fn public_by_design_libraries_tests_and_examples_stay_quiet() {
    let probes_only = PY_OPEN.replace("\"/orders\"", "\"/ping\"");
    let static_only = "from fastapi import FastAPI\nfrom fastapi.staticfiles import StaticFiles\n\napp = FastAPI()\napp.mount(\"/static\", StaticFiles(directory=\"static\"), name=\"static\")\n";
    let library = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get(\"/users\")\nasync def users():\n    return []\n";
    for (path, text) in [
        ("app/main.py", probes_only.as_str()),
        ("app/main.py", static_only),
        ("mylib/routes.py", library),
        ("examples/demo/main.py", PY_OPEN),
        ("tests/test_api.py", PY_OPEN),
        ("app/test_main.py", PY_OPEN),
    ] {
        let hits = plain(&[
            (
                "pyproject.toml",
                "[project]\ndependencies = [\"fastapi>=0.110\"]\n",
            ),
            (path, text),
        ]);
        assert_eq!(hits, Vec::<String>::new(), "{path}");
    }
    // No manifest naming FastAPI: not a FastAPI service.
    assert_eq!(plain(&[("app/main.py", PY_OPEN)]), Vec::<String>::new());
    // With provenance the blueprint's contract applies instead.
    let model =
        RepoModel::from_memory(&[("requirements.txt", "fastapi\n"), ("app/main.py", PY_OPEN)])
            .with_provenance(Some(provenance("python-fastapi", "oidc-jwt")));
    assert!(check_all(&model, &Params::default(), [rule("PVD-AUTH-008")]).is_empty());
}

const TS_OPEN: &str = "import Fastify from \"fastify\";\n\nconst app = Fastify({ logger: true });\n\napp.get(\"/health\", async () => ({ ok: true }));\napp.register(async (api) => {\n  api.get(\"/orders/:id\", async (request) => load(request.params.id));\n}, { prefix: \"/v1\" });\n\nawait app.listen({ port: 3000 });\n";
const PKG: &str = "{\"dependencies\": {\"fastify\": \"^5.0.0\"}}";

#[test]
fn fastify_without_authentication_is_found() {
    let hits = plain(&[("package.json", PKG), ("src/server.ts", TS_OPEN)]);
    assert_eq!(
        hits,
        ["src/server.ts:3: fastify application `app` serves `GET /orders/:id` with no authentication middleware, dependency or hook"]
    );
    for wired in [
        TS_OPEN.replace(
            "app.get(\"/health\"",
            "app.addHook(\"onRequest\", app.authenticate);\napp.get(\"/health\"",
        ),
        TS_OPEN.replace(
            "api.get(\"/orders/:id\", async",
            "api.get(\"/orders/:id\", { onRequest: [api.authenticate] }, async",
        ),
        TS_OPEN.replace(
            "app.get(\"/health\"",
            "app.register(fastifyJwt, { secret });\napp.get(\"/health\"",
        ),
    ] {
        let hits = plain(&[("package.json", PKG), ("src/server.ts", &wired)]);
        assert_eq!(hits, Vec::<String>::new(), "{wired}");
    }
    // fastify only as a dev dependency: not a fastify service.
    let dev = "{\"devDependencies\": {\"fastify\": \"^5.0.0\"}}";
    assert_eq!(
        plain(&[("package.json", dev), ("src/server.ts", TS_OPEN)]),
        Vec::<String>::new()
    );
}

#[test]
fn axum_without_authentication_is_found() {
    let cargo = "[package]\nname = \"svc\"\n\n[dependencies]\naxum = \"0.8\"\n";
    let main = "#[tokio::main]\nasync fn main() {\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n    axum::serve(listener, app::router(state())).await.unwrap();\n}\n";
    // An auth module without the blueprint's allow-list: any axum service's (with it,
    // the service is held to the rust-axum contract instead, see below).
    let auth_mod = AUTH_MOD.replace("PUBLIC_PATHS", "OPEN_PATHS");
    let protected = [
        ("Cargo.toml", cargo),
        ("src/main.rs", main),
        ("src/app.rs", APP),
        ("src/auth/mod.rs", auth_mod.as_str()),
    ];
    assert_eq!(plain(&protected), Vec::<String>::new());
    let open_app: String = APP
        .lines()
        .filter(|l| !l.contains("require_auth") && !l.contains(".layer(auth)"))
        .collect::<Vec<_>>()
        .join("\n");
    let open = [
        ("Cargo.toml", cargo),
        ("src/main.rs", main),
        ("src/app.rs", open_app.as_str()),
        ("src/auth/mod.rs", auth_mod.as_str()),
    ];
    let hits = plain(&open);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert!(
        hits[0].starts_with("src/app.rs:") && hits[0].contains("axum application"),
        "{hits:#?}"
    );
    // An extractor that authenticates a routed handler counts; one on a function
    // that no route names does not.
    let with_claims = open_app.replace("identity: axum::Extension<Identity>", "claims: Claims");
    assert_ne!(with_claims, open_app);
    let mut with_extractor = open.to_vec();
    with_extractor[2] = ("src/app.rs", with_claims.as_str());
    assert_eq!(plain(&with_extractor), Vec::<String>::new());
    let mut unrouted = open.to_vec();
    unrouted.push(("src/jwks.rs", "async fn refresh(config: &AuthConfig) {}\n"));
    assert_eq!(plain(&unrouted).len(), 1);
    // A crate that never serves the router is a library.
    let library = [("Cargo.toml", cargo), ("src/app.rs", open_app.as_str())];
    assert_eq!(plain(&library), Vec::<String>::new());
}

#[test]
fn routes_outside_a_global_guard_are_found() {
    // FastAPI: a second application beside the one every request of which is
    // authenticated; mounted into it, it is covered; a sign-in route is public.
    let py = "from fastapi import Depends, FastAPI\n\napp = FastAPI(dependencies=[Depends(verify_token)])\n\n\n@app.get(\"/orders\")\nasync def orders():\n    return []\n\n\nadmin = FastAPI()\n\n\n@admin.post(\"/admin/reset\")\nasync def reset():\n    return {}\n";
    let req = ("requirements.txt", "fastapi\n");
    assert_eq!(
        plain(&[req, ("app/main.py", py)]),
        ["app/main.py:14: FastAPI `admin` serves `POST /admin/reset` outside the authentication applied at app/main.py:3, so without authentication"]
    );
    let mounted = format!("{py}\napp.mount(\"/internal\", admin)\n");
    assert_eq!(
        plain(&[req, ("app/main.py", &mounted)]),
        Vec::<String>::new()
    );
    let login = py.replace("/admin/reset", "/auth/login");
    assert_eq!(plain(&[req, ("app/main.py", &login)]), Vec::<String>::new());
    // Per-route guards leave public routes public on purpose: not reported.
    let per_route = "from fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/posts\")\nasync def posts():\n    return []\n\n\n@app.post(\"/posts\", dependencies=[Depends(get_current_user)])\nasync def create():\n    return {}\n";
    assert_eq!(
        plain(&[req, ("app/main.py", per_route)]),
        Vec::<String>::new()
    );

    // fastify: a second root instance beside the one with the hook.
    let ts = "import Fastify from \"fastify\";\n\nconst app = Fastify();\napp.addHook(\"onRequest\", app.authenticate);\napp.get(\"/orders\", async () => []);\n\nconst admin = Fastify();\nadmin.post(\"/admin/reset\", async () => ({}));\n";
    assert_eq!(
        plain(&[("package.json", PKG), ("src/server.ts", ts)]),
        ["src/server.ts:8: fastify `admin` serves `POST /admin/reset` outside the authentication applied at src/server.ts:4, so without authentication"]
    );
    // A hook scoped to one plugin is how fastify keeps the other plugins public.
    let scoped = "import Fastify from \"fastify\";\n\nconst app = Fastify();\napp.register(async (private) => {\n  private.addHook(\"onRequest\", private.authenticate);\n  private.get(\"/orders\", async () => []);\n});\napp.get(\"/catalogue\", async () => []);\n";
    assert_eq!(
        plain(&[("package.json", PKG), ("src/server.ts", scoped)]),
        Vec::<String>::new()
    );

    // axum: routes added after the authenticating layer of their chain.
    let cargo = (
        "Cargo.toml",
        "[package]\nname = \"svc\"\n\n[dependencies]\naxum = \"0.8\"\n",
    );
    let rs = |chain: &str| {
        format!(
            "#[tokio::main]\nasync fn main() {{\n    let app = Router::new()\n{chain};\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}}\n"
        )
    };
    let after = rs("        .route(\"/orders\", get(orders))\n        .route_layer(middleware::from_fn(auth_user))\n        .route(\"/debug/state\", get(state))\n        .route(\"/login\", post(login))");
    assert_eq!(
        plain(&[cargo, ("src/main.rs", &after)]),
        ["src/main.rs:6: axum `Router` serves `/debug/state` outside the authentication applied at src/main.rs:5, so without authentication"]
    );
    let before_routes = rs("        .layer(middleware::from_fn(auth_middleware))\n        .route(\"/users\", get(users))\n        .route(\"/info\", get(info))");
    let hits = plain(&[cargo, ("src/main.rs", &before_routes)]);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert!(hits[0].contains("`/users` and 1 more outside"), "{hits:#?}");
    for quiet in [
        "        .route(\"/orders\", get(orders))\n        .layer(middleware::from_fn(auth_user))\n        .merge(public_routes())",
        "        .route(\"/orders\", get(orders))\n        .layer(middleware::from_fn(auth_user))\n        .layer(TraceLayer::new_for_http())",
        "        .route(\"/orders\", get(orders).route_layer(middleware::from_fn(auth_user)))\n        .route(\"/catalogue\", get(catalogue))",
    ] {
        assert_eq!(plain(&[cargo, ("src/main.rs", &rs(quiet))]), Vec::<String>::new(), "{quiet}");
    }
}

#[test]
fn a_service_that_carries_a_blueprint_contract_is_held_to_it_without_provenance() {
    // The rust-axum auth module (require_auth beside PUBLIC_PATHS) with the layer
    // unplugged and no `.paved/`: PVD-AUTH-002 reports it, as with provenance.
    let open_app: String = APP
        .lines()
        .filter(|l| !l.contains("require_auth") && !l.contains(".layer(auth)"))
        .collect::<Vec<_>>()
        .join("\n");
    let model = RepoModel::from_memory(&[
        (
            "Cargo.toml",
            "[package]\nname = \"svc\"\n\n[dependencies]\naxum = \"0.8\"\n",
        ),
        ("src/app.rs", open_app.as_str()),
        ("src/auth/mod.rs", AUTH_MOD),
    ]);
    let hits = all_hits(&model);
    assert!(
        hits.iter().any(|h| h.starts_with("PVD-AUTH-002")),
        "{hits:#?}"
    );
    assert!(
        !hits.iter().any(|h| h.starts_with("PVD-AUTH-008")),
        "{hits:#?}"
    );
    // Without the allow-list it is any axum service with an auth module.
    let other = AUTH_MOD.replace("PUBLIC_PATHS", "OPEN_PATHS");
    let model = RepoModel::from_memory(&[
        (
            "Cargo.toml",
            "[package]\nname = \"svc\"\n\n[dependencies]\naxum = \"0.8\"\n",
        ),
        ("src/app.rs", open_app.as_str()),
        ("src/auth/mod.rs", other.as_str()),
    ]);
    assert!(all_hits(&model).is_empty(), "{:#?}", all_hits(&model));
}

#[test]
fn fastapi_route_is_named_with_its_router_prefix() {
    // testdrivenio/fastapi-crud-async: `GET /{id}/` on notes.router, included under
    // `/notes`, is served as `GET /notes/{id}/`.
    let hits = plain(&[
        ("requirements.txt", "fastapi\n"),
        (
            "app/main.py",
            "from fastapi import FastAPI\nfrom app.api import notes\n\napp = FastAPI()\napp.include_router(notes.router, prefix=\"/notes\", tags=[\"notes\"])\n",
        ),
        (
            "app/api/notes.py",
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n@router.get(\"/{id}/\")\nasync def read_note(id: int):\n    return {}\n",
        ),
    ]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].contains("`GET /notes/{id}/`"), "{hits:?}");
}

#[test]
fn wiring_is_the_same_with_the_sources_parsed_ahead() {
    // `prepare` only moves the parse before the rules (onto all cores): the facts,
    // and so every hit, must be those of the parse made inside the analysis.
    let big = format!("x = 1\n{}", "# padding\n".repeat(60 * 1024));
    let variants: Vec<Box<dyn Fn() -> RepoModel>> = vec![
        Box::new(|| fastapi(&[])),
        Box::new(|| fastapi(&[("src/app/auth/middleware.py", None)])),
        Box::new(|| {
            fastapi(&[
                (
                    "src/app/extra.py",
                    Some("app = FastAPI()\n@app.get('/x')\ndef x(): ...\n".into()),
                ),
                ("src/app/huge.py", Some(big.clone())),
                (
                    "src/app/broken.py",
                    Some("def (:\n  app = FastAPI(\n".into()),
                ),
            ])
        }),
        Box::new(|| fastify(&[])),
        Box::new(|| fastify(&[("src/auth/hook.ts", None)])),
        Box::new(|| {
            fastify(&[
                (
                    "src/extra.js",
                    Some("const app = Fastify();\napp.get('/x', h);\n".into()),
                ),
                ("src/huge.ts", Some(big.replace('#', "//"))),
                ("src/broken.tsx", Some("const = <div>{(</".into())),
            ])
        }),
    ];
    for variant in &variants {
        let (inside, ahead) = (variant(), variant());
        super::prepare(&ahead);
        assert_eq!(
            format!("{:?}", super::wiring::wiring(&inside)),
            format!("{:?}", super::wiring::wiring(&ahead))
        );
        assert_eq!(all_hits(&variant()), all_hits(&ahead));
        // What `drift` does: the files read before the model is made, then installed.
        let inside = variant();
        let read = super::read_ahead(inside.files(), inside.blueprint_id());
        let ahead = variant();
        super::install(
            &ahead,
            super::read_ahead(ahead.files(), ahead.blueprint_id()),
        );
        assert_eq!(all_hits(&inside), all_hits(&ahead));
        // A reading of other files (however alike) or for another blueprint is not
        // used: the parse is made again for the repository it is installed in.
        let other = variant();
        super::install(&other, read);
        assert_eq!(all_hits(&inside), all_hits(&other));
        let wrong = variant();
        let read = super::read_ahead(wrong.files(), Some("rust-axum"));
        super::install(&wrong, read);
        assert_eq!(all_hits(&inside), all_hits(&wrong));
    }
}

#[test]
fn a_reading_ahead_is_installed_only_in_its_own_repository() {
    // Two services whose routes differ: the reading of one, installed in the other,
    // would report the first's routes. It is dropped and the second's files read.
    let open = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/open')\ndef o(): ...\n";
    let a = fastapi(&[("src/app/extra.py", Some(open.into()))]);
    let b = fastapi(&[]);
    let read = super::read_ahead(a.files(), a.blueprint_id());
    super::install(&b, read);
    assert_eq!(all_hits(&b), all_hits(&fastapi(&[])));
    assert_ne!(all_hits(&a), all_hits(&b), "the two services must differ");
}
