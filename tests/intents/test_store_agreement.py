"""The SQLite and the Redis store agree: any sequence of operations gives the same answers on both
(hypothesis draws the sequences; both stores are real: a SQLite file and a redis-server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis_server import RedisServer
from store_helpers import T0, intent

from wrapupkit.exceptions import IntentConflict
from wrapupkit.intents import IntentState, IntentStore, Lease, open_store


CONVERSATIONS = ["c-1", "c-2"]
FINAL = [IntentState.APPLIED, IntentState.ALREADY, IntentState.FAILED, IntentState.EXPIRED]

op = st.one_of(
    st.tuples(
        st.just("put"), st.sampled_from(CONVERSATIONS), st.sampled_from(["Sale", "Refund"]), st.booleans()
    ),
    st.tuples(st.just("claim"), st.sampled_from(CONVERSATIONS), st.sampled_from(["w1", "w2"])),
    st.tuples(st.just("renew"), st.integers(0, 5)),
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("finish"), st.integers(0, 5), st.sampled_from(FINAL)),
    st.tuples(st.just("finish_unleased"), st.sampled_from(CONVERSATIONS), st.sampled_from(FINAL)),
    st.tuples(st.just("wait"), st.sampled_from([1, 10, 40])),
    st.tuples(st.just("purge"), st.sampled_from([0, 3, 30]), st.integers(1, 3)),
)


class Runner:
    """Applies operations to one store, naming leases by the order they were granted."""

    def __init__(self, store: IntentStore) -> None:
        self.store = store
        self.leases: list[Lease] = []
        self.now = T0

    def _lease(self, n: int) -> Lease | None:
        return self.leases[n] if n < len(self.leases) else None

    def apply(self, step: tuple[Any, ...]) -> object:
        kind, *args = step
        self.now += 1
        if kind == "put":
            conversation, code, replace = args
            try:
                got = self.store.put(intent(conversation, code, created_at=self.now), replace=replace)
            except IntentConflict as exc:
                return ("conflict", exc.existing_code)
            return (got.code, got.state.value, got.version, got.claims)
        if kind == "claim":
            conversation, owner = args
            lease = self.store.claim(intent(conversation).id, owner=owner, lease=30, now=self.now)
            if lease is None:
                return None
            self.leases.append(lease)
            return (lease.owner, lease.expires_at - self.now)
        if kind == "wait":
            self.now += args[0]
            return None
        if kind == "purge":
            age, limit = args
            return self.store.purge(before=self.now - age, limit=limit)
        if kind == "finish_unleased":
            conversation, state = args
            done = self.store.finish(None, state, now=self.now, intent_id=intent(conversation).id)
            return done and (done.state.value, done.version)
        lease = self._lease(args[0])
        if lease is None:
            return "no such lease"
        if kind == "renew":
            renewed = self.store.renew(lease, lease_for=30, now=self.now)
            return renewed and renewed.expires_at - self.now
        if kind == "release":
            self.store.release(lease)
            return None
        done = self.store.finish(lease, args[1], now=self.now)
        return done and (done.state.value, done.version)

    def snapshot(self) -> list[tuple[Any, ...]]:
        due = [i.id for i in self.store.due(now=self.now, stale_after=20, limit=10)]
        rows = [(i.id, i.code, i.state.value, i.version, i.claims, i.updated_at) for i in self.store.list()]
        return [*rows, ("due", *due)]


@pytest.fixture(name="pair")
def _pair(redis_srv: RedisServer, tmp_path: Path) -> tuple[Path, str]:
    return tmp_path, redis_srv.url


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(op, min_size=1, max_size=25))
def test_both_stores_give_the_same_answers(pair: tuple[Path, str], steps: list[tuple[Any, ...]]) -> None:
    import uuid

    import redis

    folder, redis_url = pair
    with redis.Redis.from_url(redis_url) as conn:
        conn.flushdb()
    sqlite_url = f"sqlite:///{folder / uuid.uuid4().hex}.db"  # a fresh file per example
    stores = [open_store(sqlite_url), open_store(redis_url)]
    try:
        runners = [Runner(store) for store in stores]
        for step in steps:
            answers = [runner.apply(step) for runner in runners]
            assert answers[0] == answers[1], step
        assert runners[0].snapshot() == runners[1].snapshot()
    finally:
        for store in stores:
            store.close()
