"""Durable wrap-up intents and the stores that keep them (SQLite embedded, Redis for a fleet).

``import wrapupkit.intents`` imports no store library: ``sqlite3`` and ``redis`` load when a
store of that kind is opened.

.. versionadded:: 0.1.0
"""

from wrapupkit.intents._model import (
    FINAL_STATES,
    AsyncIntentStore,
    Intent,
    IntentState,
    IntentStore,
    Lease,
    intent_key,
)


__all__ = [
    "FINAL_STATES",
    "AsyncIntentStore",
    "Intent",
    "IntentState",
    "IntentStore",
    "Lease",
    "intent_key",
]
