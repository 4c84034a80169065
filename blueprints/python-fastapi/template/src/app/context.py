"""Per-request context: a request ID, security headers, and a body size and time limit.

The outermost middleware: every response gets these headers, 401s and 503s included.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import uuid
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("app.request")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

SECURITY_HEADERS: Final[list[tuple[bytes, bytes]]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class RequestContextMiddleware:
    """Request ID (generated, never taken from the caller), headers, limits."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                await _reply(send_with_headers, 413, "payload too large")
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise _BodyTooLargeError
                return message

            try:
                async with asyncio.timeout(self.timeout_s):
                    await self.app(scope, limited_receive, send_with_headers)
            except TimeoutError:
                if not started:
                    await _reply(send_with_headers, 408, "request timeout")
            except _BodyTooLargeError:
                if not started:
                    await _reply(send_with_headers, 413, "payload too large")
            except Exception:
                # A bug must not take the process down or show a trace to the caller.
                log.exception("unhandled error", extra={"event": "request.error"})
                if not started:
                    await _reply(send_with_headers, 500, "internal error")
        finally:
            request_id_var.reset(token)


class _BodyTooLargeError(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reply(send: Send, status: int, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
