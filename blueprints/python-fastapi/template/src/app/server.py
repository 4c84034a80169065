"""Serving: uvicorn with connection-level limits.

- `limit_concurrency`: past this many connections or requests in flight uvicorn
  answers 503 at once (load shedding) instead of queueing.
- `GuardedH11Protocol`: a request head must arrive within `header_timeout_s` of the
  connection opening or of the previous response (slowloris), and connections past
  `max_connections` are closed as they are accepted (file-descriptor exhaustion).
- keep-alive connections idle for `keep_alive_timeout_s` are closed.
- a request head (request line and headers) over `MAX_HEAD_BYTES` is answered 431
  and the connection closed, before h11 parses it: the same limit as Node's default
  and the Rust service's, so the three services answer alike.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import Limits, Settings

# Largest request head read, in bytes (16 KiB).
MAX_HEAD_BYTES = 16 * 1024
_TOO_LARGE_BODY = b'{"error": "request head too large"}'
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
    + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(_TOO_LARGE_BODY)
    + _TOO_LARGE_BODY
)


def guarded_protocol(limits: Limits) -> type[asyncio.Protocol]:
    class GuardedH11Protocol(H11Protocol):
        _header_deadline: asyncio.TimerHandle | None = None
        # The bytes of the request head seen so far; None once it is complete.
        _head: bytearray | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                self.logger.warning("connection limit reached; closing a new connection")
                transport.close()
                return
            self._arm_header_deadline()

        def _arm_header_deadline(self) -> None:
            self._cancel_header_deadline()
            self._header_deadline = self.loop.call_later(limits.header_timeout_s, self._header_timeout)

        def _cancel_header_deadline(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _header_timeout(self) -> None:
            self._header_deadline = None
            if self.conn.their_state in (h11.IDLE, h11.DONE) and not self.transport.is_closing():
                # The request head never completed: drop the connection.
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self._head_too_large(data):
                self.transport.write(HEAD_TOO_LARGE)
                self.transport.close()
                return
            super().data_received(data)
            if self.conn.their_state not in (h11.IDLE,):
                self._cancel_header_deadline()

        def _head_too_large(self, data: bytes) -> bool:
            """Counts the head of the next request: over MAX_HEAD_BYTES before its blank line."""
            if self.conn.their_state is not h11.IDLE:
                return False
            if self._head is None:
                self._head = bytearray()
            seen = len(self._head)
            self._head += data[: MAX_HEAD_BYTES + 4]
            end = self._head.find(b"\r\n\r\n", max(0, seen - 3))
            if end == -1:
                return len(self._head) > MAX_HEAD_BYTES
            self._head = None
            return end > MAX_HEAD_BYTES

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._head = None
            if not self.transport.is_closing():
                self._arm_header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_deadline()
            super().connection_lost(exc)

    return GuardedH11Protocol


def uvicorn_config(app: Any, settings: Settings) -> uvicorn.Config:
    limits = settings.limits
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=guarded_protocol(limits),
        lifespan="on",
        limit_concurrency=limits.max_concurrency,
        timeout_keep_alive=limits.keep_alive_timeout_s,
        timeout_graceful_shutdown=10,
        h11_max_incomplete_event_size=16 * 1024,
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,
        ws="none",
    )


def serve(app: Any, settings: Settings) -> None:
    uvicorn.Server(uvicorn_config(app, settings)).run()
