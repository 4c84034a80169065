"""Authentication: who the caller is, and the contract every verifier keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Identity:
    """A verified caller. `sub` is the subject; `scopes` what the credential grants."""

    sub: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    client: str | None = None


class AuthError(Exception):
    """The credential was not accepted. The reason is logged, never sent to the caller."""


class Verifier(Protocol):
    """Turns a presented credential into an `Identity`, or raises `AuthError`."""

    async def verify(self, credential: str) -> Identity: ...

    def ready(self) -> bool:
        """True when the verifier can accept credentials (keys loaded and fresh)."""
        ...

    async def start(self) -> None:
        """Called once at start-up, before the first request."""
        ...

    async def stop(self) -> None:
        """Called once at shutdown."""
        ...
