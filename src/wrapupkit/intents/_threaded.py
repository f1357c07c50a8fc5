"""A sync intent store as an :class:`~wrapupkit.intents.AsyncIntentStore`: each call on a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from wrapupkit.intents._model import Intent, IntentState, IntentStore, Lease


__all__ = ["ThreadedStore"]


class ThreadedStore:
    """An :class:`~wrapupkit.intents.AsyncIntentStore` that runs a sync store's calls on threads.

    What ``SQLiteStore(...).asyncio()`` returns (SQLite has no asyncio driver; its calls are
    short and the database serialises writers anyway).

    .. versionadded:: 0.1.0
    """

    def __init__(self, store: IntentStore) -> None:
        self.store = store
        self.url = store.url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r})"

    async def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        return await asyncio.to_thread(self.store.put, intent, replace=replace)

    async def get(self, intent_id: str) -> Intent | None:
        return await asyncio.to_thread(self.store.get, intent_id)

    async def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        return await asyncio.to_thread(
            self.store.list, state=state, conversation_id=conversation_id, limit=limit
        )

    async def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        return await asyncio.to_thread(self.store.pending_for, conversation_id)

    async def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        return await asyncio.to_thread(self.store.due, now=now, stale_after=stale_after, limit=limit)

    async def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        return await asyncio.to_thread(self.store.claim, intent_id, owner=owner, lease=lease, now=now)

    async def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        return await asyncio.to_thread(self.store.renew, lease, lease_for=lease_for, now=now)

    async def release(self, lease: Lease) -> None:
        await asyncio.to_thread(self.store.release, lease)

    async def finish(
        self,
        lease: Lease | None,
        state: IntentState,
        *,
        now: float,
        intent_id: str | None = None,
        reason: str | None = None,
        applied_code_id: str | None = None,
        applied_code_name: str | None = None,
    ) -> Intent | None:
        return await asyncio.to_thread(
            self.store.finish,
            lease,
            state,
            now=now,
            intent_id=intent_id,
            reason=reason,
            applied_code_id=applied_code_id,
            applied_code_name=applied_code_name,
        )

    async def purge(self, *, before: float, limit: int = 1000) -> int:
        return await asyncio.to_thread(self.store.purge, before=before, limit=limit)

    def share(self, **options: Any) -> Any:
        """The wrapped store's ``share()``: the token and request budget of one OAuth client
        (:class:`~wrapupkit.intents.StoreShare`)."""
        return self.store.share(**options)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await asyncio.to_thread(self.store.close)

    async def __aenter__(self) -> ThreadedStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
