"""Notifications with AsyncWrapupClient: the asyncio WebSocket, against the emulator's real socket.

The same strategy object and listening logic as the sync client (one channel and socket per
client, fallback to polling, heartbeat watch, reconnect, re-subscribe); the socket is read by a
task on the event loop, so no thread is started for it and a pending wait holds none.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from wrapupkit import AsyncWrapupClient, Notifications, RetryPolicy, WrapupResult
from wrapupkit.exceptions import Forbidden
from wrapupkit.testing import FakeClock


pytestmark = pytest.mark.asyncio

CONV_GET = r"^/api/v2/conversations/[^/]+$"
USER_TOPIC = "v2.users.{}.conversations"
PERMISSION = "analytics:conversationDetail:view"


async def until(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    """Wait (really, without blocking the loop) until *predicate* holds; False on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


@pytest.fixture(autouse=True)
def _no_reader_threads() -> Iterator[None]:
    yield
    assert not [t for t in threading.enumerate() if t.name == "wrapupkit-notifications"]


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    ids = {"Sale": emu.add_code("Sale")}
    ids["queue"] = emu.add_queue("Support", codes=[ids["Sale"]])
    ids["user"] = emu.add_user("Ada")
    return ids


def make_strategy(**options: Any) -> Notifications:
    return Notifications(reconnect_delay=0.01, max_reconnect_delay=0.05, **options)


async def make_client(
    emu: Any, clock: FakeClock, strategy: Notifications, **options: Any
) -> AsyncWrapupClient:
    return await AsyncWrapupClient.from_credentials(
        options.pop("client_id", emu.client_id),
        options.pop("client_secret", emu.client_secret),
        host=emu.url,
        clock=clock,
        retry=RetryPolicy.no_wait(),
        readiness=strategy,
        **options,
    )


@pytest.fixture(name="strategy")
def _strategy() -> Iterator[Notifications]:
    with make_strategy() as strategy:
        yield strategy


@pytest_asyncio.fixture(name="client")
async def _client(emu: Any, clock: FakeClock, strategy: Notifications) -> AsyncIterator[AsyncWrapupClient]:
    async with await make_client(emu, clock, strategy) as client:
        yield client


def count(emu: Any, method: str, path: str) -> int:
    return len(emu.requests_matching(method=method, path=path))


def start(client: AsyncWrapupClient, *args: Any, **kwargs: Any) -> asyncio.Task[WrapupResult]:
    return asyncio.create_task(client.apply_wrapup(*args, **kwargs))


async def test_event_makes_the_wait_ready_without_reading_again(
    emu: Any, client: AsyncWrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = start(client, conv.id, "Sale", user_id=org["user"])
    assert await until(lambda: strategy.status(client).waiting == 1)
    emu.disconnect(conv.id)
    result = await job
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    assert (result.communication_id, count(emu, "GET", CONV_GET)) == (conv.agent_communication_id, 1)
    assert count(emu, "POST", r"/wrapup$") == 1
    status = strategy.status(client)
    assert (status.connections, status.channels_created, status.waiting) == (1, 1, 0)


async def test_many_waits_share_one_socket_and_hold_no_thread(
    emu: Any, client: AsyncWrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """Sixty pending waits for three queues: one channel, one socket, a bounded number of threads."""
    before = threading.active_count()
    users = [org["user"], emu.add_user("Bo"), emu.add_user("Cy")]
    convs = [
        (u, emu.add_conversation(user_id=u, queue_id=org["queue"], disconnect_after=None))
        for u in users
        for _ in range(20)
    ]
    jobs = [start(client, conv.id, "Sale", user_id=u) for u, conv in convs]
    assert await until(lambda: strategy.status(client).waiting == 60)
    assert threading.active_count() - before < 30
    assert strategy.status(client).active_topics == {USER_TOPIC.format(u) for u in users}
    for _, conv in convs:
        emu.disconnect(conv.id)
    results = await asyncio.gather(*jobs)
    assert [r.already_applied for r in results] == [False] * 60
    assert count(emu, "POST", r"/notifications/channels$") == 1
    assert emu.notifications.connections == 1
    assert count(emu, "GET", CONV_GET) == 60


async def test_cancelling_ends_the_wait_at_once_and_releases_the_topic(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """A cancelled call stops waiting, gives its topic back (linger=0: unsubscribed), writes nothing;
    the same call made again later applies the code once."""
    with make_strategy(linger=0) as strategy:
        async with await make_client(emu, clock, strategy) as client:
            conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
            job = start(client, conv.id, "Sale", user_id=org["user"], timeout=86400)
            assert await until(lambda: strategy.status(client).waiting == 1)
            job.cancel()
            with pytest.raises(asyncio.CancelledError):
                await job
            status = strategy.status(client)
            assert (status.waiting, status.active_topics) == (0, frozenset())
            assert await until(lambda: emu.notifications.info()[0]["topics"] == [])
            assert emu.wrapup(conv.id) is None
            emu.disconnect(conv.id)
            result = await client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
            assert (result.already_applied, emu.wrapup_writes(conv.id)) == (False, 1)
            again = await client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
            assert (again.already_applied, emu.wrapup_writes(conv.id)) == (True, 1)


async def test_a_dropped_socket_falls_back_to_polling_then_reconnects(
    emu: Any, clock: FakeClock, client: AsyncWrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = start(client, conv.id, "Sale", user_id=org["user"], timeout=86400)
    assert await until(lambda: strategy.status(client).waiting == 1)
    emu.notifications.refuse_connections()
    emu.notifications.drop()
    assert await until(lambda: count(emu, "GET", CONV_GET) >= 2)  # an immediate check after the drop
    assert not strategy.status(client).connected
    assert await until(lambda: clock.advance(0.5) or count(emu, "GET", CONV_GET) >= 4)  # Polling's pace
    emu.notifications.accept_connections()
    assert await until(lambda: strategy.status(client).connected and strategy.status(client).waiting == 1)
    gets = count(emu, "GET", CONV_GET)
    emu.disconnect(conv.id)
    await job
    assert count(emu, "GET", CONV_GET) == gets
    status = strategy.status(client)
    assert (status.connections, status.channels_created) == (2, 1)
    assert status.reconnects >= 1


async def test_a_silent_socket_is_replaced(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    emu.notifications.heartbeat_interval = 0.05
    with make_strategy(heartbeat_timeout=0.5) as strategy:
        async with await make_client(emu, clock, strategy) as client:
            conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
            job = start(client, conv.id, "Sale", user_id=org["user"])
            assert await until(
                lambda: strategy.status(client).waiting == 1 and strategy.status(client).heartbeats > 0
            )
            emu.notifications.silence()
            assert await until(
                lambda: strategy.status(client).connections >= 2 and strategy.status(client).waiting == 1
            )
            emu.disconnect(conv.id)
            await job
            assert emu.wrapup(conv.id)["code"] == org["Sale"]


async def test_socket_closing_makes_the_client_reconnect(
    emu: Any, client: AsyncWrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = start(client, conv.id, "Sale", user_id=org["user"])
    assert await until(lambda: strategy.status(client).waiting == 1)
    assert emu.notifications.socket_closing() == 1
    assert await until(
        lambda: strategy.status(client).connections == 2 and strategy.status(client).waiting == 1
    )
    emu.disconnect(conv.id)
    await job
    assert strategy.status(client).channels_created == 1


async def test_an_expired_channel_is_replaced_and_resubscribed(
    emu: Any, clock: FakeClock, client: AsyncWrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = start(client, conv.id, "Sale", user_id=org["user"], timeout=3 * 86400)
    assert await until(lambda: strategy.status(client).waiting == 1)
    old = strategy.status(client).channel_id
    clock.advance(25 * 3600)
    assert await until(
        lambda: strategy.status(client).channels_created == 2 and strategy.status(client).waiting == 1
    )
    [channel] = emu.notifications.info()
    assert (channel["id"] != old, channel["topics"]) == (True, [USER_TOPIC.format(org["user"])])
    emu.disconnect(conv.id)
    await job
    assert emu.wrapup(conv.id)["code"] == org["Sale"]


async def test_the_queue_topic(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    with make_strategy(topic="queue") as strategy:
        async with await make_client(emu, clock, strategy) as client:
            conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
            job = start(client, conv.id, "Sale")
            assert await until(lambda: strategy.status(client).waiting == 1)
            assert emu.notifications.info()[0]["topics"] == [
                f"v2.routing.queues.{org['queue']}.conversations"
            ]
            emu.disconnect(conv.id)
            assert (await job).queue_id == org["queue"]


async def test_a_rejected_topic_can_raise(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    emu.notifications.require_permissions("v2.users.{id}.conversations", [PERMISSION])
    perms = ["conversation:communication:view", "conversation:participant:wrapup", "routing:queue:view"]
    emu.add_client("limited", "limited-secret", permissions=perms)
    with make_strategy(on_topic_rejected="raise") as strategy:
        async with await make_client(
            emu, clock, strategy, client_id="limited", client_secret="limited-secret"
        ) as client:
            conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
            with pytest.raises(Forbidden) as caught:
                await client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
            assert caught.value.missing_permissions == (PERMISSION,)
            assert count(emu, "POST", r"/wrapup$") == 0


async def test_aclose_ends_the_reader_task_and_the_socket(
    emu: Any, clock: FakeClock, strategy: Notifications, org: dict[str, str]
) -> None:
    client = await make_client(emu, clock, strategy)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    await client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    assert strategy.status(client).connected
    readers = [t for t in asyncio.all_tasks() if "_run_async" in repr(t.get_coro())]
    assert len(readers) == 1
    await client.aclose()
    assert readers[0].done()
    assert strategy.status(client) == type(strategy.status(client))()
    assert await until(lambda: not emu.notifications.info()[0]["connected"])
