"""The Worker: events to writes, exactly once, against the emulator and real stores (SQLite, Redis).

Waits run on the fake clock (the flow's readiness checks, the sweep's pacing); deliveries come from
an in-process list here, and from a real moto_server SQS queue in test_fleet_worker_sqs.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from worker_helpers import ListEvents, event, final, posts, reads


# isort: off
from worker_helpers import _aclient, _org, _store, redis_url, store_url  # noqa: F401 - fixtures
# isort: on

from wrapupkit import AsyncWrapupClient
from wrapupkit.fleet import Delivery, EventKind, Worker
from wrapupkit.intents import AsyncIntentStore, IntentState
from wrapupkit.testing import FakeClock


pytestmark = pytest.mark.asyncio


def worker(aclient: AsyncWrapupClient, store: AsyncIntentStore, events: Any = None, **kw: Any) -> Worker:
    kw.setdefault("sweep_every", None)
    return Worker(aclient, store, events, **kw)


async def test_user_end_applies_each_pending_intent_once_and_acks(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
    intent = await aclient.intend(conv.id, "Sale", user_id=org["user"], notes="n")
    clock.advance(31)
    events = ListEvents()
    w = worker(aclient, store, events)
    delivery = event(EventKind.USER_END, conv, clock, user_id=org["user"])
    await w.handle(delivery)
    await w.handle(delivery)  # the queue delivers it again: nothing more is written
    done = await final(store, intent.id)
    assert done.state is IntentState.APPLIED
    assert len(posts(emu, conv.id)) == 1
    assert events.acked == [delivery, delivery]
    assert w.stats.transitions["applied"] == 1
    assert w.stats.ignored_events["no intent"] == 1
    assert len(w.stats.latencies) == 1


async def test_a_conversation_event_showing_acw_needs_no_read(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
    await aclient.codes(org["queue"])  # the code set is cached, as in a warm worker
    intent = await aclient.intend(conv.id, "Sale")
    w = worker(aclient, store, ListEvents())
    connected = event(EventKind.CONVERSATION, conv, clock, body=emu.conversation_json(conv.id))
    await w.handle(connected)
    assert w.stats.ignored_events["not ready"] == 1
    clock.advance(31)
    emu.clear_requests()
    await w.handle(event(EventKind.CONVERSATION, conv, clock, body=emu.conversation_json(conv.id)))
    done = await final(store, intent.id)
    assert done.state is IntentState.APPLIED
    assert reads(emu, conv.id) == []
    assert [r.method for r in emu.requests] == ["POST"]


async def test_an_acw_event_closes_as_already_or_applied(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    theirs = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    ours = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    a = await aclient.intend(theirs.id, "Sale")
    b = await aclient.intend(ours.id, "Sale")
    w = worker(aclient, store, ListEvents())
    await w.handle(event(EventKind.ACW, theirs, clock, wrapup_code=org["No Sale"], queue_id=org["queue"]))
    await w.handle(event(EventKind.ACW, ours, clock, wrapup_code=org["Sale"], queue_id=org["queue"]))
    first, second = await final(store, a.id), await final(store, b.id)
    assert (first.state, first.applied_code_name) == (IntentState.ALREADY, "No Sale")
    assert "'No Sale'" in (first.reason or "")
    assert "'Sale'" in (first.reason or "")
    assert second.state is IntentState.APPLIED
    assert posts(emu) == []


async def test_malformed_and_unrelated_messages_are_counted_and_acked(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    events = ListEvents()
    w = worker(aclient, store, events)
    bad = Delivery(None, receipt="r1", problem="not JSON")
    stray = event(EventKind.USER_END, conv, clock)
    await w.handle(bad)
    await w.handle(stray)
    assert events.acked == [bad, stray]
    assert (w.stats.ignored_events["malformed"], w.stats.ignored_events["no intent"]) == (1, 1)
    assert posts(emu) == []


async def test_a_worker_killed_after_its_write_is_finished_by_another_exactly_once(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    """The first holder wrote and died before finishing; its lease lapses; the sweep reads and sees it."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
    intent = await aclient.intend(conv.id, "Sale")
    clock.advance(31)
    dead = await store.claim(intent.id, owner="dead-worker", lease=30.0, now=clock.time())
    assert dead is not None
    await aclient.apply_wrapup(conv.id, "Sale")  # the dead worker's write reached Genesys
    events = ListEvents()
    w = worker(aclient, store, events, stale_after=10.0)
    await w.handle(event(EventKind.USER_END, conv, clock))  # its lease still holds
    assert w.stats.claim_conflicts == 1
    assert events.acked == []  # left on the queue: it comes back in case the holder died
    clock.advance(31)
    assert await w.sweep() == 1
    done = await final(store, intent.id)
    assert done.state is IntentState.APPLIED
    assert done.claims == 2  # intend() never claimed it (not ready then); the dead worker; the sweep
    assert len(posts(emu, conv.id)) == 1


async def test_overdue_intents_expire_with_the_last_state_seen(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    intent = await aclient.intend(conv.id, "Sale", expires=100)
    w = worker(aclient, store, ListEvents(), stale_after=10.0)
    clock.advance(20)
    await w.sweep()  # stale: one read, not ready, still pending
    pending = await final(store, intent.id)
    assert pending.state is IntentState.PENDING
    clock.advance(100)
    await w.sweep()
    done = await final(store, intent.id)
    assert done.state is IntentState.EXPIRED
    assert "connected" in (done.reason or "")
    assert posts(emu) == []


async def test_the_sweep_applies_what_no_event_announced(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    convs = [
        emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
        for _ in range(3)
    ]
    intents = [await aclient.intend(c.id, "Sale") for c in convs]
    w = worker(aclient, store, None, stale_after=60.0, sweep_rate=2.0)
    clock.advance(61)
    emu.clear_requests()
    assert await w.sweep() == 3
    states = [(await final(store, i.id)).state for i in intents]
    assert states == [IntentState.APPLIED] * 3
    assert len(posts(emu)) == 3
    assert sum(len(reads(emu, c.id)) for c in convs) == 3  # one read each
    assert await w.sweep() == 0


async def test_run_stops_taking_work_and_finishes_what_it_holds(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
    intent = await aclient.intend(conv.id, "Sale")
    clock.advance(31)
    events = ListEvents([event(EventKind.USER_END, conv, clock)])
    w = worker(aclient, store, events)
    running = asyncio.create_task(w.run())
    while not events.acked:
        await asyncio.sleep(0)  # yields to the loop; the worker's requests run on threads
        await asyncio.wait({running}, timeout=0.01)
    await w.stop()
    await asyncio.wait_for(running, timeout=30)
    done = await final(store, intent.id)
    assert done.state is IntentState.APPLIED
    assert events.started
    assert events.closed
    assert not w.healthy


async def test_metrics_and_health_are_served_on_loopback(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    import urllib.error
    import urllib.request

    from wrapupkit.fleet import FleetMetrics, MetricsServer

    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
    await aclient.intend(conv.id, "Sale", notes="do not show")
    clock.advance(31)
    metrics = FleetMetrics()
    w = worker(aclient, store, ListEvents(), observers=(metrics,))
    await w.handle(event(EventKind.USER_END, conv, clock))
    await w.handle(Delivery(None, problem="not JSON"))
    healthy = [True]
    server = MetricsServer(metrics, lambda: healthy[0]).start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:  # noqa: S310 - loopback
            text = response.read().decode()
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:  # noqa: S310 - loopback
            assert response.status == 200
        healthy[0] = False
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{server.url}/healthz", timeout=10)  # noqa: S310 - loopback
        assert caught.value.code == 503
        caught.value.close()
    finally:
        server.stop()
    assert 'wrapupkit_intent_transitions_total{state="applied"} 1.0' in text
    assert 'wrapupkit_events_total{kind="user.end"} 1.0' in text
    assert 'wrapupkit_events_ignored_total{reason="malformed"} 1.0' in text
    assert "wrapupkit_event_to_write_seconds_count 1.0" in text
    assert "wrapupkit_requests_total" in text
    assert "do not show" not in text


async def test_the_lease_is_renewed_while_a_slow_write_runs(
    emu: Any, clock: FakeClock, aclient: AsyncWrapupClient, store: AsyncIntentStore, org: dict[str, str]
) -> None:
    """A 2.5 s write under a 1 s lease: renewed every third of it, the holder still finishes it.

    The leases run on the real clock here (the worker's ``clock``); the client's waits stay fake.
    """
    import datetime as dt

    from wrapupkit import SystemClock

    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=30.0)
    intent = await aclient.intend(conv.id, "Sale", expires=dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc))
    clock.advance(31)
    emu.stall_next("POST", r"/wrapup$", 2.5, after_processing=False)
    w = worker(aclient, store, ListEvents(), lease=1.0, clock=SystemClock())
    await w.handle(event(EventKind.USER_END, conv, clock))
    done = await final(store, intent.id)
    assert done.state is IntentState.APPLIED
    assert len(posts(emu, conv.id)) == 1
