"""What the processes of one OAuth client share: the token, and a gate every request passes.

Genesys asks for one token per client and counts its rate limit per token (genesys-api.md 4.1),
so a fleet of processes logs in once and spends one budget.  This module holds only the hooks:
the stores of :mod:`wrapupkit.intents` implement them on SQLite (one machine) and Redis (a fleet),
and :class:`~wrapupkit._http._caller.Caller` consults them when it is given a :class:`Share`.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from wrapupkit._clock import Clock
from wrapupkit.exceptions import InvalidType


__all__ = ["Gate", "Share", "SharedToken", "TokenShare", "as_share", "share_key"]


class Gate(Protocol):
    """What a transport asks of a rate limiter installed on it (a :class:`~wrapupkit.RateLimiter`,
    or a :class:`~wrapupkit._http._sharedgate.SharedGate`)."""

    def acquire(self, deadline: float | None = None) -> None:
        """Block until a request may go out; raise :class:`TransportError` rather than wait past it."""

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response."""


@attrs.frozen(repr=False)
class SharedToken:
    """A token as the share keeps it: the value, when it expires (wall clock, or ``None``) and
    how long it was valid when issued (seconds, or ``None``)."""

    token: str
    expires_at: float | None
    lifetime: float | None = None

    def __repr__(self) -> str:
        return f"SharedToken(token='***', expires_at={self.expires_at!r}, lifetime={self.lifetime!r})"


@runtime_checkable
class TokenShare(Protocol):
    """Where the processes of one OAuth client keep its token.

    *key* names the OAuth client and its login host (:func:`share_key`); the token is kept
    in the store as it is (the store is as trusted as the secret that makes it).
    """

    def get_token(self, key: str) -> SharedToken | None:
        """The token kept for *key*, if any."""

    def put_token(self, key: str, token: SharedToken) -> None:
        """Keep *token* for *key* (until it expires)."""

    def drop_token(self, key: str, token: str) -> None:
        """Forget *key*'s token if it is still *token* (Genesys refused it); compare-and-delete."""

    def login_lock(self, key: str, *, timeout: float) -> contextlib.AbstractContextManager[bool]:
        """Hold the fleet-wide login lock of *key* for the block; yields whether it was got
        within *timeout* seconds (a holder that died releases it when its hold lapses)."""


@runtime_checkable
class Share(Protocol):
    """What a client's ``share=`` option takes: a token share and a shared request gate.

    ``SQLiteStore(...).share()`` and ``RedisStore(...).share()`` make one.
    """

    def tokens(self) -> TokenShare | None:
        """The token share, or ``None`` to log in per process."""

    def gate(self, key: str, clock: Clock) -> Gate | None:
        """The gate every request of the OAuth client *key* passes, or ``None``; *clock* is the
        client's (for the calls' deadlines)."""


def as_share(value: Any) -> Share:
    """*value* as a :class:`Share`: one already, or a store with a ``share()`` method.

    Raises:
        InvalidType: *value* is neither.
    """
    if isinstance(value, Share):
        return value
    make = getattr(value, "share", None)
    if callable(make):
        made = make()
        if isinstance(made, Share):
            return made
    raise InvalidType(
        f"share must be an intent store (SQLiteStore, RedisStore) or its .share(), not {type(value).__name__}"
    )


def share_key(host: str, client_id: str | None) -> str:
    """The key of one OAuth client at one Genesys host (a digest: no id in key names)."""
    return hashlib.sha256(f"{host}\x00{client_id or '-'}".encode()).hexdigest()[:32]
