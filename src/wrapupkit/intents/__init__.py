"""Durable wrap-up intents and the stores that keep them (SQLite embedded, Redis for a fleet).

``import wrapupkit.intents`` imports no store library: ``sqlite3`` and ``redis`` load when a
store of that kind is opened (:func:`open_store`) or its class is first named.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wrapupkit.intents._model import (
    FINAL_STATES,
    AsyncIntentStore,
    Intent,
    IntentState,
    IntentStore,
    Lease,
    intent_key,
)
from wrapupkit.intents._open import open_async_store, open_store


if TYPE_CHECKING:
    from wrapupkit.intents._redis import AsyncRedisStore, RedisStore
    from wrapupkit.intents._share import StoreShare
    from wrapupkit.intents._sqlite import SQLiteStore
    from wrapupkit.intents._threaded import ThreadedStore


__all__ = [
    "FINAL_STATES",
    "AsyncIntentStore",
    "AsyncRedisStore",
    "Intent",
    "IntentState",
    "IntentStore",
    "Lease",
    "RedisStore",
    "SQLiteStore",
    "StoreShare",
    "ThreadedStore",
    "intent_key",
    "open_async_store",
    "open_store",
]

# Loaded on first use, so that ``import wrapupkit.intents`` imports neither sqlite3 nor redis.
_LAZY = {
    "SQLiteStore": "wrapupkit.intents._sqlite",
    "RedisStore": "wrapupkit.intents._redis",
    "AsyncRedisStore": "wrapupkit.intents._redis",
    "ThreadedStore": "wrapupkit.intents._threaded",
    "StoreShare": "wrapupkit.intents._share",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'wrapupkit.intents' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
