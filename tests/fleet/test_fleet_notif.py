"""NotificationEvents against the emulator's real channel and WebSocket: one channel per machine."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from wrapupkit import AsyncWrapupClient, RetryPolicy
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.fleet import Delivery, EventKind
from wrapupkit.fleet._notif import NotificationEvents
from wrapupkit.testing import FakeClock


pytestmark = pytest.mark.asyncio


@pytest.fixture(name="org")
def _org(emu: Emulator) -> dict[str, str]:
    sale = emu.add_code("Sale")
    return {"sale": sale, "queue": emu.add_queue("Support", codes=[sale]), "user": emu.add_user("Ada")}


@pytest_asyncio.fixture(name="client")
async def _client(emu: Emulator, clock: FakeClock) -> AsyncIterator[AsyncWrapupClient]:
    client = await AsyncWrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    )
    yield client
    await client.aclose()


def make_source(client: Any, tmp_path: Path, **options: Any) -> NotificationEvents:
    return NotificationEvents(
        client, lock_dir=tmp_path, reconnect_delay=0.01, max_reconnect_delay=0.05, **options
    )


async def events_until(source: NotificationEvents, predicate: Any, rounds: int = 40) -> list[Delivery]:
    got: list[Delivery] = []
    for _ in range(rounds):
        got += await source.receive(max_messages=50, wait=0.25)
        if predicate(got):
            break
    return got


async def test_queue_topic_events_arrive_as_conversation_events(
    emu: Emulator, client: AsyncWrapupClient, org: dict[str, str], tmp_path: Path, clock: FakeClock
) -> None:
    source = make_source(client, tmp_path, queue_ids=[org["queue"]])
    await source.start()
    try:
        assert source.topics == (f"v2.routing.queues.{org['queue']}.conversations",)
        status = source.channel_status
        assert status["connected"] is True
        assert status["topics"] == frozenset(source.topics)

        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=5)
        clock.advance(6)

        def ended(got: list[Delivery]) -> bool:
            return any(
                p.get("userId") == org["user"]
                and any(c.get("state") == "disconnected" for c in p.get("calls", []))
                for d in got
                if d.event is not None
                for p in d.event.body.get("participants", [])
            )

        got = await events_until(source, ended)
        assert ended(got)
        assert all(d.event is not None and d.receipt is None and d.problem is None for d in got)
        event = got[-1].event
        assert event is not None
        assert (event.kind, event.conversation_id, event.queue_id) == (
            EventKind.CONVERSATION,
            conv.id,
            org["queue"],
        )
        await source.ack(got[-1])  # nothing owed: a no-op
        assert source.counts["received"] >= len(got)
    finally:
        await source.close()
    assert len(emu.notifications.info()) == 1  # one channel, whatever the topics


async def test_a_second_source_on_the_machine_is_refused_until_the_first_closes(
    client: AsyncWrapupClient, org: dict[str, str], tmp_path: Path, emu: Emulator
) -> None:
    first = make_source(client, tmp_path, queue_ids=[org["queue"]])
    second = make_source(client, tmp_path, user_ids=[org["user"]])
    await first.start()
    try:
        with pytest.raises(ConfigurationError, match="one worker process with --concurrency"):
            await second.start()
        assert len(emu.notifications.info()) == 1  # the refused source made no channel
    finally:
        await first.close()
    await second.start()  # the lock is free again
    await second.close()


async def test_a_lock_held_by_another_process_refuses_the_channel(
    client: AsyncWrapupClient, org: dict[str, str], tmp_path: Path, emu: Emulator
) -> None:
    source = make_source(client, tmp_path, queue_ids=[org["queue"]])
    with subprocess.Popen(  # noqa: S603 - our interpreter, fixed code
        [
            sys.executable,
            "-c",
            "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX);"
            " print('held', flush=True); sys.stdin.read()",
            str(source.lock_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            with pytest.raises(ConfigurationError, match=str(source.lock_path)):
                await source.start()
            assert emu.notifications.info() == []
        finally:
            holder.kill()  # SIGKILL: the kernel releases the lock
            holder.wait()
    await source.start()
    await source.close()


async def test_a_source_with_every_topic_rejected_is_a_configuration_error(
    emu: Emulator, client: AsyncWrapupClient, org: dict[str, str], tmp_path: Path
) -> None:
    emu.notifications.require_permissions("v2.routing.queues.{id}.conversations", ["routing:queue:view"])
    emu.add_client("limited", "limited-secret", permissions=["conversation:communication:view"])
    limited = await AsyncWrapupClient.from_credentials(
        "limited", "limited-secret", host=emu.url, retry=RetryPolicy.no_wait()
    )
    try:
        source = make_source(limited, tmp_path, queue_ids=[org["queue"]])
        with pytest.raises(ConfigurationError, match="rejected every notification topic"):
            await source.start()
        with source.lock_path.open("a") as handle:  # the lock was released
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        await limited.aclose()


@pytest.mark.parametrize(
    "options",
    [
        {"queue_ids": "q1"},
        {"queue_ids": ["bad id!"]},
        {"queue_ids": ["a.b"]},
        {"user_ids": [""]},
        {"queue_ids": ["q"], "buffer": 0},
    ],
)
async def test_bad_options_are_configuration_errors(
    client: AsyncWrapupClient, options: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError):
        NotificationEvents(client, **options)


async def test_something_other_than_a_client_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="needs a WrapupClient"):
        NotificationEvents(object(), queue_ids=["q1"])  # type: ignore[arg-type]


async def test_receive_before_start_is_a_configuration_error(
    client: AsyncWrapupClient, org: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationError, match="not started"):
        await NotificationEvents(client, queue_ids=[org["queue"]]).receive(max_messages=1, wait=0)


async def test_without_ids_nothing_is_subscribed_until_a_user_is_watched(
    emu: Emulator, client: AsyncWrapupClient, org: dict[str, str], tmp_path: Path, clock: FakeClock
) -> None:
    source = make_source(client, tmp_path)
    await source.start()
    try:
        assert source.topics == ()
        assert emu.notifications.info() == []  # no topic, no channel
        assert await source.receive(max_messages=10, wait=0) == []

        assert await source.watch(user_id=org["user"]) == "ok"
        assert await source.watch(user_id=org["user"]) == "ok"  # idempotent
        [channel] = emu.notifications.info()
        assert channel["topics"] == [f"v2.users.{org['user']}.conversations"]

        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=5)
        clock.advance(6)
        got = await events_until(source, lambda got: len(got) >= 2)
        assert {d.event.conversation_id for d in got if d.event is not None} == {conv.id}
        assert {d.event.user_id for d in got if d.event is not None} == {org["user"]}

        await source.unwatch(user_id=org["user"])
        [channel] = emu.notifications.info()
        assert channel["topics"] == []
        with pytest.raises(ConfigurationError, match="exactly one"):
            await source.watch(user_id=org["user"], queue_id=org["queue"])
    finally:
        await source.close()


async def test_watch_before_start_is_a_configuration_error(client: AsyncWrapupClient, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not started"):
        await make_source(client, tmp_path).watch(user_id="u1")
