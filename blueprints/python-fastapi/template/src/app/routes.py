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

# The scope the example admin route requires.
ADMIN_SCOPE = "admin"


@router.get("/whoami")
async def whoami(identity: Annotated[Identity, Depends(current_identity)]) -> dict[str, str]:
    """The verified caller's subject."""
    return {"sub": identity.sub}


@router.get("/admin")
async def admin(identity: Annotated[Identity, Depends(require_scope(ADMIN_SCOPE))]) -> dict[str, str]:
    """An example of a route that needs a scope: 403 for a caller without it."""
    return {"sub": identity.sub, "scope": ADMIN_SCOPE}
