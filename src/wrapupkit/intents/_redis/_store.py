"""The fleet's intent store on Redis, sync (``redis``) and asyncio (``redis.asyncio``).

A write reads the record under ``WATCH``, applies the rule of :mod:`wrapupkit.intents._ops` and
writes the record with its indices in one ``MULTI``/``EXEC``: if any other client changed the
record in between, ``EXEC`` does nothing and the write starts again on what is there now.  So a
claim, a renewal or a finish is a compare-and-set across every process and machine.  Leases lapse
by the time the callers pass (``now``), as in the SQLite store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from redis.exceptions import WatchError

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
from wrapupkit.intents._redis._astore import AsyncRedisStore
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


__all__ = ["RedisStore"]


class RedisStore(Base):
    """Intents in Redis, shared by every worker of a fleet (``redis://`` or ``rediss://``).

    Args:
        url: ``redis://[user:password@]host[:port][/db]`` or ``rediss://...`` (TLS).
        prefix: the prefix of every key (several fleets can share one database).
        timeout: seconds to connect and to wait for each answer.

    Raises:
        ConfigurationError: a malformed URL (before any I/O).
        StoreError: the server cannot be reached (it is asked ``PING`` at once).

    .. versionadded:: 0.1.0
    """

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX, timeout: float = 5.0) -> None:
        super().__init__(url, prefix=prefix, timeout=timeout)
        self.redis: Any = redis.Redis.from_url(url, **self._options)
        with self.errors("connect"):
            self.redis.ping()

    def asyncio(self) -> AsyncRedisStore:
        """The same store for asyncio, on ``redis.asyncio`` (its own connections)."""
        return AsyncRedisStore(self.url, prefix=self.keys.prefix, timeout=self.timeout)

    def _update(self, operation: str, intent_id: str, change: Change) -> tuple[Record | None, Record | None]:
        """``(before, after)`` of a compare-and-set on one record; *after* is ``None`` when unchanged."""
        key = self.keys.intent(intent_id)
        with self.errors(operation), self.redis.pipeline() as pipe:
            for _ in range(MAX_TRIES):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    old = decode(raw) if raw else None
                    new = change(old)
                    if new is None:
                        pipe.unwatch()
                        return old, None
                    pipe.multi()
                    self.keys.queue_save(pipe, old, new)
                    pipe.execute()
                except WatchError:
                    continue
                else:
                    return old, new
        raise self.contended(operation)

    def _records(self, operation: str, ids: Sequence[bytes | str]) -> list[Record]:
        if not ids:
            return []
        with self.errors(operation):
            return decoded(self.redis.mget([self.keys.intent(text(i)) for i in ids]))

    def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        old, new = self._update(
            "put",
            getattr(intent, "id", ""),
            lambda r: put_record(r, intent, replace=replace),
        )
        result = new or old
        assert result is not None  # noqa: S101 (put_record keeps only what exists)
        return result.intent

    def get(self, intent_id: str) -> Intent | None:
        with self.errors("get"):
            raw = self.redis.get(self.keys.intent(intent_id))
        return decode(raw).intent if raw else None

    def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        state, limit = check_state(state), check_limit(limit, optional=True)
        key, stop = list_plan(self.keys, state, conversation_id, limit)
        with self.errors("list"):
            ids = self.redis.zrevrange(key, 0, stop)
        return listed(self._records("list", ids), state, limit)

    def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        found = self.list(state=IntentState.PENDING, conversation_id=conversation_id)
        return sorted(found, key=lambda i: (i.created_at, i.id))

    def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        wanted = check_limit(limit)
        assert wanted is not None  # noqa: S101
        found: dict[str, Intent] = {}
        for key, low, high in (
            (self.keys.updated, "-inf", now - stale_after),
            (self.keys.expires, "(0", now),
        ):
            offset, page = 0, max(wanted, 100)
            while len(found) < wanted or key == self.keys.expires:
                with self.errors("due"):
                    ids = self.redis.zrangebyscore(key, low, high, start=offset, num=page)
                for record in self._records("due", ids):
                    if is_due(record, now=now, stale_after=stale_after):
                        found.setdefault(record.intent.id, record.intent)
                if len(ids) < page:
                    break
                offset += page
            if len(found) >= wanted:
                break
        return sorted(found.values(), key=lambda i: (i.updated_at, i.id))[:wanted]

    def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        check_seconds("lease", lease)
        _, new = self._update(
            "claim", intent_id, lambda r: claimed(r, owner=owner, lease_for=lease, now=now) if r else None
        )
        return new.lease if new else None

    def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        check_seconds("lease_for", lease_for)
        _, new = self._update(
            "renew", lease.intent_id, lambda r: renewed(r, lease, lease_for=lease_for, now=now) if r else None
        )
        return new.lease if new else None

    def release(self, lease: Lease) -> None:
        self._update("release", lease.intent_id, lambda r: released(r, lease) if r else None)

    def finish(
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
        _, new = self._update("finish", target, change)
        return new.intent if new else None

    def close(self) -> None:
        """Close the connections; later calls raise :class:`~wrapupkit.exceptions.StoreError`."""
        if isinstance(self.redis, redis.Redis):
            self.redis.close()
            self.redis.connection_pool.disconnect()
            self.redis = closed_client(self)

    def __enter__(self) -> RedisStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
