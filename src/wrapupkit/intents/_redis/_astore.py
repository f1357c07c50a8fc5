"""The Redis intent store for asyncio (``redis.asyncio``): the sync store's plans, awaited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import redis
import redis.asyncio as aredis

from wrapupkit.intents._model import Intent, IntentState, Lease
from wrapupkit.intents._redis._base import DEFAULT_PREFIX, Base, closed_client
from wrapupkit.intents._redis._plans import Plan, T, arun
from wrapupkit.intents._redis._share import redis_share


if TYPE_CHECKING:
    from typing_extensions import Unpack

    from wrapupkit.intents._share import ShareOptions, StoreShare


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
        self._sync: Any = None  # the sync connections share() uses, made on first use

    async def _run(self, operation: str, plan: Plan[T]) -> T:
        with self.errors(operation):
            async with self.redis.pipeline() as pipe:
                return await arun(self.redis, pipe, plan)

    async def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        return await self._run("put", self.plans.put(intent, replace))

    async def get(self, intent_id: str) -> Intent | None:
        return await self._run("get", self.plans.get(intent_id))

    async def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        return await self._run("list", self.plans.select(state, conversation_id, limit))

    async def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        return await self._run("pending_for", self.plans.pending_for(conversation_id))

    async def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        return await self._run("due", self.plans.due(now, stale_after, limit))

    async def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        return await self._run("claim", self.plans.claim(intent_id, owner, lease, now))

    async def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        return await self._run("renew", self.plans.renew(lease, lease_for, now))

    async def release(self, lease: Lease) -> None:
        await self._run("release", self.plans.release(lease))

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
        plan = self.plans.finish(
            lease,
            state,
            now,
            intent_id,
            reason=reason,
            applied_code_id=applied_code_id,
            applied_code_name=applied_code_name,
        )
        return await self._run("finish", plan)

    async def purge(self, *, before: float, limit: int = 1000) -> int:
        return await self._run("purge", self.plans.purge(before, limit))

    def share(self, **options: Unpack[ShareOptions]) -> StoreShare:
        """The token and request budget of one OAuth client, shared by the whole fleet through
        this server (on sync connections of its own: the HTTP layer is sync); pass it as a
        client's ``share=``.  The keyword arguments are :class:`~wrapupkit.intents.StoreShare`'s.
        """
        if self._sync is None:
            self._sync = redis.Redis.from_url(self.url, **self._options)
        return redis_share(self, self._sync, **options)

    async def close(self) -> None:
        """Close the connections; later calls raise :class:`~wrapupkit.exceptions.StoreError`."""
        if isinstance(self.redis, aredis.Redis):
            client: Any = self.redis
            self.redis = closed_client(self)
            await client.aclose()
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def __aenter__(self) -> AsyncRedisStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
