"""``open_store(url)``: an intent store from a URL, checked before any I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wrapupkit.intents._url import parse_store_url


if TYPE_CHECKING:
    from wrapupkit.intents._model import AsyncIntentStore, IntentStore


__all__ = ["open_async_store", "open_store"]


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
    from wrapupkit.intents._redis import RedisStore

    return RedisStore(target)


def open_async_store(url: str) -> AsyncIntentStore:
    """:func:`open_store` for asyncio: Redis through ``redis.asyncio``, SQLite on worker threads.

    .. versionadded:: 0.1.0
    """
    kind, target = parse_store_url(url)
    if kind == "sqlite":
        from wrapupkit.intents._sqlite import SQLiteStore

        return SQLiteStore(target).asyncio()
    from wrapupkit.intents._redis import AsyncRedisStore

    return AsyncRedisStore(target)
