"""Static API keys, known to the service only by their SHA-256 digests.

The presented key is hashed and compared with every configured digest in constant
time (`hmac.compare_digest`, no early exit), so neither the comparison nor the
number of keys leaks which bytes matched. The service never holds a key.
"""

from __future__ import annotations

import hashlib
import hmac

from ..config import ApiKeySettings
from . import AuthError, Identity

MAX_KEY_BYTES = 1024


class ApiKeyVerifier:
    def __init__(self, settings: ApiKeySettings) -> None:
        self._digests = settings.digests

    @classmethod
    def from_settings(cls, settings: ApiKeySettings) -> ApiKeyVerifier:
        return cls(settings)

    def ready(self) -> bool:
        return bool(self._digests)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def verify(self, credential: str) -> Identity:
        if len(credential) > MAX_KEY_BYTES:
            raise AuthError("API key too large")
        presented = hashlib.sha256(credential.encode("utf-8")).digest()
        matched: bytes | None = None
        for digest in self._digests:
            if hmac.compare_digest(presented, digest):
                matched = digest
        if matched is None:
            raise AuthError("unknown API key")
        # The caller is named by a prefix of its key's digest: stable, and no secret.
        return Identity(sub=matched.hex()[:8])
