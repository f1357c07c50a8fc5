"""OAuth clients and bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass


__all__ = ["Client", "Token"]


@dataclass
class Client:
    client_id: str
    secret: str
    permissions: frozenset[str] | None
    token_ttl: int


@dataclass
class Token:
    value: str
    client_id: str | None
    permissions: frozenset[str] | None
    expires_at: float  # on clock.monotonic()
    revoked: bool = False
