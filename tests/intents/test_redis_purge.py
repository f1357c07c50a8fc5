"""purge() on a real redis-server: no key or index entry of a purged intent is left behind, and a
store that wrapupkit 0.1.0 wrote (no ``final:updated`` index) is purged too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis_server import RedisServer
from store_helpers import T0, intent

from wrapupkit.intents import IntentState, RedisStore


@pytest.fixture(name="raw")
def _raw(redis_srv: RedisServer) -> Iterator[Any]:
    with redis.Redis.from_url(redis_srv.url) as conn:
        conn.flushdb()
        yield conn


def _entries(raw: Any, intent_id: str) -> list[str]:
    """Every key that names *intent_id*: its record, or a sorted set holding it."""

    def names(key: bytes) -> bool:
        if raw.type(key) == b"zset":
            return raw.zscore(key, intent_id) is not None
        return key.decode().endswith(intent_id)

    return [key.decode() for key in raw.scan_iter() if names(key)]


def _finish(store: RedisStore, conversation: str, at: float, **kw: Any) -> str:
    it = store.put(intent(conversation, created_at=at - 1, **kw))
    assert store.finish(None, IntentState.EXPIRED, now=at, intent_id=it.id, reason="x") is not None
    return it.id


def test_a_purged_intent_leaves_no_key_and_no_index_entry(redis_srv: RedisServer, raw: Any) -> None:
    with RedisStore(redis_srv.url) as store:
        gone = _finish(store, "c-1", T0 + 5, expires_at=T0 + 3)
        kept = store.put(intent("c-1", participant="p-2", created_at=T0, expires_at=T0 + 9)).id
        assert set(_entries(raw, gone)) == {
            "wrapupkit:intent:" + gone,
            "wrapupkit:all",
            "wrapupkit:state:expired",
            "wrapupkit:conv:c-1",
            "wrapupkit:final:updated",
        }
        assert store.purge(before=T0 + 6) == 1
        assert _entries(raw, gone) == []
        assert "wrapupkit:final:updated" not in _entries(raw, kept)
        assert {"wrapupkit:pending:updated", "wrapupkit:pending:expires"} <= set(_entries(raw, kept))


def test_a_store_written_before_the_final_index_is_purged_too(redis_srv: RedisServer, raw: Any) -> None:
    with RedisStore(redis_srv.url) as store:
        ids = [_finish(store, f"c-{n}", T0 + n) for n in range(1, 8)]
        pending = store.put(intent("c-pending", created_at=T0)).id
        raw.delete("wrapupkit:final:updated", "wrapupkit:final:indexed")  # as 0.1.0 left it
        assert store.purge(before=T0 + 4, limit=2) == 2  # the oldest two
        assert [store.get(i) is None for i in ids] == [True, True, False, False, False, False, False]
        assert store.purge(before=T0 + 100) == 5
        assert [i.id for i in store.list()] == [pending]
        assert raw.exists("wrapupkit:final:indexed")


def test_a_stale_index_entry_is_dropped_without_deleting_anything(redis_srv: RedisServer, raw: Any) -> None:
    with RedisStore(redis_srv.url) as store:
        pending = store.put(intent(created_at=T0)).id
        raw.zadd("wrapupkit:final:updated", {pending: T0, "wi_nothing": T0})
        assert store.purge(before=T0 + 100) == 0
        assert store.get(pending) is not None
        assert raw.zcard("wrapupkit:final:updated") == 0
