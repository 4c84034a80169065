//! HTTP services in repositories without provenance: a known framework named by a
//! dependency manifest, an application built in the shipped sources, routes beyond
//! the probes, and no authentication applied anywhere. This is what PVD-AUTH-008
//! reports.
//!
//! Precision comes first, because nothing says these services are meant to be
//! private. Two shapes are reported: a service with *no* authentication wired at all
//! (no middleware, layer, dependency, hook, guarded route or handler that reads the
//! credentials), and routes registered where a service's *global* authentication does
//! not reach: a second FastAPI application or fastify root instance beside the one
//! that has it, or an axum route added to a chain after its authenticating
//! `.layer`/`.route_layer`. A route simply left without its own per-route guard among
//! guarded ones is left to review: per-route guards are also how services make some
//! routes public on purpose. Tests, examples, docs,
//! benchmarks and vendored code are not services; a project with no application
//! construction is a library; one whose routes are all probes (`/healthz`, `/ping`,
//! …), the root landing route or static files is public by design.

use std::path::{Path, PathBuf};

use crate::guardrails::RepoModel;

use super::analysis;
use super::fastapi;
use super::fastify;

/// A service that serves routes with no authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Exposed {
    pub file: PathBuf,
    pub line: u32,
    pub framework: &'static str,
    /// The application's name in the code (`app`, `router`).
    pub app: String,
    /// Routes beyond the probes, and one of them to name.
    pub routes: usize,
    pub example: String,
    /// The service authenticates elsewhere, and these routes are outside it: where
    /// that authentication is applied.
    pub outside: Option<(PathBuf, u32)>,
}

/// Routes that are public by design in a service that authenticates: the probes,
/// sign-in and token endpoints, API documentation and discovery documents.
pub(super) fn is_public_by_design(path: &str) -> bool {
    if is_probe(path) {
        return true;
    }
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    p.split('/').any(|seg| {
        matches!(
            seg,
            "login"
                | "logout"
                | "signin"
                | "sign-in"
                | "signout"
                | "sign-out"
                | "signup"
                | "sign-up"
                | "register"
                | "token"
                | "refresh"
                | "oauth"
                | "oauth2"
                | "callback"
                | "authorize"
                | ".well-known"
                | "jwks"
                | "jwks.json"
                | "docs"
                | "redoc"
                | "swagger"
                | "openapi"
                | "openapi.json"
                | "openapi.yaml"
                | "static"
                | "assets"
                | "public"
        )
    })
}

/// Paths that are public by design: the root landing route, liveness, readiness,
/// ping, version.
pub(super) fn is_probe(path: &str) -> bool {
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    if p.is_empty() {
        return true;
    }
    let last = p.rsplit('/').next().unwrap_or("");
    matches!(
        last,
        "health"
            | "healthz"
            | "healthcheck"
            | "health-check"
            | "health_check"
            | "ready"
            | "readyz"
            | "readiness"
            | "live"
            | "livez"
            | "liveness"
            | "ping"
            | "status"
            | "version"
            | "favicon.ico"
            | "robots.txt"
    )
}

/// Directories that hold no production service.
fn is_excluded_dir(path: &str) -> bool {
    path.split('/').any(|seg| {
        matches!(
            seg,
            "tests"
                | "test"
                | "__tests__"
                | "examples"
                | "example"
                | "docs"
                | "doc"
                | "docs_src"
                | "benches"
                | "benchmarks"
                | "bench"
                | "fixtures"
                | "testdata"
                | "vendor"
                | "node_modules"
                | "target"
                | "dist"
                | "build"
                | ".venv"
                | "venv"
                | "site-packages"
                | "samples"
                | "sample"
                | "demo"
                | "demos"
                | "templates"
                | "template"
                | "playground"
        )
    })
}

fn dir_of(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => format!("{}/", &path[..i]),
        None => String::new(),
    }
}

/// Project directories (with a trailing `/`, or empty for the root) whose manifest
/// depends on `dep`.
fn projects(repo: &RepoModel, dep: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in repo.files() {
        let path = f.path_str();
        if is_excluded_dir(&path) {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(&path);
        let Some(text) = &f.text else { continue };
        let depends = match name {
            "Cargo.toml" => cargo_depends(text, dep),
            "package.json" => npm_depends(text, dep),
            "pyproject.toml" | "Pipfile" | "setup.py" | "setup.cfg" => python_mentions(text, dep),
            n if n.starts_with("requirements") && n.ends_with(".txt") => {
                requirements_name(text, dep)
            }
            _ => false,
        };
        if depends {
            out.push(dir_of(&path));
        }
    }
    out.sort();
    out.dedup();
    // A Python project's manifest may sit above `src/`; nested manifests of one
    // project are one project.
    let mut kept: Vec<String> = Vec::new();
    for d in out {
        if !kept.iter().any(|k| d.starts_with(k.as_str())) {
            kept.push(d);
        }
    }
    kept
}

fn cargo_depends(text: &str, dep: &str) -> bool {
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
    table
        .get("dependencies")
        .and_then(|d| d.as_table())
        .is_some_and(|d| d.contains_key(dep))
}

fn npm_depends(text: &str, dep: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("dependencies").cloned())
        .and_then(|d| d.as_object().map(|o| o.contains_key(dep)))
        .unwrap_or(false)
}

/// `fastapi`, `"fastapi>=0.110"`, `fastapi = "^0.110"`, `'fastapi[standard]'`.
fn python_mentions(text: &str, dep: &str) -> bool {
    let re = regex::Regex::new(&format!(
        r#"(?mi)(^|["'\s,\[])({dep})\s*(["'\[<>=~!;,\s]|$)"#
    ))
    .expect("static pattern");
    re.is_match(text)
}

fn requirements_name(text: &str, dep: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        let name_end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(l.len());
        l[..name_end].eq_ignore_ascii_case(dep)
    })
}

fn under(dir: &str, path: &str) -> bool {
    path.starts_with(dir) && !is_excluded_dir(&path[dir.len()..])
}

/// Every exposed service of the repository.
pub(super) fn exposed(repo: &RepoModel) -> Vec<Exposed> {
    let mut out = Vec::new();
    for dir in projects(repo, "fastapi") {
        let facts = fastapi::analyse(
            repo,
            |p| under(&dir, p) && fastapi::is_shipped_python(p),
            &fastapi::is_auth_name,
        );
        let Some(app) = facts.apps.first() else {
            continue;
        };
        if facts.any_auth.is_some() {
            out.extend(fastapi_outside(&facts));
            continue;
        }
        let routes: Vec<_> = facts
            .routes
            .iter()
            .filter(|r| !r.static_files && !r.protected && !r.path.as_deref().is_some_and(is_probe))
            .filter(|r| !matches!(r.how.as_str(), "include_router" | "mount"))
            .collect();
        if let Some(first) = routes.first() {
            out.push(Exposed {
                file: app.file.clone(),
                line: app.line,
                framework: "FastAPI",
                app: app.var.clone().unwrap_or_else(|| "app".to_owned()),
                routes: routes.len(),
                example: route_name(&first.how, facts.served_path(first).as_deref()),
                outside: None,
            });
        }
    }
    for dir in projects(repo, "fastify") {
        let facts = fastify::analyse(
            repo,
            |p| under(&dir, p) && fastify::is_shipped_script(p),
            &fastify::is_auth_name,
        );
        let Some(app) = facts.apps.first() else {
            continue;
        };
        if facts.any_auth.is_some() {
            out.extend(fastify_outside(&facts));
            continue;
        }
        let routes: Vec<_> = facts
            .routes
            .iter()
            .filter(|r| !r.static_files && !r.path.as_deref().is_some_and(is_probe))
            .collect();
        if let Some(first) = routes.first() {
            out.push(Exposed {
                file: app.file.clone(),
                line: app.line,
                framework: "fastify",
                app: app.var.clone(),
                routes: routes.len(),
                example: route_name(&first.how, first.path.as_deref()),
                outside: None,
            });
        }
    }
    for dir in projects(repo, "axum") {
        let facts = analysis::axum_service(repo, &|p: &str| {
            under(&dir, p) && p.ends_with(".rs") && !Path::new(p).ends_with("build.rs")
        });
        if !facts.serves {
            continue;
        }
        if facts.auth {
            out.extend(axum_outside(&facts));
            continue;
        }
        let Some((file, line)) = facts.router.clone() else {
            continue;
        };
        let routes: Vec<_> = facts.routes.iter().filter(|(p, _)| !is_probe(p)).collect();
        if let Some((path, _)) = routes.first() {
            out.push(Exposed {
                file,
                line,
                framework: "axum",
                app: "Router".to_owned(),
                routes: routes.len(),
                example: route_name("route", Some(path)),
                outside: None,
            });
        }
    }
    out
}

/// Routes on FastAPI applications that no authentication wraps, in a service where
/// another application has it: one entry per such application.
fn fastapi_outside(facts: &fastapi::Facts) -> Vec<Exposed> {
    let Some(guard) = facts.apps.iter().find(|a| a.auth.is_some()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for app in facts.uncovered_apps() {
        let routes: Vec<_> = facts
            .routes_on(app)
            .filter(|r| !r.static_files && !r.protected)
            .filter(|r| !r.path.as_deref().is_some_and(is_public_by_design))
            .collect();
        if let Some(first) = routes.first() {
            out.push(Exposed {
                file: first.file.clone(),
                line: first.line,
                framework: "FastAPI",
                app: app.var.clone().unwrap_or_else(|| "app".to_owned()),
                routes: routes.len(),
                example: route_name(&first.how, first.path.as_deref()),
                outside: Some((guard.file.clone(), guard.auth.unwrap_or(guard.line))),
            });
        }
    }
    out
}

/// Routes on a fastify root instance without the authentication hook, in a service
/// where another root instance has it: one entry per such instance.
fn fastify_outside(facts: &fastify::Facts) -> Vec<Exposed> {
    let mut groups: Vec<(&str, Vec<&fastify::Route>)> = Vec::new();
    for r in facts.routes.iter().filter(|r| {
        r.root_guard.is_some()
            && !r.own_auth
            && !r.static_files
            && !r.path.as_deref().is_some_and(is_public_by_design)
    }) {
        match groups.iter_mut().find(|(recv, _)| *recv == r.receiver) {
            Some((_, g)) => g.push(r),
            None => groups.push((&r.receiver, vec![r])),
        }
    }
    groups
        .into_iter()
        .map(|(recv, routes)| {
            let first = routes[0];
            Exposed {
                file: first.file.clone(),
                line: first.line,
                framework: "fastify",
                app: recv.to_owned(),
                routes: routes.len(),
                example: route_name(&first.how, first.path.as_deref()),
                outside: first.root_guard.clone(),
            }
        })
        .collect()
}

/// axum routes added after the authenticating layer of their router: one entry per
/// layer.
fn axum_outside(facts: &analysis::AxumService) -> Vec<Exposed> {
    let mut out: Vec<Exposed> = Vec::new();
    for (file, line, what, layer) in &facts.after_auth {
        if what.starts_with('/') && is_public_by_design(what) {
            continue;
        }
        let at = Some((file.clone(), *layer));
        match out.iter_mut().find(|e| e.outside == at) {
            Some(e) => e.routes += 1,
            None => out.push(Exposed {
                file: file.clone(),
                line: *line,
                framework: "axum",
                app: "Router".to_owned(),
                routes: 1,
                example: if what.starts_with('/') {
                    route_name("route", Some(what))
                } else {
                    what.clone()
                },
                outside: at,
            }),
        }
    }
    out
}

fn route_name(how: &str, path: Option<&str>) -> String {
    let method = match how {
        "route" | "api_route" | "all" | "add_api_route" | "add_route" => String::new(),
        m => format!("{} ", m.to_ascii_uppercase()),
    };
    format!("{method}{}", path.unwrap_or("(computed path)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_and_manifests() {
        assert!(is_probe("/healthz") && is_probe("/api/health/") && is_probe("/ping"));
        assert!(is_probe("/") && !is_probe("/v1/items") && !is_probe("/metrics"));
        assert!(is_public_by_design("/api/v1/login/access-token"));
        assert!(is_public_by_design("/.well-known/openid-configuration"));
        assert!(!is_public_by_design("/admin/users") && !is_public_by_design("/debug/config"));
        assert!(requirements_name(
            "fastapi==0.110.0 \\\n  --hash=sha256:00\n",
            "fastapi"
        ));
        assert!(!requirements_name("fastapi-users==1\n", "fastapi"));
        assert!(python_mentions(
            "dependencies = [\"fastapi[standard]>=0.110\"]",
            "fastapi"
        ));
        assert!(python_mentions(
            "[tool.poetry.dependencies]\nfastapi = \"^0.1\"\n",
            "fastapi"
        ));
        assert!(!python_mentions(
            "dependencies = [\"fastapi-utils\"]",
            "fastapi"
        ));
        assert!(cargo_depends("[dependencies]\naxum = \"0.8\"\n", "axum"));
        assert!(!cargo_depends(
            "[dev-dependencies]\naxum = \"0.8\"\n",
            "axum"
        ));
        assert!(npm_depends(
            r#"{"dependencies": {"fastify": "^5"}}"#,
            "fastify"
        ));
        assert!(!npm_depends(
            r#"{"devDependencies": {"fastify": "^5"}}"#,
            "fastify"
        ));
    }
}
