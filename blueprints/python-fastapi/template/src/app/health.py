"""Liveness and readiness: the only public endpoints (see auth.middleware.PUBLIC_ENDPOINTS)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JSONResponse:
    """The process is up and serving. Reveals nothing else."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """Ready only when the verifier can accept credentials (signing keys loaded and fresh)."""
    if request.app.state.verifier.ready():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready"}, status_code=503)
