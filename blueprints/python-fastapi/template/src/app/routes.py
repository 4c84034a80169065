"""Your endpoints. Everything here is behind authentication without doing anything:
add routes to `router` and read the caller with `Depends(current_identity)`, or
demand a scope with `Depends(require_scope("..."))` (403 when it is missing).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from .auth import Identity
from .auth.scopes import current_identity, require_scope

router = APIRouter(prefix="/v1")

# HEAD is served wherever GET is (RFC 9110 section 9.3.2), as axum and fastify do:
# the same authentication, the same status, no body.
READ = ["GET", "HEAD"]

# The scope the example admin route requires.
ADMIN_SCOPE = "admin"


@router.api_route("/whoami", methods=READ)
async def whoami(identity: Annotated[Identity, Depends(current_identity)]) -> dict[str, str]:
    """The verified caller's subject."""
    return {"sub": identity.sub}


@router.api_route("/admin", methods=READ)
async def admin(identity: Annotated[Identity, Depends(require_scope(ADMIN_SCOPE))]) -> dict[str, str]:
    """An example of a route that needs a scope: 403 for a caller without it."""
    return {"sub": identity.sub, "scope": ADMIN_SCOPE}
