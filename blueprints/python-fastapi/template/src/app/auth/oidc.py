"""OIDC/JWT bearer tokens, verified with PyJWT against the issuer's JWKS.

- Only asymmetric algorithms are accepted, and only the one that fits the key the
  token's `kid` names: `none` and HS* never verify anything, so an HMAC token
  "signed" with the public key goes nowhere.
- `iss`, `aud`, `exp` and `sub` are required; `exp`/`nbf` get `LEEWAY_S` of skew.
- Keys are fetched at start-up and refreshed by a background task that no client
  can cancel; an unknown `kid` (key rotation) asks for one refresh, at most once per
  `MIN_REFETCH_INTERVAL_S`. Keys not refreshed for `AUTH_JWKS_MAX_AGE_SECS` (one hour
  by default) are dropped: the service then answers 401 and `/readyz` fails, instead of
  trusting keys that may have been revoked.
- The header `typ`, when present, must be `at+jwt` (RFC 9068) or the generic `JWT`;
  with `AUTH_REQUIRE_AT_JWT=true` only `at+jwt`. With `AUTH_ALLOWED_CLIENTS`, the
  token's `client_id` (or else `azp`) must be listed.

An OIDC ID token is not an access token: it tells a client who logged in, its audience
is that client, and it grants nothing. The `aud` check refuses ID tokens as long as
`AUTH_AUDIENCE` is this API's identifier, `AUTH_REQUIRE_AT_JWT` refuses them by type.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ..config import JwtSettings
from . import AuthError, Identity

ALLOWED_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"})
_RSA_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EC_ALGORITHMS: Final = {"P-256": "ES256", "P-384": "ES384"}

LEEWAY_S: Final = 60
MIN_RSA_BITS: Final = 2048
FETCH_TIMEOUT_S: Final = 5.0
MAX_JWKS_BYTES: Final = 64 * 1024
REFRESH_INTERVAL_S: Final = 15 * 60
MIN_REFETCH_INTERVAL_S: Final = 30.0
RETRY_MIN_S: Final = 1.0
MAX_TOKEN_BYTES: Final = 8 * 1024

log = logging.getLogger("app.auth.jwks")


class JwksError(Exception):
    """The JWKS could not be fetched or read."""


@dataclass(frozen=True)
class _Key:
    """One signing key and the algorithms it may verify."""

    jwk: Mapping[str, Any]
    algorithms: frozenset[str]


def _algorithms_for(jwk: Mapping[str, Any]) -> frozenset[str]:
    """The allow-listed algorithms that fit this key's type and curve (and its own `alg`)."""
    kty = jwk.get("kty")
    if kty == "RSA":
        fits = _RSA_ALGORITHMS
    elif kty == "EC":
        alg = _EC_ALGORITHMS.get(str(jwk.get("crv")))
        fits = frozenset({alg}) if alg else frozenset()
    elif kty == "OKP" and jwk.get("crv") == "Ed25519":
        fits = frozenset({"EdDSA"})
    else:
        return frozenset()  # symmetric ("oct") and unknown key types are never used
    declared = jwk.get("alg")
    if declared is not None:
        fits = fits & {declared}
    return fits


def parse_jwks(document: bytes) -> dict[str, _Key]:
    """The usable signing keys of a JWKS document, by `kid`. Unusable entries are skipped."""
    try:
        data = json.loads(document)
    except ValueError as error:
        raise JwksError("JWKS is not JSON") from error
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise JwksError('JWKS has no "keys" array')
    keys: dict[str, _Key] = {}
    for entry in data["keys"]:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid or entry.get("use", "sig") != "sig":
            continue
        algorithms = _algorithms_for(entry)
        if not algorithms:
            continue
        try:
            key = jwt.PyJWK(entry, algorithm=sorted(algorithms)[0]).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
        if isinstance(key, RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            continue
        keys[kid] = _Key(entry, algorithms)
    return keys


class JwksCache:
    """Signing keys by `kid`, kept fresh by one background task.

    Fetches are single-flight and run in tasks owned by the cache, so a request
    that waits for one and is cancelled (client gone) never cancels the fetch.
    """

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
        max_age_s: float = 3600,
    ) -> None:
        self._url = url
        self._max_age_s = max_age_s
        self._client = client
        self._clock = clock
        self._keys: dict[str, _Key] = {}
        self._loaded_at: float | None = None
        self._last_attempt: float | None = None
        self._inflight: asyncio.Task[bool] | None = None
        self._refresher: asyncio.Task[None] | None = None

    # -- state -------------------------------------------------------------------
    def fresh(self) -> bool:
        """Keys are loaded and were fetched less than the maximum age ago."""
        return self._loaded_at is not None and self._clock() - self._loaded_at <= self._max_age_s

    def key(self, kid: str) -> _Key | None:
        return self._keys.get(kid) if self.fresh() else None

    # -- fetching ----------------------------------------------------------------
    async def _fetch(self) -> None:
        self._last_attempt = self._clock()
        try:
            async with self._client.stream("GET", self._url, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise JwksError(f"JWKS answered HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_JWKS_BYTES:
                        raise JwksError(f"JWKS is larger than {MAX_JWKS_BYTES} bytes")
        except httpx.HTTPError as error:
            raise JwksError(f"JWKS fetch failed: {type(error).__name__}") from error
        keys = parse_jwks(bytes(body))
        if not keys:
            raise JwksError("JWKS holds no usable signing key")
        self._keys = keys
        self._loaded_at = self._clock()
        log.info("signing keys loaded", extra={"event": "jwks.loaded", "keys": len(keys)})

    async def _fetch_logged(self) -> bool:
        try:
            await self._fetch()
        except JwksError as error:
            log.warning("signing keys not refreshed", extra={"event": "jwks.failed", "reason": str(error)})
            return False
        return True

    def refresh(self) -> asyncio.Task[bool]:
        """Starts a fetch unless one is running; returns the running fetch."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.get_running_loop().create_task(self._fetch_logged())
        return self._inflight

    async def refresh_for_unknown_kid(self) -> None:
        """One rate-limited refresh when a token names a `kid` we do not hold."""
        now = self._clock()
        recent = self._last_attempt is not None and now - self._last_attempt < MIN_REFETCH_INTERVAL_S
        running = self._inflight is not None and not self._inflight.done()
        if recent and not running:
            return
        await asyncio.shield(self.refresh())

    async def _refresh_forever(self) -> None:
        delay = RETRY_MIN_S
        while True:
            if await self.refresh():
                delay = RETRY_MIN_S
                await asyncio.sleep(REFRESH_INTERVAL_S)
            else:
                # Failed: retry soon, backing off to the rate limit.
                await asyncio.sleep(delay)
                delay = min(delay * 2, MIN_REFETCH_INTERVAL_S)

    def start(self) -> None:
        """Starts the background refresher (first fetch immediately)."""
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def stop(self) -> None:
        tasks: list[asyncio.Task[None] | asyncio.Task[bool] | None] = [self._refresher, self._inflight]
        for task in tasks:
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._refresher = None


def _scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return frozenset(found)


class JwtVerifier:
    """Verifies bearer tokens against `settings` and the keys in `cache`."""

    def __init__(self, settings: JwtSettings, cache: JwksCache, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._cache = cache
        self._client = client

    @classmethod
    def from_settings(cls, settings: JwtSettings) -> JwtVerifier:
        client = httpx.AsyncClient(
            timeout=FETCH_TIMEOUT_S,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=2),
            trust_env=False,
        )
        return cls(settings, JwksCache(settings.jwks_url, client, max_age_s=settings.jwks_max_age_s), client)

    def ready(self) -> bool:
        return self._cache.fresh()

    async def start(self) -> None:
        self._cache.start()

    async def stop(self) -> None:
        await self._cache.stop()
        if self._client is not None:
            await self._client.aclose()

    async def verify(self, credential: str) -> Identity:
        if len(credential) > MAX_TOKEN_BYTES:
            raise AuthError("token too large")
        try:
            header = jwt.get_unverified_header(credential)
        except jwt.PyJWTError as error:
            raise AuthError("malformed token") from error
        alg = header.get("alg")
        kid = header.get("kid")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise AuthError("algorithm not allowed")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token names no kid")
        self._check_type(header.get("typ"))

        key = self._cache.key(kid)
        if key is None:
            await self._cache.refresh_for_unknown_kid()
            key = self._cache.key(kid)
        if key is None:
            raise AuthError("unknown kid or no fresh signing keys")
        if alg not in key.algorithms:
            raise AuthError("algorithm does not fit the key")

        try:
            claims = jwt.decode(
                credential,
                key=jwt.PyJWK(dict(key.jwk), algorithm=alg),
                algorithms=[alg],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_signature": True},
            )
        except jwt.PyJWTError as error:
            raise AuthError(f"token rejected: {type(error).__name__}") from error

        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise AuthError("token has no subject")
        client = self._check_client(claims)
        return Identity(sub=sub, scopes=_scopes(claims), client=client)

    def _check_type(self, typ: object) -> None:
        if typ is not None and not isinstance(typ, str):
            raise AuthError("token typ is not a string")
        kind = typ.strip().lower().removeprefix("application/") if typ is not None else None
        if kind == "at+jwt":
            return
        if self._settings.require_at_jwt:
            raise AuthError("token type is not at+jwt")
        if kind not in (None, "jwt"):
            raise AuthError("token type is not an access token")

    def _check_client(self, claims: Mapping[str, Any]) -> str | None:
        client = claims.get("client_id", claims.get("azp"))
        if client is not None and not isinstance(client, str):
            raise AuthError("token client is not a string")
        allowed = self._settings.allowed_clients
        if allowed and client not in allowed:
            raise AuthError("token client not allowed")
        return client
