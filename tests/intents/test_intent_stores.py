"""One behaviour suite for every intent store, run against a SQLite file and a real redis-server."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Iterator

import pytest
from store_helpers import NOTES, T0, claim_and_die, intent, race

from wrapupkit.exceptions import ConfigurationError, IntentConflict, InvalidType, StoreError
from wrapupkit.intents import IntentState, IntentStore, open_async_store, open_store


APPLIED = IntentState.APPLIED


@pytest.fixture(name="store")
def _store(store_url: str, caplog: pytest.LogCaptureFixture) -> Iterator[IntentStore]:
    caplog.set_level(logging.DEBUG)
    store = open_store(store_url)
    yield store
    store.close()
    assert NOTES not in caplog.text  # no operation of any test logs the notes


def test_the_store_meets_the_protocol(store: IntentStore) -> None:
    assert isinstance(store, IntentStore)
    assert store.url in repr(store)


def test_put_records_a_pending_intent_and_is_idempotent(store: IntentStore) -> None:
    first = store.put(intent())
    assert (first.state, first.version, first.notes, first.created_at) == ("pending", 1, NOTES, T0)
    again = store.put(intent(notes="other"))
    assert again == first  # same leg, same code: the stored intent, unchanged
    assert store.get(first.id) == first


def test_another_code_for_a_pending_intent_is_a_conflict_unless_replaced(store: IntentStore) -> None:
    first = store.put(intent())
    with pytest.raises(IntentConflict) as caught:
        store.put(intent(code="Refund"))
    assert (caught.value.intent_id, caught.value.existing_code, caught.value.requested_code) == (
        first.id,
        "Sale",
        "Refund",
    )
    assert store.get(first.id) == first
    replaced = store.put(intent(code="Refund", notes="new", tags=("a",), expires_at=T0 + 99), replace=True)
    assert (replaced.code, replaced.notes, replaced.tags, replaced.expires_at) == (
        "Refund",
        "new",
        ("a",),
        T0 + 99,
    )
    assert (replaced.version, replaced.created_at) == (2, T0)


def test_a_final_intent_is_replaced_by_a_new_decision(store: IntentStore) -> None:
    first = store.put(intent())
    lease = store.claim(first.id, owner="w", lease=10, now=T0 + 1)
    assert store.finish(lease, APPLIED, now=T0 + 2, applied_code_id="id-sale") is not None
    fresh = store.put(intent(code="Refund", created_at=T0 + 5))
    assert (fresh.state, fresh.code, fresh.claims, fresh.applied_code_id) == ("pending", "Refund", 0, None)
    assert fresh.version > first.version


def test_get_list_and_pending_for(store: IntentStore) -> None:
    a = store.put(intent("c-1", participant="p-1", created_at=T0))
    b = store.put(intent("c-1", participant="p-2", created_at=T0 + 1))
    c = store.put(intent("c-2", created_at=T0 + 2))
    store.finish(None, IntentState.ALREADY, now=T0 + 3, intent_id=b.id, reason="agent chose Refund")
    assert store.get("wi_missing") is None
    assert [i.id for i in store.list()] == [c.id, b.id, a.id]  # newest first
    assert [i.id for i in store.list(limit=2)] == [c.id, b.id]
    assert [i.id for i in store.list(state=IntentState.PENDING)] == [c.id, a.id]
    assert [i.id for i in store.list(state=IntentState.ALREADY)] == [b.id]
    assert [i.id for i in store.list(state="pending", conversation_id="c-1")] == [a.id]  # type: ignore[arg-type]
    assert [i.id for i in store.list(conversation_id="c-1")] == [b.id, a.id]
    assert [i.id for i in store.pending_for("c-1")] == [a.id]
    assert store.pending_for("c-9") == []
    assert store.get(b.id).reason == "agent chose Refund"  # type: ignore[union-attr]


def test_bad_list_arguments_are_typed_errors(store: IntentStore) -> None:
    with pytest.raises(ConfigurationError, match="unknown intent state"):
        store.list(state="done")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        store.list(limit=0)
    with pytest.raises(InvalidType):
        store.put("not an intent")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="lease"):
        store.claim("wi_x", owner="w", lease=float("nan"), now=T0)


def test_a_claim_is_exclusive_until_the_lease_expires(store: IntentStore) -> None:
    it = store.put(intent())
    first = store.claim(it.id, owner="w1", lease=30, now=T0 + 1)
    assert first is not None
    assert (first.owner, first.expires_at) == ("w1", T0 + 31)
    assert store.claim(it.id, owner="w2", lease=30, now=T0 + 30) is None  # still held
    second = store.claim(it.id, owner="w2", lease=30, now=T0 + 31)  # lapsed: another worker takes it
    assert second is not None
    assert second.token != first.token
    assert store.get(it.id).claims == 2  # type: ignore[union-attr]
    # the first worker lost its lease: it cannot renew or finish, and releasing changes nothing
    assert store.renew(first, lease_for=30, now=T0 + 32) is None
    assert store.finish(first, APPLIED, now=T0 + 32) is None
    store.release(first)
    assert store.claim(it.id, owner="w3", lease=30, now=T0 + 33) is None
    done = store.finish(second, APPLIED, now=T0 + 34, applied_code_id="id-sale", applied_code_name="Sale")
    assert done is not None
    assert (done.state, done.applied_code_id, done.applied_code_name, done.updated_at) == (
        "applied", "id-sale", "Sale", T0 + 34,
    )  # fmt: skip
    assert store.claim(it.id, owner="w3", lease=30, now=T0 + 99) is None  # final: nothing to claim
    assert store.claim("wi_missing", owner="w3", lease=30, now=T0) is None


def test_renew_and_release(store: IntentStore) -> None:
    it = store.put(intent())
    lease = store.claim(it.id, owner="w1", lease=10, now=T0)
    assert lease is not None
    renewed = store.renew(lease, lease_for=10, now=T0 + 9)
    assert renewed is not None
    assert renewed.expires_at == T0 + 19
    assert store.claim(it.id, owner="w2", lease=10, now=T0 + 15) is None  # the renewal holds
    assert store.renew(renewed, lease_for=10, now=T0 + 19) is None  # lapsed: lost
    lease2 = store.claim(it.id, owner="w2", lease=10, now=T0 + 20)
    assert lease2 is not None
    store.release(lease2)
    assert store.get(it.id).state == "pending"  # type: ignore[union-attr]
    assert store.claim(it.id, owner="w3", lease=10, now=T0 + 21) is not None  # free again at once


def test_finish_without_a_lease_only_when_pending_and_unheld(store: IntentStore) -> None:
    it = store.put(intent())
    lease = store.claim(it.id, owner="w1", lease=10, now=T0)
    assert store.finish(None, IntentState.ALREADY, now=T0 + 1, intent_id=it.id) is None  # held
    done = store.finish(None, IntentState.ALREADY, now=T0 + 11, intent_id=it.id, reason="x")
    assert done is not None
    assert done.state == "already"
    assert store.finish(lease, APPLIED, now=T0 + 12) is None
    assert store.finish(None, APPLIED, now=T0 + 13, intent_id=it.id) is None  # final already
    assert store.finish(None, APPLIED, now=T0, intent_id="wi_missing") is None
    with pytest.raises(ConfigurationError, match="intent_id"):
        store.finish(None, APPLIED, now=T0)
    with pytest.raises(ConfigurationError, match="final state"):
        store.finish(None, IntentState.PENDING, now=T0, intent_id=it.id)


def test_due_lists_stale_and_overdue_unheld_intents_oldest_first(store: IntentStore) -> None:
    old = store.put(intent("c-old", created_at=T0))
    overdue = store.put(intent("c-overdue", created_at=T0 + 90, expires_at=T0 + 99))
    store.put(intent("c-fresh", created_at=T0 + 95))
    held = store.put(intent("c-held", created_at=T0))
    assert store.claim(held.id, owner="w", lease=100, now=T0 + 1) is not None
    done = store.put(intent("c-done", created_at=T0))
    store.finish(None, APPLIED, now=T0 + 2, intent_id=done.id)
    due = store.due(now=T0 + 100, stale_after=30, limit=10)
    assert [i.id for i in due] == [old.id, overdue.id]
    assert [i.id for i in store.due(now=T0 + 100, stale_after=30, limit=1)] == [old.id]
    # the lease lapsed: the held intent is due again (its claim counted as its last update)
    assert held.id in [i.id for i in store.due(now=T0 + 200, stale_after=30, limit=10)]


def test_notes_never_appear_in_reprs(store: IntentStore) -> None:
    it = store.put(intent())
    lease = store.claim(it.id, owner="w", lease=10, now=T0)
    shown = repr(store) + repr(it) + repr(store.list()) + repr(lease) + str(store.get(it.id))
    assert NOTES not in shown
    assert "notes='***'" in repr(it)


def test_threads_racing_for_one_intent_make_exactly_one_claim(store: IntentStore) -> None:
    it = store.put(intent())
    barrier = threading.Barrier(16)
    won: list[object] = []

    def claim(n: int) -> None:
        barrier.wait()
        lease = store.claim(it.id, owner=f"t{n}", lease=60, now=T0 + 1)
        if lease is not None:
            won.append(lease)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert store.get(it.id).claims == 1  # type: ignore[union-attr]


def test_processes_racing_for_intents_claim_each_exactly_once(store: IntentStore, store_url: str) -> None:
    ids = [store.put(intent(f"c-{n}")).id for n in range(20)]
    results = race(store_url, ids, processes=4)
    winners = sorted(i for won in results.values() for i in won)
    assert winners == sorted(ids)  # every intent claimed, none twice
    assert all(store.get(i).claims == 1 for i in ids)  # type: ignore[union-attr]


def test_a_worker_that_dies_holding_a_lease_is_taken_over_after_expiry(
    store: IntentStore, store_url: str
) -> None:
    it = store.put(intent())
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=claim_and_die, args=(store_url, it.id, out))
    child.start()
    dead_lease = out.get(timeout=60)
    child.join(30)
    assert dead_lease is not None
    assert store.claim(it.id, owner="w2", lease=30, now=T0 + 2) is None  # the dead worker's lease holds
    lease = store.claim(it.id, owner="w2", lease=30, now=dead_lease.expires_at)
    assert lease is not None
    assert store.finish(lease, APPLIED, now=dead_lease.expires_at + 1) is not None
    assert store.finish(dead_lease, APPLIED, now=dead_lease.expires_at + 2) is None


def test_records_survive_reopening(store_url: str) -> None:
    with_one = open_store(store_url)
    it = with_one.put(intent())
    with_one.close()
    again = open_store(store_url)
    assert again.get(it.id) == it
    again.close()


def test_a_closed_store_raises_store_error(store_url: str) -> None:
    store = open_store(store_url)
    store.close()
    with pytest.raises(StoreError):
        store.get("wi_x")


@pytest.mark.asyncio
async def test_the_async_store_does_the_same(store_url: str) -> None:
    store = open_async_store(store_url)
    it = await store.put(intent())
    assert await store.get(it.id) == it
    with pytest.raises(IntentConflict):
        await store.put(intent(code="Refund"))
    lease = await store.claim(it.id, owner="a", lease=10, now=T0)
    assert lease is not None
    assert await store.claim(it.id, owner="b", lease=10, now=T0 + 1) is None
    assert await store.renew(lease, lease_for=10, now=T0 + 5) is not None
    assert [i.id for i in await store.pending_for("c-1")] == [it.id]
    assert [i.id for i in await store.due(now=T0 + 1000, stale_after=1, limit=5)] == [it.id]
    done = await store.finish(lease, APPLIED, now=T0 + 6)
    assert done is not None
    assert [i.id for i in await store.list(state=APPLIED)] == [it.id]
    other = await store.put(intent("c-2"))
    lease2 = await store.claim(other.id, owner="a", lease=10, now=T0)
    assert lease2 is not None
    await store.release(lease2)
    assert await store.claim(other.id, owner="b", lease=10, now=T0) is not None
    await store.close()


def _finished(store: IntentStore, conversation: str, at: float, state: IntentState = APPLIED) -> str:
    it = store.put(intent(conversation, created_at=at - 1))
    assert store.finish(None, state, now=at, intent_id=it.id) is not None
    return it.id


def test_purge_deletes_old_final_intents_oldest_first_and_keeps_pending_ones(store: IntentStore) -> None:
    failed = _finished(store, "c-failed", T0 + 10, IntentState.FAILED)
    applied = _finished(store, "c-applied", T0 + 20)
    expired = _finished(store, "c-expired", T0 + 30, IntentState.EXPIRED)
    recent = _finished(store, "c-recent", T0 + 50, IntentState.ALREADY)
    old_pending = store.put(intent("c-pending", created_at=T0, expires_at=T0 + 5))
    held = store.put(intent("c-held", created_at=T0))
    assert store.claim(held.id, owner="w", lease=5, now=T0 + 1) is not None
    assert store.purge(before=T0 + 40, limit=2) == 2  # the two oldest: failed, then applied
    assert store.get(failed) is None
    assert store.get(applied) is None
    assert store.get(expired) is not None
    assert store.purge(before=T0 + 40) == 1  # expired; recent is too new
    assert store.purge(before=T0 + 40) == 0
    assert store.purge(before=T0 + 50) == 0  # strictly before
    assert {i.id for i in store.list()} == {recent, old_pending.id, held.id}
    assert store.purge(before=T0 + 10_000, limit=1000) == 1  # recent; never a pending intent
    assert {i.id for i in store.list()} == {old_pending.id, held.id}
    assert {i.id for i in store.due(now=T0 + 10_000, stale_after=1, limit=10)} == {old_pending.id, held.id}


def test_purged_intents_leave_no_index_entry_and_their_leg_starts_afresh(store: IntentStore) -> None:
    gone = _finished(store, "c-1", T0 + 5)
    kept = store.put(intent("c-1", participant="p-2", created_at=T0 + 1))
    assert store.purge(before=T0 + 6) == 1
    assert [i.id for i in store.list()] == [kept.id]
    for state in IntentState:
        assert gone not in [i.id for i in store.list(state=state)]
    assert [i.id for i in store.list(conversation_id="c-1")] == [kept.id]
    assert [i.id for i in store.pending_for("c-1")] == [kept.id]
    assert gone not in [i.id for i in store.due(now=T0 + 1000, stale_after=1, limit=10)]
    fresh = store.put(intent("c-1", code="Refund", created_at=T0 + 7))
    assert (fresh.id, fresh.state, fresh.code, fresh.version, fresh.claims) == (
        gone,
        "pending",
        "Refund",
        1,
        0,
    )
    assert fresh.id in [i.id for i in store.pending_for("c-1")]
    assert store.purge(before=T0 + 1000) == 0  # pending again: kept
    lease = store.claim(fresh.id, owner="w", lease=10, now=T0 + 8)
    assert store.finish(lease, APPLIED, now=T0 + 9) is not None
    assert store.purge(before=T0 + 1000) == 1


def test_bad_purge_arguments_are_typed_errors(store: IntentStore) -> None:
    from wrapupkit.exceptions import InvalidInput

    gone = _finished(store, "c-1", T0 + 5)
    for before in (float("nan"), float("inf")):
        with pytest.raises(InvalidInput, match="before"):
            store.purge(before=before)
    with pytest.raises(InvalidType):
        store.purge(before="yesterday")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        store.purge(before=True)  # type: ignore[arg-type]
    for limit in (0, -1):
        with pytest.raises(InvalidInput, match="limit"):
            store.purge(before=T0 + 10, limit=limit)
    with pytest.raises(InvalidType):
        store.purge(before=T0 + 10, limit=1.5)  # type: ignore[arg-type]
    assert store.get(gone) is not None  # nothing was deleted


def test_a_purge_racing_with_re_intents_never_resurrects_or_leaves_entries(store: IntentStore) -> None:
    ids = [_finished(store, f"c-{n}", T0 + 1) for n in range(30)]
    barrier = threading.Barrier(2)
    purged: list[int] = []

    def purge() -> None:
        barrier.wait()
        purged.append(store.purge(before=T0 + 2))

    thread = threading.Thread(target=purge)
    thread.start()
    barrier.wait()
    again = [store.put(intent(f"c-{n}", code="Refund", created_at=T0 + 3)) for n in range(0, 30, 2)]
    thread.join()
    pending = {i.id for i in again}
    assert all(i.state == "pending" for i in again)
    remaining = {i.id for i in store.list()}
    assert pending <= remaining  # a re-intent is never deleted
    assert remaining == pending  # every final one is gone
    # a re-intent before the purge reached its leg kept the record (version 3); one after, a fresh one
    assert purged[0] == len(ids) - sum(1 for i in again if i.version > 1)
    assert {i.id for i in store.pending_for("c-0")} == {again[0].id}
    assert {i.id for i in store.list(state=APPLIED)} == set()


@pytest.mark.asyncio
async def test_the_async_store_purges(store_url: str) -> None:
    store = open_async_store(store_url)
    it = await store.put(intent())
    await store.finish(None, APPLIED, now=T0 + 1, intent_id=it.id)
    other = await store.put(intent("c-2"))
    assert await store.purge(before=T0 + 2, limit=5) == 1
    assert [i.id for i in await store.list()] == [other.id]
    with pytest.raises(ConfigurationError):
        await store.purge(before=float("nan"))
    await store.close()
