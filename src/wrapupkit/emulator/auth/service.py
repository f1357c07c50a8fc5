"""OAuth clients and bearer tokens (client-credentials grant only)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable

from wrapupkit import Clock
from wrapupkit.emulator.auth.models import Client, Token
from wrapupkit.emulator.core.errors import EmulatorError, bad_request


__all__ = ["Auth"]


class Auth:
    """Clients, the tokens issued to them, and the checks behind 401 answers.  Thread-safe."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, Token] = {}

    def clear(self) -> None:
        with self._lock:
            self.clients.clear()
            self.tokens.clear()

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        permissions: Iterable[str] | None = None,
        token_ttl: int = 86400,
    ) -> None:
        """Add (or replace) a client; *permissions* None means every permission.

        Raises:
            EmulatorError: 400 when *token_ttl* is not positive.
        """
        if token_ttl < 1:
            raise bad_request("token_ttl must be positive")
        perms = None if permissions is None else frozenset(permissions)
        with self._lock:
            self.clients[client_id] = Client(client_id, client_secret, perms, token_ttl)

    def issue_token(
        self, *, permissions: Iterable[str] | None = None, ttl: float = 86400, client_id: str | None = None
    ) -> Token:
        """Mint a token (valid *ttl* seconds on the clock); 400 when *ttl* is not positive."""
        if ttl <= 0:
            raise bad_request("ttl must be positive")
        perms = None if permissions is None else frozenset(permissions)
        token = Token(secrets.token_urlsafe(24), client_id, perms, self._clock.monotonic() + ttl)
        with self._lock:
            self.tokens[token.value] = token
        return token

    def login(self, client_id: str, client_secret: str) -> Token:
        """Client-credentials grant; :class:`KeyError` for an unknown client or a wrong secret."""
        with self._lock:
            client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret, client_secret):
            raise KeyError(client_id)
        return self.issue_token(permissions=client.permissions, ttl=client.token_ttl, client_id=client_id)

    def expire_tokens(self) -> None:
        """Revoke every token issued so far."""
        with self._lock:
            for token in self.tokens.values():
                token.revoked = True

    def authenticate(self, value: str | None) -> tuple[str, frozenset[str] | None]:
        """The pipeline's check: (rate-limit key, permissions) of a live bearer *value*, else a 401."""
        token = self.check_token(value)
        return token.value, token.permissions

    def check_token(self, value: str | None) -> Token:
        """The live token for a bearer *value*, or a 401 ``ErrorBody`` error."""
        if not value:
            raise EmulatorError(
                401,
                "authentication.required",
                "No authentication bearer token specified in authorization header.",
            )
        with self._lock:
            token = self.tokens.get(value)
        if token is None or token.revoked or token.expires_at <= self._clock.monotonic():
            raise EmulatorError(401, "bad.credentials", "Invalid login credentials.")
        return token
