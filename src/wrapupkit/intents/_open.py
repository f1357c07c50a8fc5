"""``open_store(url)``: an intent store from a URL, checked before any I/O."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wrapupkit.exceptions import ConfigurationError, InvalidType
from wrapupkit.intents._ops import redact_url


if TYPE_CHECKING:
    from wrapupkit.intents._model import AsyncIntentStore, IntentStore


__all__ = ["open_async_store", "open_store", "parse_store_url"]

SCHEMES = ("sqlite", "redis", "rediss")
_EXAMPLES = "sqlite:///relative/file.db, sqlite:////absolute/file.db, redis://host:6379/0 or rediss://..."


def parse_store_url(url: object) -> tuple[str, str]:
    """``(kind, target)`` for a store URL: ``("sqlite", path)`` or ``("redis", url)``.

    Raises:
        InvalidType: *url* is not a string.
        ConfigurationError: an unknown scheme or a malformed URL (the message hides any password).
    """
    if not isinstance(url, str):
        raise InvalidType(f"a store URL must be a string, not {type(url).__name__}")
    shown = redact_url(url)
    if not url.strip() or re.search(r"[\x00-\x1f\x7f\s]", url):
        raise ConfigurationError(f"malformed store URL {shown!r} (blank, or a space or control character)")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise ConfigurationError(f"unknown store URL {shown!r}; expected {_EXAMPLES}")
    if scheme == "sqlite":
        if not rest.startswith("/") or rest.strip("/") == "" or "?" in rest or "#" in rest:
            raise ConfigurationError(
                f"malformed SQLite URL {shown!r}; expected sqlite:///relative/file.db or sqlite:////absolute/file.db"
            )
        return "sqlite", rest[1:]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"malformed Redis URL {shown!r}: {_reason(exc)}") from None
    if not parts.hostname:
        raise ConfigurationError(f"malformed Redis URL {shown!r}: no host")
    if port == 0:
        raise ConfigurationError(f"malformed Redis URL {shown!r}: port 0")
    db = parts.path.strip("/")
    if db and not (db.isdigit() and int(db) < 1_000_000):
        raise ConfigurationError(f"malformed Redis URL {shown!r}: the path must be a database number")
    return "redis", url


def _reason(exc: ValueError) -> str:
    text = str(exc)
    return "the port is not a number in 0..65535" if "port" in text.lower() else "cannot be parsed"


def open_store(url: str) -> IntentStore:
    """The intent store at *url*: ``sqlite:///relative/path``, ``sqlite:////absolute/path``,
    ``redis://[user:password@]host[:port][/db]`` or ``rediss://...`` (TLS).

    Raises:
        ConfigurationError: an unknown scheme or a malformed URL, before any I/O.
        StoreError: the store cannot be reached or opened.

    .. versionadded:: 0.1.0
    """
    kind, target = parse_store_url(url)
    if kind == "sqlite":
        from wrapupkit.intents._sqlite import SQLiteStore

        return SQLiteStore(target)
    raise ConfigurationError(f"the Redis store is not available yet ({redact_url(target)})")


def open_async_store(url: str) -> AsyncIntentStore:
    """:func:`open_store` for asyncio: Redis through ``redis.asyncio``, SQLite on worker threads.

    .. versionadded:: 0.1.0
    """
    kind, target = parse_store_url(url)
    if kind == "sqlite":
        from wrapupkit.intents._sqlite import SQLiteStore

        return SQLiteStore(target).asyncio()
    raise ConfigurationError(f"the Redis store is not available yet ({redact_url(target)})")
