"""Connection-level limits of the real server (uvicorn on 127.0.0.1, in a thread):
slow request heads are dropped, excess load is shed with 503, idle connections end."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from app.app import create_app
from app.config import Limits, Settings
from app.server import uvicorn_config

from .conftest import FakeVerifier, settings, wait_until

LIMITS = Limits(max_concurrency=2, max_connections=4, header_timeout_s=0.5, keep_alive_timeout_s=1)
# uvicorn sheds a request when the open connections or the requests in flight reach
# max_concurrency: one slow request on one connection plus a second connection is full.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(app: FastAPI, config_settings: Settings) -> Iterator[int]:
    port = free_port()
    config = uvicorn_config(app, Settings(**{**config_settings.__dict__, "port": port}))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started, 10), "server did not start"
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def request(port: int, path: str, token: str | None = None, timeout_s: float = 5.0) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as conn:
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n".encode())
        head = conn.recv(1024)
    return int(head.split()[1])


def closed_by_server(conn: socket.socket, within_s: float) -> bool:
    conn.settimeout(within_s)
    try:
        return conn.recv(1) == b""
    except (TimeoutError, ConnectionResetError):
        return False


def test_probes_and_auth_over_a_real_socket() -> None:
    with running(create_app(settings(LIMITS), FakeVerifier()), settings(LIMITS)) as port:
        assert request(port, "/healthz") == 200
        assert request(port, "/v1/whoami") == 401
        assert request(port, "/v1/whoami", "good") == 200


def test_slow_request_head_is_dropped() -> None:
    with running(create_app(settings(LIMITS), FakeVerifier()), settings(LIMITS)) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # head never finished
            started = time.monotonic()
            assert closed_by_server(conn, 5)
            assert time.monotonic() - started < 3
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            assert closed_by_server(idle, 5)  # nothing sent at all


def read_reply(conn: socket.socket) -> bytes:
    reply = b""
    while chunk := conn.recv(4096):
        reply += chunk
    return reply


def test_oversized_request_head_is_refused_with_431() -> None:
    with running(create_app(settings(LIMITS), FakeVerifier()), settings(LIMITS)) as port:
        head = b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + b"A" * 65536 + b"\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            with contextlib.suppress(OSError):  # the server may close before reading it all
                conn.sendall(head)
            assert read_reply(conn).startswith(b"HTTP/1.1 431 ")
        # A head under the limit, sent in pieces, is served as usual.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            conn.sendall(b"X-Pad: " + b"p" * 8000 + b"\r\nConnection: close\r\n\r\n")
            assert read_reply(conn).startswith(b"HTTP/1.1 200 ")


def test_excess_load_is_shed_with_503() -> None:
    app = create_app(settings(LIMITS), FakeVerifier())
    app.state.release = False

    @app.get("/v1/slow")
    async def slow() -> dict[str, str]:
        for _ in range(100):
            if app.state.release:
                break
            await asyncio.sleep(0.05)
        return {"done": "yes"}

    with running(app, settings(LIMITS)) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as holder:
            holder.sendall(b"GET /v1/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n")
            time.sleep(0.3)
            assert request(port, "/v1/whoami", "good") == 503
            assert request(port, "/healthz") == 503
            app.state.release = True
        assert wait_until(lambda: request(port, "/v1/whoami", "good") == 200, 10)


def test_connection_cap_closes_excess_connections() -> None:
    with running(create_app(settings(LIMITS), FakeVerifier()), settings(LIMITS)) as port:
        conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(LIMITS.max_connections)]
        try:
            time.sleep(0.1)
            with socket.create_connection(("127.0.0.1", port), timeout=5) as extra:
                assert closed_by_server(extra, 0.4)  # well before the header timeout
        finally:
            for conn in conns:
                conn.close()
