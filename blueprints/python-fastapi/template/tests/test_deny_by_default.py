"""The authentication contract, whatever the scheme: deny by default.

Only GET /healthz and GET /readyz are public. Every other path and method, unknown
ones included, is 401 without a verified identity, and routes added after the app
was built are protected too.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.app import create_app
from app.auth.middleware import PUBLIC_ENDPOINTS, bearer_credential
from app.config import Limits

from .conftest import FakeVerifier, bearer, settings

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(settings(), FakeVerifier()))


def test_public_endpoints_are_exactly_the_probes() -> None:
    assert {("GET", "/healthz"), ("GET", "/readyz")} == PUBLIC_ENDPOINTS


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_public(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path",
    ["/v1/whoami", "/v1/admin", "/no-such-route", "/", "/docs", "/openapi.json", "/healthz/", "/HEALTHZ"],
)
def test_everything_else_needs_credentials(client: TestClient, method: str, path: str) -> None:
    reply = client.request(method, path)
    assert reply.status_code == 401, (method, path)
    assert reply.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
def test_other_methods_on_probes_need_credentials(client: TestClient, method: str) -> None:
    assert client.request(method, "/healthz").status_code == 401


def test_unauthorized_body_and_challenge(client: TestClient) -> None:
    reply = client.get("/v1/whoami", headers=bearer("bad"))
    assert reply.status_code == 401
    assert reply.json() == {"error": "unauthorized"}
    assert reply.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_verified_caller_reaches_routes(client: TestClient) -> None:
    reply = client.get("/v1/whoami", headers=bearer("good"))
    assert reply.status_code == 200
    assert reply.json() == {"sub": "tester"}
    assert client.get("/no-such-route", headers=bearer("good")).status_code == 404


def test_head_is_served_where_get_is(client: TestClient) -> None:
    reply = client.head("/v1/whoami", headers=bearer("good"))
    assert reply.status_code == 200
    assert reply.content == b""
    assert client.head("/v1/whoami").status_code == 401
    assert client.post("/v1/whoami", headers=bearer("good")).status_code == 405


def test_route_added_after_the_app_is_built_is_protected() -> None:
    app = create_app(settings(), FakeVerifier())

    @app.get("/late")
    async def late() -> dict[str, str]:
        return {"open": "yes"}

    client = TestClient(app)
    assert client.get("/late").status_code == 401
    assert client.get("/late", headers=bearer("good")).status_code == 200


def test_scope_required_route_is_403_without_the_scope(client: TestClient) -> None:
    reply = client.get("/v1/admin", headers=bearer("good"))
    assert reply.status_code == 403
    assert 'error="insufficient_scope"' in reply.headers["www-authenticate"]
    assert client.get("/v1/admin", headers=bearer("admin")).status_code == 200
    assert client.get("/v1/admin").status_code == 401


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing credential"),
        ("Basic Zm9vOmJhcg==", "not a Bearer credential"),
        ("Bearer", "malformed Bearer credential"),
        ("Bearer ", "malformed Bearer credential"),
        ("Bearer a b", "malformed Bearer credential"),
        ("Bearer " + "x" * 9000, "credential too large"),
    ],
)
def test_bearer_parsing(header: str | None, reason: str) -> None:
    headers = [] if header is None else [(b"authorization", header.encode())]
    credential, why = bearer_credential(headers)
    assert credential is None
    assert why == reason


def test_two_authorization_headers_are_refused() -> None:
    credential, why = bearer_credential([(b"authorization", b"Bearer good"), (b"authorization", b"Bearer good")])
    assert credential is None
    assert why == "more than one Authorization header"


def test_security_headers_and_request_id_on_every_response(client: TestClient) -> None:
    for reply in (client.get("/healthz"), client.get("/v1/whoami")):
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["x-frame-options"] == "DENY"
        assert reply.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in reply.headers["content-security-policy"]
        assert len(reply.headers["x-request-id"]) == 32
    assert client.get("/healthz").headers["x-request-id"] != client.get("/healthz").headers["x-request-id"]


def test_readiness_follows_the_verifier() -> None:
    verifier = FakeVerifier()
    client = TestClient(create_app(settings(), verifier))
    assert client.get("/readyz").status_code == 200
    verifier.is_ready = False
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_body_limit() -> None:
    client = TestClient(create_app(settings(Limits(max_body_bytes=16)), FakeVerifier()))
    reply = client.post("/v1/whoami", content=b"x" * 64, headers=bearer("good"))
    assert reply.status_code == 413


def test_cors_is_denied_by_default(client: TestClient) -> None:
    reply = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in reply.headers
    preflight = client.options(
        "/v1/whoami", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 401
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_configured_origins() -> None:
    client = TestClient(create_app(settings(cors_origins=("https://app.example",)), FakeVerifier()))
    ok = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_errors_are_500_without_details() -> None:
    app = create_app(settings(), FakeVerifier())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    reply = TestClient(app, raise_server_exceptions=False).get("/boom", headers=bearer("good"))
    assert reply.status_code == 500
    assert "secret detail" not in reply.text
    assert reply.headers["x-content-type-options"] == "nosniff"
