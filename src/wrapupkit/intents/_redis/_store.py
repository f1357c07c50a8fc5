"""The fleet's intent store on Redis, sync (``redis``); the asyncio twin is in ``_astore``.

A write reads the record under ``WATCH``, applies the rule of :mod:`wrapupkit.intents._ops` and
writes the record with its indices in one ``MULTI``/``EXEC``: if any other client changed the
record in between, ``EXEC`` does nothing and the write starts again on what is there now.  So a
claim, a renewal or a finish is a compare-and-set across every process and machine.  Leases lapse
by the time the callers pass (``now``), as in the SQLite store.  The operations themselves are
the plans of :mod:`._plans`, shared with the asyncio store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import redis

from wrapupkit.intents._model import Intent, IntentState, Lease
from wrapupkit.intents._redis._astore import AsyncRedisStore
from wrapupkit.intents._redis._base import DEFAULT_PREFIX, Base, closed_client
from wrapupkit.intents._redis._plans import Plan, T, run
from wrapupkit.intents._redis._share import redis_share


if TYPE_CHECKING:
    from typing_extensions import Unpack

    from wrapupkit.intents._share import ShareOptions, StoreShare


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

    def _run(self, operation: str, plan: Plan[T]) -> T:
        with self.errors(operation), self.redis.pipeline() as pipe:
            return run(self.redis, pipe, plan)

    def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        return self._run("put", self.plans.put(intent, replace))

    def get(self, intent_id: str) -> Intent | None:
        return self._run("get", self.plans.get(intent_id))

    def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        return self._run("list", self.plans.select(state, conversation_id, limit))

    def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        return self._run("pending_for", self.plans.pending_for(conversation_id))

    def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        return self._run("due", self.plans.due(now, stale_after, limit))

    def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        return self._run("claim", self.plans.claim(intent_id, owner, lease, now))

    def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        return self._run("renew", self.plans.renew(lease, lease_for, now))

    def release(self, lease: Lease) -> None:
        self._run("release", self.plans.release(lease))

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
        plan = self.plans.finish(
            lease,
            state,
            now,
            intent_id,
            reason=reason,
            applied_code_id=applied_code_id,
            applied_code_name=applied_code_name,
        )
        return self._run("finish", plan)

    def purge(self, *, before: float, limit: int = 1000) -> int:
        return self._run("purge", self.plans.purge(before, limit))

    def share(self, **options: Unpack[ShareOptions]) -> StoreShare:
        """The token and request budget of one OAuth client, shared by the whole fleet through
        this server: pass it (or the store) as a client's ``share=``.  The keyword arguments are
        :class:`~wrapupkit.intents.StoreShare`'s.
        """
        return redis_share(self, self.redis, **options)

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
