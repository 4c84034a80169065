"""Configuration, read once from the environment at start-up.

A missing or malformed authentication variable raises `ConfigError` naming the
variable (never its value): the service fails closed instead of serving
unauthenticated.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,256}$")


class ConfigError(Exception):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class JwtSettings:
    """OIDC/JWT bearer tokens, verified against the issuer's JWKS."""

    issuer: str
    audience: str
    jwks_url: str
    # True: only tokens whose header says `typ: at+jwt` (RFC 9068). False: a `typ` the
    # issuer sets must still be at+jwt or JWT.
    require_at_jwt: bool = False
    # When not empty, `client_id` (or else `azp`) must be one of these clients.
    allowed_clients: frozenset[str] = field(default_factory=frozenset)
    # Longest the signing keys are used after the last successful JWKS fetch.
    jwks_max_age_s: int = 3600


@dataclass(frozen=True)
class ApiKeySettings:
    """Static API keys, known only by their SHA-256 digests."""

    digests: tuple[bytes, ...]


@dataclass(frozen=True)
class Limits:
    """Connection and request limits (see docs in README.md)."""

    max_concurrency: int = 100
    max_connections: int = 200
    header_timeout_s: float = 10.0
    keep_alive_timeout_s: int = 5
    request_timeout_s: float = 10.0
    max_body_bytes: int = 64 * 1024


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    log_level: str
    auth: JwtSettings | ApiKeySettings
    limits: Limits = field(default_factory=Limits)
    cors_origins: tuple[str, ...] = ()


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required but not set")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def jwks_url(value: str) -> str:
    """An https URL, or http only to a loopback address (local tests)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError as error:
        raise ConfigError("AUTH_JWKS_URL is not a valid URL") from error
    if not host or parts.username or parts.password:
        raise ConfigError("AUTH_JWKS_URL must be an absolute URL without credentials")
    if parts.scheme == "https":
        return value
    if parts.scheme == "http" and _is_loopback(host):
        return value
    raise ConfigError("AUTH_JWKS_URL must use https (http is accepted only for loopback addresses)")


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a TCP port between 1 and 65535")
    return int(raw)


def _host(env: Mapping[str, str]) -> str:
    # A container listens on all of its interfaces; the NetworkPolicy decides who reaches it.
    raw = env.get("HOST", "").strip() or "0.0.0.0"  # noqa: S104  # nosec B104
    try:
        ipaddress.ip_address(raw)
    except ValueError as error:
        raise ConfigError("HOST must be an IP address") from error
    return raw


def _jwt(env: Mapping[str, str]) -> JwtSettings:
    issuer = _required(env, "AUTH_ISSUER")
    audience = _required(env, "AUTH_AUDIENCE")
    url = jwks_url(_required(env, "AUTH_JWKS_URL"))
    flag = env.get("AUTH_REQUIRE_AT_JWT", "").strip()
    if flag not in ("", "true", "false"):
        raise ConfigError("AUTH_REQUIRE_AT_JWT must be true or false")
    max_age = env.get("AUTH_JWKS_MAX_AGE_SECS", "").strip() or "3600"
    if not max_age.isdigit() or not 60 <= int(max_age) <= 86_400:
        raise ConfigError("AUTH_JWKS_MAX_AGE_SECS must be a number of seconds from 60 to 86400")
    clients = frozenset(c.strip() for c in env.get("AUTH_ALLOWED_CLIENTS", "").split(",") if c.strip())
    if any(not _CLIENT_ID.match(c) for c in clients):
        raise ConfigError("AUTH_ALLOWED_CLIENTS must be a comma-separated list of client ids")
    return JwtSettings(issuer, audience, url, flag == "true", clients, int(max_age))


def _api_key(env: Mapping[str, str]) -> ApiKeySettings:
    raw = _required(env, "API_KEY_SHA256")
    digests = []
    for item in raw.split(","):
        item = item.strip()
        if not _DIGEST.match(item):
            raise ConfigError(
                "API_KEY_SHA256 must be comma-separated lowercase hex SHA-256 digests (64 characters each)"
            )
        digests.append(bytes.fromhex(item))
    return ApiKeySettings(tuple(digests))


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    origins = tuple(o.strip() for o in env.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.path or origin == "*":
            raise ConfigError("CORS_ALLOWED_ORIGINS must list origins such as https://app.example.com")
    return origins


def load(auth_mode: str, env: Mapping[str, str] | None = None) -> Settings:
    """Reads the settings for `auth_mode` ("oidc-jwt" or "api-key") from `env`."""
    env = os.environ if env is None else env
    level = env.get("LOG_LEVEL", "info").strip().lower() or "info"
    if level not in _LOG_LEVELS:
        raise ConfigError("LOG_LEVEL must be one of " + ", ".join(_LOG_LEVELS))
    auth: JwtSettings | ApiKeySettings
    if auth_mode == "oidc-jwt":
        auth = _jwt(env)
    elif auth_mode == "api-key":
        auth = _api_key(env)
    else:  # pragma: no cover - the mode is fixed by the generated code
        raise ConfigError(f"unknown authentication mode {auth_mode!r}")
    return Settings(
        host=_host(env),
        port=_port(env, "PORT", 8080),
        log_level=level,
        auth=auth,
        cors_origins=_origins(env),
    )
