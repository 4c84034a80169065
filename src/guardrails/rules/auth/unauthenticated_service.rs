use std::sync::Arc;

use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::exposure::{exposed, Exposed};
use super::wiring::contract;

rule! {
    /// HTTP service serves its routes without any authentication
    ///
    /// ## Why it matters
    /// The repository holds an HTTP service (axum, FastAPI or fastify, named by its
    /// dependency manifest and built in its code) whose routes reach the network, and
    /// nothing in it authenticates a caller: no middleware, layer, dependency, hook or
    /// guarded handler. Anyone who can reach the service can call every route, and a
    /// gateway or mesh in front of it is the only control left. The same holds for
    /// routes registered where the service's global authentication does not reach: a
    /// second FastAPI application or fastify root instance beside the guarded one, or
    /// an axum route added after the `.layer`/`.route_layer` that authenticates (axum
    /// wraps only the routes that exist when the layer is applied). Probes, sign-in and
    /// token endpoints, API docs and static files are public by design and not
    /// reported.
    ///
    /// ## How to fix it
    /// Authenticate every request in the application itself, deny by default with only
    /// the health probes public: an axum `.layer(middleware::from_fn(require_auth))`
    /// after the routes, a FastAPI `Middleware(AuthMiddleware)` or global
    /// `dependencies=[Depends(authenticate)]`, a fastify `onRequest` hook on the root
    /// instance. `paved new` generates services wired this way. If the service is public
    /// on purpose, waive this rule for it with the reason.
    ///
    /// ## Example
    /// ```python
    /// # flagged: every route is open
    /// app = FastAPI()
    ///
    /// @app.get("/orders")
    /// async def orders() -> list[Order]: ...
    /// ```
    /// ```python
    /// app = FastAPI(dependencies=[Depends(authenticate)])
    ///
    /// @app.get("/orders")
    /// async def orders() -> list[Order]: ...
    /// ```
    pub struct UnauthenticatedService {
        id: "PVD-AUTH-008",
        severity: High,
        references: ["owasp-top10:A01", "owasp-top10:A07", "cwe:CWE-306"],
    }
}

/// Computed once per repository.
struct Found(Vec<Exposed>);

impl Check for UnauthenticatedService {
    fn check(&self, cx: &CheckCtx<'_>, out: &mut Emitter<'_>) {
        // Services with provenance, or still carrying a blueprint's authentication
        // module, are held to that blueprint's contract instead (PVD-AUTH-001..007).
        if cx.repo.provenance().is_some() || contract(cx.repo).is_some() {
            return;
        }
        let found: Arc<Found> = cx.repo.memo(|r| Found(exposed(r)));
        for e in &found.0 {
            let more = match e.routes {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let at = out.at(Location {
                file: &e.file,
                line: Some(e.line),
            });
            match &e.outside {
                None => at.say(format!(
                    "{} application `{}` serves `{}`{more} with no authentication middleware, \
                     dependency or hook",
                    e.framework, e.app, e.example
                )),
                Some((file, line)) => at.say(format!(
                    "{} `{}` serves `{}`{more} outside the authentication applied at {}:{line}, \
                     so without authentication",
                    e.framework,
                    e.app,
                    e.example,
                    file.display()
                )),
            }
        }
    }
}
