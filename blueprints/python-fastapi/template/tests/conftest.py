"""Shared helpers: settings for tests, a stand-in verifier, waiting for readiness."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.auth import AuthError, Identity
from app.config import ApiKeySettings, Limits, Settings


class FakeVerifier:
    """Accepts exactly the credential "good" (as "tester", with scope "admin" for "admin")."""

    def __init__(self) -> None:
        self.is_ready = True

    async def verify(self, credential: str) -> Identity:
        if credential == "good":
            return Identity(sub="tester")
        if credential == "admin":
            return Identity(sub="tester", scopes=frozenset({"admin"}))
        raise AuthError("unknown credential")

    def ready(self) -> bool:
        return self.is_ready

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def settings(limits: Limits | None = None, cors_origins: tuple[str, ...] = ()) -> Settings:
    return Settings(
        host="127.0.0.1",
        port=0,
        log_level="info",
        auth=ApiKeySettings(digests=(bytes(32),)),
        limits=limits or Limits(),
        cors_origins=cors_origins,
    )


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def wait_ready(client: TestClient, timeout_s: float = 10.0) -> None:
    assert wait_until(lambda: client.get("/readyz").status_code == 200, timeout_s), "never ready"


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}
