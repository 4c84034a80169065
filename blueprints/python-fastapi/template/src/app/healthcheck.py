"""`python -m app healthcheck`: GET http://127.0.0.1:$PORT/healthz, exit 0 or 1.

The container HEALTHCHECK runs this: the distroless image has no shell or curl.
A raw socket keeps it free of dependencies and quick to start.
"""

from __future__ import annotations

import os
import socket


def probe(port: int, timeout_s: float = 2.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as conn:
            conn.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            head = conn.recv(64)
    except OSError:
        return False
    return head.startswith((b"HTTP/1.1 200 ", b"HTTP/1.0 200 "))


def main() -> int:
    raw = os.environ.get("PORT", "8080")
    port = int(raw) if raw.isdigit() and 0 < int(raw) < 65536 else 8080
    return 0 if probe(port) else 1
