"""The authentication middleware: deny by default.

It wraps the whole application (every route, mounted app, exception handler and
the fallback for unknown paths), so a route added later cannot escape it. Only the
exact entries of `PUBLIC_ENDPOINTS` pass without a verified identity.
"""

from __future__ import annotations

import json
import logging
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import AuthError, Identity, Verifier

# The complete list of what an unauthenticated caller may reach: the probes.
PUBLIC_ENDPOINTS: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
    }
)

MAX_CREDENTIAL_BYTES: Final = 8 * 1024

audit = logging.getLogger("app.audit")

_UNAUTHORIZED_BODY: Final = json.dumps({"error": "unauthorized"}).encode()


def is_public(method: str, path: str) -> bool:
    return (method, path) in PUBLIC_ENDPOINTS


def bearer_credential(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str]:
    """The credential of the single `Authorization: Bearer` header, or why there is none."""
    values = [value for name, value in headers if name.lower() == b"authorization"]
    if not values:
        return None, "missing credential"
    if len(values) > 1:
        return None, "more than one Authorization header"
    raw = values[0]
    if len(raw) > MAX_CREDENTIAL_BYTES:
        return None, "credential too large"
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None, "credential is not ASCII"
    scheme, _, credential = text.partition(" ")
    if scheme.lower() != "bearer":
        return None, "not a Bearer credential"
    credential = credential.strip()
    if not credential or " " in credential:
        return None, "malformed Bearer credential"
    return credential, ""


class AuthMiddleware:
    """Verifies the caller of every HTTP request that is not a public endpoint."""

    def __init__(self, app: ASGIApp, verifier: Verifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            # No other protocol is served: a websocket is refused before it is accepted.
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        method: str = scope["method"]
        path: str = scope["path"]
        state = scope.setdefault("state", {})
        request_id = state.get("request_id", "-")
        if is_public(method, path):
            await self.app(scope, receive, send)
            return

        credential, reason = bearer_credential(scope["headers"])
        identity: Identity | None = None
        if credential is not None:
            try:
                identity = await self.verifier.verify(credential)
            except AuthError as error:
                reason = str(error)
        if identity is None:
            audit.warning(
                "authentication denied",
                extra={
                    "event": "auth.denied",
                    "reason": reason,
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                },
            )
            await _unauthorized(send, invalid_token=credential is not None)
            return

        audit.info(
            "authentication accepted",
            extra={
                "event": "auth.accepted",
                "principal": identity.sub,
                "client": identity.client,
                "request_id": request_id,
                "method": method,
                "path": path,
            },
        )
        state["identity"] = identity
        await self.app(scope, receive, send)


async def _unauthorized(send: Send, *, invalid_token: bool) -> None:
    challenge = b'Bearer error="invalid_token"' if invalid_token else b"Bearer"
    start: Message = {
        "type": "http.response.start",
        "status": 401,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_UNAUTHORIZED_BODY)).encode()),
            (b"www-authenticate", challenge),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": _UNAUTHORIZED_BODY})
