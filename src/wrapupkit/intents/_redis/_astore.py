"""The Redis intent store for asyncio (``redis.asyncio``): the sync store's operations, awaited."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import redis.asyncio as aredis
from redis.exceptions import RedisError, WatchError

from wrapupkit.intents._model import Intent, IntentState, Lease
from wrapupkit.intents._ops import (
    Record,
    check_limit,
    check_seconds,
    check_state,
    claimed,
    decode,
    finish_target,
    is_due,
    put_record,
    released,
    renewed,
)
from wrapupkit.intents._redis._base import (
    DEFAULT_PREFIX,
    MAX_TRIES,
    Base,
    Change,
    closed_client,
    decoded,
    finish_change,
    list_plan,
    listed,
    text,
)


__all__ = ["AsyncRedisStore"]


class AsyncRedisStore(Base):
    """:class:`RedisStore` for asyncio: an :class:`~wrapupkit.intents.AsyncIntentStore` on
    ``redis.asyncio``.  It connects on first use (a server that is down raises
    :class:`~wrapupkit.exceptions.StoreError` then).

    .. versionadded:: 0.1.0
    """

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX, timeout: float = 5.0) -> None:
        super().__init__(url, prefix=prefix, timeout=timeout)
        self.redis: Any = aredis.Redis.from_url(url, **self._options)

    @contextlib.asynccontextmanager
    async def _errors(self, operation: str) -> AsyncIterator[None]:
        try:
            yield
        except RedisError as exc:
            raise self.store_error(operation, exc) from None

    async def _update(
        self, operation: str, intent_id: str, change: Change
    ) -> tuple[Record | None, Record | None]:
        key = self.keys.intent(intent_id)
        async with self._errors(operation), self.redis.pipeline() as pipe:
            for _ in range(MAX_TRIES):
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    old = decode(raw) if raw else None
                    new = change(old)
                    if new is None:
                        await pipe.unwatch()
                        return old, None
                    pipe.multi()
                    self.keys.queue_save(pipe, old, new)
                    await pipe.execute()
                except WatchError:
                    continue
                else:
                    return old, new
        raise self.contended(operation)

    async def _records(self, operation: str, ids: Sequence[bytes | str]) -> list[Record]:
        if not ids:
            return []
        async with self._errors(operation):
            return decoded(await self.redis.mget([self.keys.intent(text(i)) for i in ids]))

    async def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        intent_id = getattr(intent, "id", "")
        old, new = await self._update("put", intent_id, lambda r: put_record(r, intent, replace=replace))
        result = new or old
        assert result is not None  # noqa: S101 (put_record keeps only what exists)
        return result.intent

    async def get(self, intent_id: str) -> Intent | None:
        async with self._errors("get"):
            raw = await self.redis.get(self.keys.intent(intent_id))
        return decode(raw).intent if raw else None

    async def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        state, limit = check_state(state), check_limit(limit, optional=True)
        key, stop = list_plan(self.keys, state, conversation_id, limit)
        async with self._errors("list"):
            ids = await self.redis.zrevrange(key, 0, stop)
        return listed(await self._records("list", ids), state, limit)

    async def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        found = await self.list(state=IntentState.PENDING, conversation_id=conversation_id)
        return sorted(found, key=lambda i: (i.created_at, i.id))

    async def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        wanted = check_limit(limit)
        assert wanted is not None  # noqa: S101
        found: dict[str, Intent] = {}
        sets = ((self.keys.updated, "-inf", now - stale_after), (self.keys.expires, "(0", now))
        for key, low, high in sets:
            offset, page = 0, max(wanted, 100)
            while len(found) < wanted or key == self.keys.expires:
                async with self._errors("due"):
                    ids = await self.redis.zrangebyscore(key, low, high, start=offset, num=page)
                for record in await self._records("due", ids):
                    if is_due(record, now=now, stale_after=stale_after):
                        found.setdefault(record.intent.id, record.intent)
                if len(ids) < page:
                    break
                offset += page
            if len(found) >= wanted:
                break
        return sorted(found.values(), key=lambda i: (i.updated_at, i.id))[:wanted]

    async def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        check_seconds("lease", lease)
        _, new = await self._update(
            "claim", intent_id, lambda r: claimed(r, owner=owner, lease_for=lease, now=now) if r else None
        )
        return new.lease if new else None

    async def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        check_seconds("lease_for", lease_for)
        _, new = await self._update(
            "renew", lease.intent_id, lambda r: renewed(r, lease, lease_for=lease_for, now=now) if r else None
        )
        return new.lease if new else None

    async def release(self, lease: Lease) -> None:
        await self._update("release", lease.intent_id, lambda r: released(r, lease) if r else None)

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
        target = finish_target(lease, state, intent_id)
        change = finish_change(
            lease,
            state,
            now,
            reason=reason,
            applied_code_id=applied_code_id,
            applied_code_name=applied_code_name,
        )
        _, new = await self._update("finish", target, change)
        return new.intent if new else None

    async def close(self) -> None:
        """Close the connections; later calls raise :class:`~wrapupkit.exceptions.StoreError`."""
        if isinstance(self.redis, aredis.Redis):
            client: Any = self.redis
            self.redis = closed_client(self)
            await client.aclose()

    async def __aenter__(self) -> AsyncRedisStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
