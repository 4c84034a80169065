use std::sync::Arc;

use paved_model::Location;

use crate::guardrails::declare::{rule, Check};
use crate::guardrails::{CheckCtx, Emitter};

use super::exposure::{exposed, Exposed};

rule! {
    /// HTTP service serves its routes without any authentication
    ///
    /// ## Why it matters
    /// The repository holds an HTTP service (axum, FastAPI or fastify, named by its
    /// dependency manifest and built in its code) whose routes reach the network, and
    /// nothing in it authenticates a caller: no middleware, layer, dependency, hook or
    /// guarded handler. Anyone who can reach the service can call every route, and a
    /// gateway or mesh in front of it is the only control left.
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
        // Services with provenance are held to their blueprint's contract instead
        // (PVD-AUTH-001..007).
        if cx.repo.provenance().is_some() {
            return;
        }
        let found: Arc<Found> = cx.repo.memo(|r| Found(exposed(r)));
        for e in &found.0 {
            let more = match e.routes {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            out.at(Location {
                file: &e.file,
                line: Some(e.line),
            })
            .say(format!(
                "{} application `{}` serves `{}`{more} with no authentication middleware, \
                 dependency or hook",
                e.framework, e.app, e.example
            ));
        }
    }
}
