"""The whole fleet path on real servers: the emulator's EventBridge sink -> a moto_server SQS queue ->
the Worker (SQSEvents) -> the emulator, with intents in a real SQLite file or redis-server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqs_helpers import make_queue, queue_depth
from worker_helpers import final, posts

from wrapupkit import AsyncWrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.fleet import Worker
from wrapupkit.fleet._sqs import SQSEvents
from wrapupkit.intents import IntentState
from wrapupkit.testing import FakeClock


# isort: off
from worker_helpers import _aclient, _org, _store, redis_url, store_url  # noqa: F401 - fixtures
# isort: on

pytestmark = pytest.mark.asyncio


@pytest.fixture(name="queue_url")
def _queue_url(sqs: Any) -> str:
    return make_queue(sqs, VisibilityTimeout="30")


@pytest.fixture(name="emu")
def _emu_eb(queue_url: str, clock: FakeClock) -> Iterator[Emulator]:
    """This module's emulator sends its events to the SQS queue (the helpers' fixtures use it)."""
    with Emulator(clock=clock, eventbridge_sqs=queue_url) as emu:
        yield emu


@pytest.fixture(name="fleet")
def _fleet(
    emu: Emulator, aclient: AsyncWrapupClient, store: Any, org: dict[str, str], queue_url: str
) -> SimpleNamespace:
    """Everything one test of the whole path uses."""
    return SimpleNamespace(
        emu=emu, clock=emu.clock, aclient=aclient, store=store, org=org, queue_url=queue_url
    )


async def pump(worker: Worker, source: SQSEvents, store: Any, ids: list[str], *, rounds: int = 40) -> None:
    """Receive and handle (the worker's own steps) until every intent in *ids* is final, or a
    receive comes back empty."""
    for _ in range(rounds):
        deliveries = await source.receive(max_messages=10, wait=1)
        for delivery in deliveries:
            await worker.handle(delivery)
        states = [(await final(store, i)).final for i in ids]
        if (ids and all(states)) or not deliveries:
            return


async def test_intents_are_applied_exactly_once_when_calls_end(fleet: SimpleNamespace, sqs: Any) -> None:
    emu_eb, clock, aclient, store, org, queue_url = (
        fleet.emu,
        fleet.clock,
        fleet.aclient,
        fleet.store,
        fleet.org,
        fleet.queue_url,
    )
    convs = [
        emu_eb.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=10.0 * (i + 1))
        for i in range(5)
    ]
    intents = [await aclient.intend(c.id, "Sale", notes="private") for c in convs]
    assert {i.state for i in intents} == {IntentState.PENDING}
    source = SQSEvents(queue_url, wait=1, visibility=30)
    await source.start()
    worker = Worker(aclient, store, source, sweep_every=None)
    try:
        clock.advance(60)  # every call ends; the emulator sends user.end through the sink
        assert emu_eb.eventbridge is not None
        assert emu_eb.eventbridge.flush()
        await pump(worker, source, store, [i.id for i in intents])
        assert emu_eb.eventbridge.flush()  # the .acw our writes caused
        await pump(worker, source, store, [], rounds=3)
    finally:
        await source.close()
    assert [(await final(store, i.id)).state for i in intents] == [IntentState.APPLIED] * 5
    assert [len(posts(emu_eb, c.id)) for c in convs] == [1] * 5
    assert worker.stats.events["user.end"] == 5
    assert worker.stats.ignored_events["no intent"] == 5  # the .acw of our own writes, after the fact
    assert queue_depth(sqs, queue_url) == 0


async def test_the_agents_own_code_arrives_as_acw_and_closes_the_intent_as_already(
    fleet: SimpleNamespace,
) -> None:
    emu_eb, clock, aclient, store, org, queue_url = (
        fleet.emu,
        fleet.clock,
        fleet.aclient,
        fleet.store,
        fleet.org,
        fleet.queue_url,
    )
    conv = emu_eb.add_conversation(
        user_id=org["user"], queue_id=org["queue"], disconnect_after=10.0, ui_wrapup=(0.0, org["No Sale"])
    )
    intent = await aclient.intend(conv.id, "Sale", user_id=org["user"])
    source = SQSEvents(queue_url, wait=1, visibility=30)
    await source.start()
    worker = Worker(aclient, store, source, sweep_every=None)
    try:
        clock.advance(20)
        assert emu_eb.eventbridge is not None
        assert emu_eb.eventbridge.flush()
        await pump(worker, source, store, [intent.id])
    finally:
        await source.close()
    done = await final(store, intent.id)
    assert done.state is IntentState.ALREADY
    assert done.applied_code_name == "No Sale"
    assert posts(emu_eb) == []


async def test_malformed_messages_on_the_queue_never_crash_the_worker(
    emu: Emulator, aclient: AsyncWrapupClient, store: Any, queue_url: str, sqs: Any
) -> None:
    for body in ("not json", '{"detail-type": "x"}', '{"detail": {"topicName": "v2.nope", "eventBody": 3}}'):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    source = SQSEvents(queue_url, wait=1, visibility=30)
    await source.start()
    worker = Worker(aclient, store, source, sweep_every=None)
    running = asyncio.create_task(worker.run())
    try:
        for _ in range(100):
            if sum(worker.stats.ignored_events.values()) >= 3:
                break
            await asyncio.wait({running}, timeout=0.1)
        assert not running.done()
        assert worker.healthy
    finally:
        await worker.stop()
        await asyncio.wait_for(running, timeout=30)
    assert sum(worker.stats.ignored_events.values()) == 3
    assert queue_depth(sqs, queue_url) == 0
