"""Authorisation by scope: a route states the scope it needs as a dependency.

Authentication (401) has already happened in the middleware; a verified caller
without the scope gets 403 with an `insufficient_scope` challenge (RFC 6750).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from . import Identity


def current_identity(request: Request) -> Identity:
    """The verified caller; the middleware guarantees one on every non-public route."""
    identity = getattr(request.state, "identity", None)
    if not isinstance(identity, Identity):
        # Unreachable behind AuthMiddleware; fail closed if the wiring is ever broken.
        raise HTTPException(status_code=401, detail="unauthorized", headers={"WWW-Authenticate": "Bearer"})
    return identity


def require_scope(scope: str) -> Callable[[Request], Identity]:
    """A dependency that admits only callers whose credential grants `scope`."""

    def dependency(request: Request) -> Identity:
        identity = current_identity(request)
        if scope not in identity.scopes:
            raise HTTPException(
                status_code=403,
                detail="forbidden",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
            )
        return identity

    return dependency
