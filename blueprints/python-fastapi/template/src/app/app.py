"""The application: routes, then the middleware that wraps all of them.

Starlette builds the middleware stack around the whole router when the first request
arrives, so a route, router or mounted app added to the returned application later
still runs behind `AuthMiddleware`. Middleware order, outermost first:
errors (500 without details) -> request context (ID, headers, limits) -> CORS (only
when origins are configured) -> authentication -> routes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from . import health, routes
from .auth import Verifier
from .auth.middleware import AuthMiddleware
from .config import Settings
from .context import RequestContextMiddleware


def create_app(settings: Settings, verifier: Verifier) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await verifier.start()
        try:
            yield
        finally:
            await verifier.stop()

    middleware = [
        Middleware(
            RequestContextMiddleware,
            max_body_bytes=settings.limits.max_body_bytes,
            timeout_s=settings.limits.request_timeout_s,
        ),
    ]
    if settings.cors_origins:
        # Deny by default: no CORS headers at all unless origins are configured.
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET"],
                allow_headers=["Authorization"],
                allow_credentials=False,
                max_age=600,
            )
        )
    # Last in the list = innermost: every route is behind it, and nothing can be added
    # between it and the routes.
    middleware.append(Middleware(AuthMiddleware, verifier=verifier))

    app = FastAPI(
        title="service",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        debug=False,
        lifespan=lifespan,
        middleware=middleware,
    )
    app.state.verifier = verifier
    app.include_router(health.router)
    app.include_router(routes.router)
    return app
