"""OIDC/JWT verification against a JWKS served on 127.0.0.1: every way a token can be
wrong is a 401, a valid token is a 200, and key loading is bounded and fail-closed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.app import create_app
from app.auth import AuthError, oidc
from app.auth.oidc import JwksCache, JwtVerifier, parse_jwks
from app.config import JwtSettings, Settings, load

from .conftest import bearer, wait_ready, wait_until
from .jwks_server import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    SigningKey,
    claims,
    ec_key,
    ed_key,
    hmac_token,
    rsa_key,
    serve_jwks,
    unsigned_token,
)

RSA = rsa_key("k1")
EC = ec_key("k-ec")
ED = ed_key("k-ed")
ATTACKER = rsa_key("k1")  # same kid, different key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def jwt_settings(url: str, **extra: Any) -> JwtSettings:
    return JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url=url, **extra)


def app_settings(auth: JwtSettings) -> Settings:
    return Settings(host="127.0.0.1", port=0, log_level="info", auth=auth)


@contextmanager
def service(server: JwksServer, clock: Clock | None = None, wait: bool = True, **extra: Any) -> Iterator[TestClient]:
    auth = jwt_settings(server.url, **extra)
    client = httpx.AsyncClient(timeout=oidc.FETCH_TIMEOUT_S, follow_redirects=False, trust_env=False)
    cache = JwksCache(auth.jwks_url, client, clock=clock or time.monotonic, max_age_s=auth.jwks_max_age_s)
    verifier = JwtVerifier(auth, cache, client)
    with TestClient(create_app(app_settings(auth), verifier)) as test_client:
        if wait:
            wait_ready(test_client)
        yield test_client


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with serve_jwks(RSA.jwk(), EC.jwk(), ED.jwk()) as server:
        yield server


@pytest.fixture
def api(jwks: JwksServer) -> Iterator[TestClient]:
    with service(jwks) as client:
        yield client


def status(client: TestClient, token: str, path: str = "/v1/whoami") -> int:
    return client.get(path, headers=bearer(token)).status_code


# ---- accepted ----------------------------------------------------------------------


@pytest.mark.parametrize("key", [RSA, EC, ED], ids=["RS256", "ES256", "EdDSA"])
def test_valid_token_is_accepted(api: TestClient, key: SigningKey) -> None:
    reply = api.get("/v1/whoami", headers=bearer(key.sign(claims())))
    assert reply.status_code == 200
    assert reply.json() == {"sub": "alice"}


def test_clock_skew_within_leeway_is_accepted(api: TestClient) -> None:
    now = int(time.time())
    assert status(api, RSA.sign(claims(exp=now - 30))) == 200
    assert status(api, RSA.sign(claims(nbf=now + 30))) == 200


def test_access_token_type_is_accepted(api: TestClient) -> None:
    assert status(api, RSA.sign(claims(), typ="at+jwt")) == 200
    assert status(api, RSA.sign(claims(), typ="application/at+jwt")) == 200


# ---- rejected: the request -----------------------------------------------------------


def test_missing_token(api: TestClient) -> None:
    reply = api.get("/v1/whoami")
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer a.b.c", "Basic YWxpY2U6c2VjcmV0", "bearer", "Token abc"],
)
def test_malformed_or_wrong_scheme(api: TestClient, authorization: str) -> None:
    assert api.get("/v1/whoami", headers={"Authorization": authorization}).status_code == 401


# ---- rejected: the signature -----------------------------------------------------------


def test_forged_signature(api: TestClient) -> None:
    assert status(api, ATTACKER.sign(claims())) == 401


def test_spliced_signature(api: TestClient) -> None:
    genuine = RSA.sign(claims(sub="alice"))
    forged = RSA.sign(claims(sub="mallory"))
    head, body, _ = forged.split(".")
    spliced = f"{head}.{body}.{genuine.split('.')[2]}"
    assert status(api, spliced) == 401


def test_alg_none(api: TestClient) -> None:
    token = unsigned_token({"alg": "none", "typ": "JWT", "kid": "k1"}, claims())
    assert status(api, token) == 401


def test_hmac_with_the_public_key_pem(api: TestClient) -> None:
    assert status(api, hmac_token(RSA.public_pem(), claims(), "k1")) == 401
    assert status(api, hmac_token(json.dumps(RSA.jwk()).encode(), claims(), "k1")) == 401


def test_key_and_algorithm_must_fit(api: TestClient) -> None:
    # An RS256 token that names the EC key's kid, and an RS512 token for an RS256-only key.
    assert status(api, RSA.sign(claims(), kid="k-ec")) == 401
    token = SigningKey(RSA.private, "RS512", "k1").sign(claims())
    assert status(api, token) == 401


def test_missing_kid(api: TestClient) -> None:
    token = RSA.sign(claims(), kid="")
    assert status(api, token) == 401


# ---- rejected: the claims -----------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": int(time.time()) - 600},
        {"nbf": int(time.time()) + 600},
        {"aud": "someone-else"},
        {"iss": "https://evil.test/"},
        {"exp": None},
        {"sub": None},
        {"iss": None},
        {"aud": None},
        {"sub": ""},
    ],
    ids=["expired", "not-yet-valid", "wrong-aud", "wrong-iss", "no-exp", "no-sub", "no-iss", "no-aud", "empty-sub"],
)
def test_bad_claims(api: TestClient, changes: dict[str, Any]) -> None:
    assert status(api, RSA.sign(claims(**changes))) == 401


@pytest.mark.parametrize("typ", ["id_token+jwt", "logout+jwt", "dpop+jwt", "secevent+jwt"])
def test_other_token_types_are_rejected(api: TestClient, typ: str) -> None:
    assert status(api, RSA.sign(claims(), typ=typ)) == 401


def test_required_token_type(jwks: JwksServer) -> None:
    with service(jwks, require_at_jwt=True) as api:
        assert status(api, RSA.sign(claims(), typ="at+jwt")) == 200
        assert status(api, RSA.sign(claims(), typ="JWT")) == 401
        assert status(api, RSA.sign(claims(), typ=None)) == 401


def test_allowed_clients(jwks: JwksServer) -> None:
    with service(jwks, allowed_clients=frozenset({"web-app"})) as api:
        assert status(api, RSA.sign(claims(azp="web-app"))) == 200
        assert status(api, RSA.sign(claims(client_id="web-app"))) == 200
        assert status(api, RSA.sign(claims(azp="other-app"))) == 401
        # client_id (RFC 9068) decides when both are present.
        assert status(api, RSA.sign(claims(client_id="other-app", azp="web-app"))) == 401
        assert status(api, RSA.sign(claims())) == 401


# ---- scopes ---------------------------------------------------------------------------


def test_scope_route(api: TestClient) -> None:
    assert status(api, RSA.sign(claims()), "/v1/admin") == 403
    assert status(api, RSA.sign(claims(scope="read admin")), "/v1/admin") == 200
    assert status(api, RSA.sign(claims(scp=["admin"])), "/v1/admin") == 200
    assert status(api, RSA.sign(claims(scope="administrator")), "/v1/admin") == 403
    assert status(api, ATTACKER.sign(claims(scope="admin")), "/v1/admin") == 401


# ---- keys: loading, rotation, limits ----------------------------------------------------


def test_readiness_waits_for_keys_and_tokens_fail_closed_until_then() -> None:
    with serve_jwks(RSA.jwk()) as server:
        server.status = 503
        with service(server, wait=False) as api:
            assert wait_until(lambda: server.fetches >= 1)
            assert api.get("/readyz").status_code == 503
            assert api.get("/healthz").status_code == 200
            assert status(api, RSA.sign(claims())) == 401
            server.status = 200
            wait_ready(api)  # the background refresher retries on its own
            assert status(api, RSA.sign(claims())) == 200


def test_unknown_kid_triggers_one_rate_limited_refetch(jwks: JwksServer) -> None:
    clock = Clock()
    with service(jwks, clock=clock) as api:
        before = jwks.fetches
        # Right after the start-up fetch, an unknown kid does not fetch again.
        assert status(api, rsa_key("k-unknown").sign(claims())) == 401
        assert jwks.fetches == before
        clock.now += oidc.MIN_REFETCH_INTERVAL_S + 1
        assert status(api, rsa_key("k-unknown").sign(claims())) == 401
        assert jwks.fetches == before + 1
        for _ in range(5):
            assert status(api, rsa_key("k-unknown").sign(claims())) == 401
        assert jwks.fetches == before + 1


def test_key_rotation(jwks: JwksServer) -> None:
    clock = Clock()
    rotated = rsa_key("k2")
    with service(jwks, clock=clock) as api:
        jwks.set_keys(rotated.jwk())
        clock.now += oidc.MIN_REFETCH_INTERVAL_S + 1
        assert status(api, rotated.sign(claims())) == 200
        # The old key is gone from the JWKS, and so from the service.
        assert status(api, RSA.sign(claims())) == 401


def test_stale_keys_expire_when_refreshes_fail(jwks: JwksServer) -> None:
    clock = Clock()
    with service(jwks, clock=clock) as api:
        assert status(api, RSA.sign(claims())) == 200
        jwks.status = 500
        clock.now += 3600 + 1
        assert status(api, RSA.sign(claims())) == 401
        assert api.get("/readyz").status_code == 503


def test_unreachable_jwks_is_401_not_open() -> None:
    auth = jwt_settings("http://127.0.0.1:9/jwks.json")
    with TestClient(create_app(app_settings(auth), JwtVerifier.from_settings(auth))) as api:
        assert api.get("/readyz").status_code == 503
        assert status(api, RSA.sign(claims())) == 401


def test_fetch_survives_a_cancelled_request(jwks: JwksServer) -> None:
    async def scenario() -> bool:
        async with httpx.AsyncClient(trust_env=False) as client:
            cache = JwksCache(jwks.url, client)
            waiter = asyncio.create_task(cache.refresh_for_unknown_kid())
            await asyncio.sleep(0)
            waiter.cancel()  # the client went away
            with pytest.raises(asyncio.CancelledError):
                await waiter
            for _ in range(200):
                if cache.fresh():
                    break
                await asyncio.sleep(0.02)
            return cache.fresh()

    assert asyncio.run(scenario())


@pytest.mark.parametrize(
    ("body", "status_code"),
    [
        (b"not json", 200),
        (b'{"keys": "nope"}', 200),
        (json.dumps({"keys": [RSA.jwk()], "pad": "x" * (70 * 1024)}).encode(), 200),
        (json.dumps({"keys": [RSA.jwk()]}).encode(), 302),
    ],
    ids=["not-json", "no-keys-array", "too-large", "redirect"],
)
def test_bad_jwks_documents_load_nothing(body: bytes, status_code: int) -> None:
    with serve_jwks() as server:
        server.body_override = body
        server.status = status_code
        with service(server, wait=False) as api:
            assert wait_until(lambda: server.fetches >= 1)
            assert api.get("/readyz").status_code == 503


def test_unusable_keys_are_ignored() -> None:
    small = rsa_key("small", bits=1024)
    document = {
        "keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            RSA.jwk(kid="enc", use="enc"),
            small.jwk(),
            RSA.jwk(kid="no-alg-fit", alg="HS256"),
            RSA.jwk(kid="good"),
            {"kid": "broken", "kty": "RSA", "n": "!!", "e": "AQAB"},
            "not an object",
        ]
    }
    assert set(parse_jwks(json.dumps(document).encode())) == {"good"}


def test_verifier_rejects_oversized_tokens(jwks: JwksServer) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(trust_env=False) as client:
            verifier = JwtVerifier(jwt_settings(jwks.url), JwksCache(jwks.url, client))
            with pytest.raises(AuthError):
                await verifier.verify("e" * 9000)

    asyncio.run(scenario())


def test_configuration_fails_closed() -> None:
    env = {"AUTH_ISSUER": ISSUER, "AUTH_AUDIENCE": AUDIENCE, "AUTH_JWKS_URL": "https://idp.example/jwks"}
    assert load("oidc-jwt", env).auth == jwt_settings("https://idp.example/jwks")
    from app.config import ConfigError

    for name in env:
        with pytest.raises(ConfigError, match=name):
            load("oidc-jwt", {k: v for k, v in env.items() if k != name})
    for url in ["http://idp.example/jwks", "ftp://127.0.0.1/x", "https://user:pw@idp.example/", "not a url"]:
        with pytest.raises(ConfigError, match="AUTH_JWKS_URL"):
            load("oidc-jwt", {**env, "AUTH_JWKS_URL": url})
    assert load("oidc-jwt", {**env, "AUTH_JWKS_URL": "http://127.0.0.1:8/jwks"})
    assert load("oidc-jwt", {**env, "AUTH_REQUIRE_AT_JWT": "true"}).auth == jwt_settings(
        "https://idp.example/jwks", require_at_jwt=True
    )
    for name, value in [
        ("AUTH_REQUIRE_AT_JWT", "yes"),
        ("AUTH_JWKS_MAX_AGE_SECS", "59"),
        ("AUTH_JWKS_MAX_AGE_SECS", "86401"),
        ("AUTH_JWKS_MAX_AGE_SECS", "1h"),
        ("AUTH_ALLOWED_CLIENTS", "a b"),
    ]:
        with pytest.raises(ConfigError, match=name):
            load("oidc-jwt", {**env, name: value})
