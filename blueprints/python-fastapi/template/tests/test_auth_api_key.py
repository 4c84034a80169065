"""API keys: hashed at rest, compared in constant time, deny by default."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from fastapi.testclient import TestClient

from app.app import create_app
from app.auth.api_key import ApiKeyVerifier
from app.config import ApiKeySettings, ConfigError, Settings, load

from .conftest import bearer

KEY = secrets.token_hex(32)
OTHER = secrets.token_hex(32)
DIGEST = hashlib.sha256(KEY.encode()).hexdigest()


@pytest.fixture
def api() -> TestClient:
    auth = load("api-key", {"API_KEY_SHA256": f"{hashlib.sha256(OTHER.encode()).hexdigest()},{DIGEST}"}).auth
    assert isinstance(auth, ApiKeySettings)
    settings = Settings(host="127.0.0.1", port=0, log_level="info", auth=auth)
    return TestClient(create_app(settings, ApiKeyVerifier(auth)))


def test_valid_key(api: TestClient) -> None:
    reply = api.get("/v1/whoami", headers=bearer(KEY))
    assert reply.status_code == 200
    assert reply.json() == {"sub": DIGEST[:8]}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": f"Bearer {DIGEST}"},  # the digest is not the key
        {"Authorization": f"Bearer {KEY[:-1]}"},
        {"Authorization": f"Bearer {'x' * 2000}"},
    ],
    ids=["missing", "wrong", "basic", "digest", "truncated", "huge"],
)
def test_rejected(api: TestClient, headers: dict[str, str]) -> None:
    reply = api.get("/v1/whoami", headers=headers)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_unknown_route_is_401(api: TestClient) -> None:
    assert api.get("/no-such-route").status_code == 401
    assert api.get("/no-such-route", headers=bearer(KEY)).status_code == 404


def test_key_has_no_scopes(api: TestClient) -> None:
    assert api.get("/v1/admin", headers=bearer(KEY)).status_code == 403


def test_ready_without_network(api: TestClient) -> None:
    assert api.get("/readyz").status_code == 200


@pytest.mark.parametrize("value", ["", "0123", DIGEST.upper(), f"{DIGEST},", f"{DIGEST}0", "z" * 64])
def test_configuration_fails_closed(value: str) -> None:
    with pytest.raises(ConfigError, match="API_KEY_SHA256"):
        load("api-key", {"API_KEY_SHA256": value})
