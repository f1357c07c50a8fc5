"""The Notifications strategy end to end: the SDK over HTTP and a real WebSocket against the emulator.

Timelines run on a FakeClock; waits for socket events are condition waits with a timeout.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wrapupkit import Notifications, RetryPolicy, WrapupClient, WrapupResult
from wrapupkit.exceptions import ConfigurationError, Forbidden
from wrapupkit.testing import FakeClock


HOUR = 3600.0
PERMISSION = "analytics:conversationDetail:view"  # what the emulator is told the user topic needs


def until(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    """Wait (really) until *predicate* holds; False on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.005)
    return True


class Apply:
    """apply_wrapup() in a background thread."""

    def __init__(self, client: WrapupClient, *args: Any, **kwargs: Any) -> None:
        self.outcome: WrapupResult | BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(client, args, kwargs), daemon=True)
        self.thread.start()

    def _run(self, client: WrapupClient, args: Any, kwargs: Any) -> None:
        try:
            self.outcome = client.apply_wrapup(*args, **kwargs)
        except BaseException as exc:  # handed to the test thread
            self.outcome = exc

    def result(self, timeout: float = 10.0) -> WrapupResult:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "apply_wrapup did not finish"
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


@pytest.fixture(autouse=True)
def _no_thread_leaks() -> Iterator[None]:
    yield
    for thread in [t for t in threading.enumerate() if t.name == "wrapupkit-notifications"]:
        thread.join(5)  # a reader stops within its slice once its channel is closed
        assert not thread.is_alive()


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    ids = {"Sale": emu.add_code("Sale")}
    ids["queue"] = emu.add_queue("Support", codes=[ids["Sale"]])
    ids["user"] = emu.add_user("Ada")
    return ids


def make_strategy(**options: Any) -> Notifications:
    return Notifications(reconnect_delay=0.01, max_reconnect_delay=0.05, **options)


@pytest.fixture(name="strategy")
def _strategy() -> Iterator[Notifications]:
    with make_strategy() as strategy:
        yield strategy


def make_client(emu: Any, clock: FakeClock, strategy: Notifications, **options: Any) -> WrapupClient:
    return WrapupClient.from_credentials(
        options.pop("client_id", emu.client_id),
        options.pop("client_secret", emu.client_secret),
        host=emu.url,
        clock=clock,
        retry=RetryPolicy.no_wait(),
        readiness=strategy,
        **options,
    )


@pytest.fixture(name="client")
def _client(emu: Any, clock: FakeClock, strategy: Notifications) -> WrapupClient:
    return make_client(emu, clock, strategy)


def count(emu: Any, method: str, path: str) -> int:
    return len(emu.requests_matching(method=method, path=path))


CONV_GET = r"^/api/v2/conversations/[^/]+$"
SUBS = r"/subscriptions$"
WRAPUP_POST = r"/wrapup$"
USER_TOPIC = "v2.users.{}.conversations"


def test_event_makes_the_wait_ready_without_reading_again(
    emu: Any, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """The wait is ready on the event: one GET after subscribing, none while waiting, one POST."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = Apply(client, conv.id, "Sale", user_id=org["user"])
    assert strategy.wait_for(client, lambda s: s.waiting == 1)
    emu.disconnect(conv.id)
    result = job.result()
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    assert (result.communication_id, count(emu, "GET", CONV_GET)) == (conv.agent_communication_id, 1)
    assert count(emu, "POST", WRAPUP_POST) == 1
    status = strategy.status(client)
    assert (status.connections, status.channels_created, status.waiting) == (1, 1, 0)


def test_the_state_is_read_once_after_subscribing(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """A conversation ready before any subscription is found by the one GET made after subscribing."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    order = [r.path for r in emu.requests if r.path.endswith("/subscriptions") or r.path.endswith(conv.id)]
    channel_id = emu.notifications.info()[0]["id"]
    assert order == [
        f"/api/v2/notifications/channels/{channel_id}/subscriptions",
        f"/api/v2/conversations/{conv.id}",
    ]
    assert emu.wrapup(conv.id)["code"] == org["Sale"]


def test_an_event_that_arrived_before_the_wait_costs_one_request(
    emu: Any, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """With the agent's topic subscribed, a wrap-up whose event already arrived is a single POST."""
    first = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(first.id, "Sale", user_id=org["user"])
    seen = strategy.status(client).events
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    emu.disconnect(conv.id)
    assert strategy.wait_for(client, lambda s: s.events >= seen + 2)
    emu.clear_requests()
    result = client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in emu.requests] == [("POST", "wrapup")]
    assert (result.requests, result.participant_id) == (1, conv.agent_participant_id)


def test_many_concurrent_waits_share_one_channel_and_one_socket(
    emu: Any, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """Twelve waits for four agents: one channel, one socket, every one ready on its event."""
    users = [org["user"], *(emu.add_user(f"Agent {n}") for n in range(3))]
    convs = [
        (user, emu.add_conversation(user_id=user, queue_id=org["queue"], disconnect_after=None))
        for user in users
        for _ in range(3)
    ]
    jobs = [Apply(client, conv.id, "Sale", user_id=user) for user, conv in convs]
    assert strategy.wait_for(client, lambda s: s.waiting == 12)
    assert strategy.status(client).active_topics == {USER_TOPIC.format(u) for u in users}
    for _, conv in convs:
        emu.disconnect(conv.id)
    assert all(job.result().already_applied is False for job in jobs)
    assert [emu.wrapup(conv.id)["code"] for _, conv in convs] == [org["Sale"]] * 12
    assert count(emu, "POST", r"/notifications/channels$") == 1
    assert emu.notifications.connections == 1
    assert count(emu, "GET", CONV_GET) == 12
    assert 1 <= len(emu.requests_matching(path=SUBS)) <= 4


def test_topics_are_dropped_when_waits_end_without_linger(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """With linger=0 the topic is unsubscribed as soon as the wait ends."""
    with make_strategy(linger=0) as strategy:
        client = make_client(emu, clock, strategy)
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
        client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
        [channel] = emu.notifications.info()
        assert channel["topics"] == []
        assert count(emu, "PUT", SUBS) == 1


def test_an_unused_topic_lingers_then_goes(
    emu: Any, clock: FakeClock, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """The agent's topic stays for the next wrap-up, and is removed once idle past linger."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    assert emu.notifications.info()[0]["topics"] == [USER_TOPIC.format(org["user"])]
    puts = count(emu, "PUT", SUBS)
    clock.advance(301)
    assert emu.wait_for_requests("PUT", SUBS, count=puts + 1)  # the idle topic goes in one PUT
    assert emu.notifications.info()[0]["topics"] == []
    assert strategy.wait_for(client, lambda s: s.topics == frozenset())


def test_a_dropped_socket_falls_back_to_polling_then_reconnects(
    emu: Any, clock: FakeClock, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """While the socket is down the wait polls; once it is back the wait is ready on an event."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = Apply(client, conv.id, "Sale", user_id=org["user"], timeout=86400)
    assert strategy.wait_for(client, lambda s: s.waiting == 1)
    emu.notifications.refuse_connections()
    emu.notifications.drop()
    assert emu.wait_for_requests("GET", CONV_GET, count=2)  # an immediate check after the drop
    assert not strategy.status(client).connected
    # then Polling's pace, on the (fake) clock, while the socket stays down
    assert until(lambda: clock.advance(0.5) or count(emu, "GET", CONV_GET) >= 4)
    assert strategy.status(client).waiting == 0
    emu.notifications.accept_connections()
    assert strategy.wait_for(client, lambda s: s.connected and s.waiting == 1)
    gets = count(emu, "GET", CONV_GET)
    emu.disconnect(conv.id)
    job.result()
    assert count(emu, "GET", CONV_GET) == gets
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    status = strategy.status(client)
    assert (status.connections, status.channels_created) == (2, 1)
    assert status.reconnects >= 1


def test_a_silent_socket_is_replaced(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """No heartbeat within heartbeat_timeout: the socket is replaced and the wait goes on."""
    emu.notifications.heartbeat_interval = 0.05
    with make_strategy(heartbeat_timeout=0.5) as strategy:
        client = make_client(emu, clock, strategy)
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
        job = Apply(client, conv.id, "Sale", user_id=org["user"])
        assert strategy.wait_for(client, lambda s: s.waiting == 1 and s.heartbeats > 0)
        emu.notifications.silence()
        assert strategy.wait_for(client, lambda s: s.connections >= 2 and s.waiting == 1)
        emu.disconnect(conv.id)
        job.result()
        assert emu.wrapup(conv.id)["code"] == org["Sale"]
        assert strategy.status(client).reconnects >= 1


def test_socket_closing_makes_the_client_reconnect(
    emu: Any, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """v2.system.socket_closing: a new socket on the same channel, a re-check, then the event."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = Apply(client, conv.id, "Sale", user_id=org["user"])
    assert strategy.wait_for(client, lambda s: s.waiting == 1)
    assert emu.notifications.socket_closing() == 1
    assert strategy.wait_for(client, lambda s: s.connections == 2 and s.waiting == 1)
    emu.disconnect(conv.id)
    job.result()
    assert count(emu, "GET", CONV_GET) >= 2
    assert strategy.status(client).channels_created == 1
    assert emu.wrapup(conv.id)["code"] == org["Sale"]


def test_heartbeats_are_watched(
    emu: Any, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """channel.metadata heartbeats are counted on the client's channel."""
    emu.notifications.heartbeat_interval = None
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    before = strategy.status(client).heartbeats
    assert emu.notifications.heartbeat() == 1
    assert strategy.wait_for(client, lambda s: s.heartbeats == before + 1)


def test_the_channel_is_renewed_before_it_expires(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """Within renew_before of the 24 h, the topics are re-subscribed and the channel lives on."""
    with make_strategy(linger=2 * 86400) as strategy:
        client = make_client(emu, clock, strategy)
        first = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
        client.apply_wrapup(first.id, "Sale", user_id=org["user"])
        [before] = emu.notifications.info()
        clock.advance(23.5 * HOUR)
        assert emu.wait_for_requests("PUT", SUBS, count=1)
        assert count(emu, "PUT", SUBS) == 1
        clock.advance(HOUR)  # past the first expiry
        [after] = emu.notifications.info()
        assert (after["id"], after["connected"], after["topics"]) == (before["id"], True, before["topics"])
        assert after["expires"] > before["expires"]
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
        job = Apply(client, conv.id, "Sale", user_id=org["user"])
        assert strategy.wait_for(client, lambda s: s.waiting == 1)
        emu.disconnect(conv.id)
        job.result()
        assert (emu.notifications.connections, strategy.status(client).channels_created) == (1, 1)


def test_an_expired_channel_is_replaced_and_resubscribed(
    emu: Any, clock: FakeClock, client: WrapupClient, strategy: Notifications, org: dict[str, str]
) -> None:
    """A channel that expired mid-wait is recreated, its topics subscribed again, and the event arrives."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = Apply(client, conv.id, "Sale", user_id=org["user"], timeout=3 * 86400)
    assert strategy.wait_for(client, lambda s: s.waiting == 1)
    old = strategy.status(client).channel_id
    clock.advance(25 * HOUR)
    assert strategy.wait_for(client, lambda s: s.channels_created == 2 and s.connected and s.waiting == 1)
    [channel] = emu.notifications.info()
    assert channel["id"] != old
    assert channel["topics"] == [USER_TOPIC.format(org["user"])]
    emu.disconnect(conv.id)
    job.result()
    assert emu.wrapup(conv.id)["code"] == org["Sale"]


def limited_client(emu: Any, clock: FakeClock, strategy: Notifications) -> WrapupClient:
    """A client whose role lacks the permission the emulator requires for the user topic."""
    emu.notifications.require_permissions("v2.users.{id}.conversations", [PERMISSION])
    perms = ["conversation:communication:view", "conversation:participant:wrapup", "routing:queue:view"]
    emu.add_client("limited", "limited-secret", permissions=perms)
    return make_client(emu, clock, strategy, client_id="limited", client_secret="limited-secret")


def test_a_rejected_topic_falls_back_to_polling(
    emu: Any, clock: FakeClock, strategy: Notifications, org: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A topic refused for a missing permission is logged and the wait polls instead."""
    client = limited_client(emu, clock, strategy)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=3)
    with caplog.at_level(logging.WARNING, logger="wrapupkit"):
        client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    topic = USER_TOPIC.format(org["user"])
    assert strategy.status(client).rejected_topics == {topic: (PERMISSION,)}
    assert any(topic in r.getMessage() and PERMISSION in r.getMessage() for r in caplog.records)
    assert count(emu, "GET", CONV_GET) >= 2
    assert emu.wrapup(conv.id)["code"] == org["Sale"]


def test_a_rejected_topic_can_raise(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """on_topic_rejected="raise": the call fails with Forbidden naming the permission; nothing is written."""
    with make_strategy(on_topic_rejected="raise") as strategy:
        client = limited_client(emu, clock, strategy)
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
        with pytest.raises(Forbidden) as caught:
            client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
        assert caught.value.missing_permissions == (PERMISSION,)
        assert count(emu, "POST", WRAPUP_POST) == 0


def test_a_lost_event_is_caught_by_the_resync_read(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """When the event never comes, the wait reads the conversation after resync_interval."""
    with make_strategy(resync_interval=5) as strategy:
        client = make_client(emu, clock, strategy)
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
        job = Apply(client, conv.id, "Sale", user_id=org["user"])
        assert strategy.wait_for(client, lambda s: s.waiting == 1)
        emu.notifications.hold_events()
        emu.disconnect(conv.id)
        clock.advance(5)
        job.result()
        assert count(emu, "GET", CONV_GET) == 2
        assert emu.notifications.release_events() >= 1
        assert emu.wrapup(conv.id)["code"] == org["Sale"]


def test_the_queue_topic(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """topic="queue" subscribes to the participant's queue and is ready on its event."""
    with make_strategy(topic="queue") as strategy:
        client = make_client(emu, clock, strategy)
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
        job = Apply(client, conv.id, "Sale")
        assert strategy.wait_for(client, lambda s: s.waiting == 1)
        assert emu.notifications.info()[0]["topics"] == [f"v2.routing.queues.{org['queue']}.conversations"]
        emu.disconnect(conv.id)
        assert job.result().queue_id == org["queue"]


def test_close_ends_the_threads_and_a_blocked_wait_polls_on(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """close() stops the socket thread; a wait blocked on an event carries on by polling."""
    strategy = make_strategy()
    client = make_client(emu, clock, strategy)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    job = Apply(client, conv.id, "Sale", user_id=org["user"], timeout=86400)
    assert strategy.wait_for(client, lambda s: s.waiting == 1)
    strategy.close()
    assert not [t for t in threading.enumerate() if t.name == "wrapupkit-notifications"]
    assert emu.wait_for_requests("GET", CONV_GET, count=3)  # polling now, on the fake clock
    emu.disconnect(conv.id)
    job.result()
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    assert strategy.status(client) == type(strategy.status(client))()


def test_options_are_checked() -> None:
    """Nonsense options are refused before anything connects."""
    with pytest.raises(ConfigurationError):
        Notifications(topic="team")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Notifications(max_topics=1001)
    with pytest.raises(ConfigurationError):
        Notifications(heartbeat_timeout=0)
    assert "topic='user'" in repr(Notifications())


SCRIPT = """
import sys
sys.modules["websockets"] = None  # as if not installed
import wrapupkit
from wrapupkit import Notifications
heavy = ("PureCloudPlatformClientV2", "websockets")
light = not any(m.startswith(heavy) and sys.modules[m] for m in sys.modules)
from wrapupkit import RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.testing import FakeClock
clock = FakeClock()
with Emulator(clock=clock) as emu:
    user = emu.add_user("Ada")
    conv = emu.add_conversation(user_id=user)
    client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock,
                                           retry=RetryPolicy.no_wait(), readiness=Notifications())
    try:
        client.apply_wrapup(conv.id, "x", user_id=user)
    except ConfigurationError as exc:
        print(json.dumps({"light": light, "error": str(exc)}))
"""


def test_without_websockets_the_error_names_the_extra() -> None:
    """Importing costs neither the SDK nor websockets; using it without websockets says what to install."""
    code = "import json\n" + SCRIPT
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["light"] is True
    assert "wrapupkit[notifications]" in report["error"]
