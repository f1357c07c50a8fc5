"""What the sync and the asyncio Redis stores share: URL checks, error mapping, the plans."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from redis.exceptions import RedisError

from wrapupkit.exceptions import ConfigurationError, StoreError
from wrapupkit.intents._ops import check_seconds
from wrapupkit.intents._redis._keys import Keys
from wrapupkit.intents._redis._plans import MAX_TRIES, Contended, Plans
from wrapupkit.intents._url import parse_store_url, redact_url, url_password


__all__ = ["DEFAULT_PREFIX", "Base", "closed_client"]

DEFAULT_PREFIX = "wrapupkit:"


class Base:
    """What the sync and the asyncio store share: the URL, its redaction, the error mapping, the plans."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        kind, _ = parse_store_url(url)
        if kind != "redis":
            raise ConfigurationError(f"{redact_url(url)!r} is not a redis:// or rediss:// URL")
        if not isinstance(prefix, str):
            raise ConfigurationError(f"prefix must be a string, not {type(prefix).__name__}")
        self.url = url
        self.timeout = check_seconds("timeout", timeout)
        self.keys = Keys(prefix)
        self.plans = Plans(self.keys)
        self._shown = redact_url(url)
        self._options: dict[str, Any] = {
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._shown!r})"

    def store_error(self, operation: str, exc: BaseException) -> StoreError:
        """*exc* as a StoreError naming the store by its URL without the password."""
        text = f"{type(exc).__name__}: {exc}"
        password = url_password(self.url)
        if password:
            text = text.replace(password, "***")
        return StoreError(f"{self._shown}: {operation} failed ({text})")

    @contextlib.contextmanager
    def errors(self, operation: str) -> Iterator[None]:
        """Redis failures and lost races as :class:`StoreError`."""
        try:
            yield
        except RedisError as exc:
            raise self.store_error(operation, exc) from None
        except Contended:
            message = f"{self._shown}: {operation} lost {MAX_TRIES} races in a row; try again"
            raise StoreError(message) from None


def closed_client(store: Base) -> Any:
    """A stand-in client whose every command raises StoreError (the store was closed)."""

    class Closed:
        def __getattr__(self, name: str) -> Any:
            raise StoreError(f"{store._shown}: the store is closed")

    return Closed()
