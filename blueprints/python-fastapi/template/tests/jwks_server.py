"""A JWKS document served on 127.0.0.1 from a background thread, and test keys.

The document can be swapped (key rotation) or the server made to fail; every
request is counted so tests can prove how often the service fetched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://issuer.test/"
AUDIENCE = "demo-api"


@dataclass
class JwksServer:
    document: dict[str, Any]
    status: int = 200
    body_override: bytes | None = None
    fetches: int = 0
    url: str = ""
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    def set_keys(self, *jwks: dict[str, Any]) -> None:
        self.document = {"keys": list(jwks)}


@contextmanager
def serve_jwks(*jwks: dict[str, Any]) -> Iterator[JwksServer]:
    state = JwksServer(document={"keys": list(jwks)})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            body = state.body_override if state.body_override is not None else json.dumps(state.document).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state._server = server
    state.url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    """A private key, its public JWK and the algorithm it signs with."""

    private: Any
    alg: str
    kid: str

    def jwk(self, **extra: Any) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            numbers = public.public_numbers()
            jwk = {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
        elif isinstance(public, ec.EllipticCurvePublicKey):
            numbers_ec = public.public_numbers()
            size = (public.curve.key_size + 7) // 8
            jwk = {
                "kty": "EC",
                "crv": {"secp256r1": "P-256", "secp384r1": "P-384"}[public.curve.name],
                "x": _b64(numbers_ec.x.to_bytes(size, "big")),
                "y": _b64(numbers_ec.y.to_bytes(size, "big")),
            }
        else:
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.alg})
        jwk.update(extra)
        return jwk

    def public_pem(self) -> bytes:
        pem: bytes = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem

    def sign(self, claims: dict[str, Any], *, kid: str | None = None, **header: Any) -> str:
        headers: dict[str, Any] = {"kid": self.kid if kid is None else kid, "typ": "JWT"}
        headers.update(header)
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=headers)


def rsa_key(kid: str, bits: int = 2048) -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=bits), "RS256", kid)


def ec_key(kid: str) -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP256R1()), "ES256", kid)


def ed_key(kid: str) -> SigningKey:
    return SigningKey(ed25519.Ed25519PrivateKey.generate(), "EdDSA", kid)


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300}
    for name, value in changes.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def unsigned_token(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """A token with `alg: none` and an empty signature, built by hand as an attacker would."""
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}."


def hmac_token(secret: bytes, payload: dict[str, Any], kid: str) -> str:
    """HS256 "signed" with `secret` (the public key PEM in the confusion attack)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"
