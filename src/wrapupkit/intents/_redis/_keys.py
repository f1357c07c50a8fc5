"""The Redis store's keys and index updates, shared by the sync and the asyncio store.

Layout (every key under the store's prefix, ``wrapupkit:`` by default)::

    intent:{id}        the record (intent and lease) as JSON
    all                sorted set: every intent id, scored by created_at
    state:{state}      sorted set per state, scored by created_at
    conv:{id}          sorted set per conversation, scored by created_at
    pending:updated    sorted set of pending ids, scored by updated_at   (the sweep's staleness)
    pending:expires    sorted set of pending ids with an expiry, by expires_at
    final:updated      sorted set of final ids, scored by updated_at     (what purge() deletes)
    final:indexed      set once final:updated holds every final id (stores of 0.1.0 had none)
"""

from __future__ import annotations

from typing import Any

from wrapupkit.intents._model import IntentState
from wrapupkit.intents._ops import Record, encode


__all__ = ["Keys"]


class Keys:
    """Key names under one prefix, and the commands that save a record with its indices."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.all = f"{prefix}all"
        self.updated = f"{prefix}pending:updated"
        self.expires = f"{prefix}pending:expires"
        self.finals = f"{prefix}final:updated"
        self.indexed = f"{prefix}final:indexed"

    def intent(self, intent_id: str) -> str:
        return f"{self.prefix}intent:{intent_id}"

    def state(self, state: IntentState) -> str:
        return f"{self.prefix}state:{state.value}"

    def conversation(self, conversation_id: str) -> str:
        return f"{self.prefix}conv:{conversation_id}"

    def queue_save(self, pipe: Any, old: Record | None, new: Record) -> None:
        """Queue on *pipe* (in MULTI mode, sync or asyncio) the writes that store *new* over *old*."""
        intent = new.intent
        pipe.set(self.intent(intent.id), encode(new))
        if old is not None and old.intent.state is not intent.state:
            pipe.zrem(self.state(old.intent.state), intent.id)
        if old is not None and old.intent.conversation_id != intent.conversation_id:
            pipe.zrem(self.conversation(old.intent.conversation_id), intent.id)
        created = {intent.id: intent.created_at}
        pipe.zadd(self.all, created)
        pipe.zadd(self.state(intent.state), created)
        pipe.zadd(self.conversation(intent.conversation_id), created)
        if intent.state is IntentState.PENDING:
            pipe.zadd(self.updated, {intent.id: intent.updated_at})
            if intent.expires_at > 0:
                pipe.zadd(self.expires, {intent.id: intent.expires_at})
            else:
                pipe.zrem(self.expires, intent.id)
            pipe.zrem(self.finals, intent.id)
        else:
            pipe.zrem(self.updated, intent.id)
            pipe.zrem(self.expires, intent.id)
            pipe.zadd(self.finals, {intent.id: intent.updated_at})

    def queue_delete(self, pipe: Any, old: Record) -> None:
        """Queue on *pipe* (in MULTI mode) the writes that remove *old* and every index entry of it."""
        intent = old.intent
        pipe.delete(self.intent(intent.id))
        for key in (
            self.all,
            self.state(intent.state),
            self.conversation(intent.conversation_id),
            self.updated,
            self.expires,
            self.finals,
        ):
            pipe.zrem(key, intent.id)
