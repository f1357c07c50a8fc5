"""The emulator's notification service: channels and subscriptions through the SDK, events over a WebSocket.

Event bodies are checked against the SDK 269 event models: every key is in the model's
attribute_map, and deserialising yields no ``outdated_sdk_version``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from contract_helpers import assert_contract
from emulator_helpers import Org, client_with_token, error_of, raw_request
from PureCloudPlatformClientV2.rest import ApiException
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


MEDIA = ["call", "callback", "email", "message", "social", "video", "cobrowsesession", "screenshare", "chat"]


def topic(items: list[str]) -> list[Any]:
    out = []
    for name in items:
        t = sdk.ChannelTopic()
        t.id = name
        out.append(t)
    return out


@pytest.fixture(name="notifications")
def _notifications(api: Any) -> Any:
    return sdk.NotificationsApi(api)


@contextmanager
def socket(uri: str) -> Iterator[ClientConnection]:
    with connect(uri, proxy=None, open_timeout=5, close_timeout=1) as ws:
        yield ws


def frame(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return message


def test_a_channel_has_a_websocket_uri_and_lives_24_hours(
    emulator: Emulator, notifications: Any, fake_clock: FakeClock
) -> None:
    """POST channels: an id, ws://127.0.0.1:PORT/channels/{id}, and an expiry 24 h away."""
    channel = notifications.post_notifications_channels()
    assert channel.connect_uri.startswith("ws://127.0.0.1:")
    assert channel.connect_uri.endswith(f"/channels/{channel.id}")
    assert channel.expires == dt.datetime.fromtimestamp(fake_clock.time() + 86400, tz=dt.timezone.utc)
    listed = notifications.get_notifications_channels()
    assert [c.id for c in listed.entities] == [channel.id]


def test_subscriptions_put_post_get_delete(emulator: Emulator, notifications: Any, org: Org) -> None:
    """PUT replaces, POST adds, GET lists and DELETE clears a channel's topics."""
    cid = notifications.post_notifications_channels().id
    user_topic = f"v2.users.{org.user}.conversations"
    queue_topic = f"v2.routing.queues.{org.queue}.conversations"
    put = notifications.put_notifications_channel_subscriptions(cid, topic([user_topic]))
    assert [(e.id, e.state) for e in put.entities] == [(user_topic, "Permitted")]
    notifications.post_notifications_channel_subscriptions(cid, topic([queue_topic]))
    listed = notifications.get_notifications_channel_subscriptions(cid)
    assert [e.id for e in listed.entities] == [user_topic, queue_topic]
    notifications.delete_notifications_channel_subscriptions(cid)
    assert notifications.get_notifications_channel_subscriptions(cid).entities == []


def test_an_invalid_topic_is_400_or_rejected(emulator: Emulator, notifications: Any) -> None:
    """A topic the service does not know is a 400, or a Rejected entity with ignoreErrors."""
    cid = notifications.post_notifications_channels().id
    with pytest.raises(ApiException) as caught:
        notifications.put_notifications_channel_subscriptions(cid, topic(["v2.conversations.x"]))
    assert (caught.value.status, error_of(caught)["code"]) == (400, "bad.request")
    listing = notifications.put_notifications_channel_subscriptions(
        cid, topic(["v2.conversations.x"]), ignore_errors=True
    )
    assert [(e.state, e.rejection_reason) for e in listing.entities] == [("Rejected", "Invalid topic")]


def test_a_topic_needing_a_missing_permission(emulator: Emulator, org: Org) -> None:
    """A required permission the token lacks: 403 naming it, or Rejected with missingPermissions."""
    emulator.notifications.require_permissions(
        "v2.users.{id}.conversations", ["analytics:conversationDetail:view"]
    )
    api = sdk.NotificationsApi(client_with_token(emulator, emulator.issue_token(permissions=["x:y:z"])))
    cid = api.post_notifications_channels().id
    wanted = topic([f"v2.users.{org.user}.conversations"])
    with pytest.raises(ApiException) as caught:
        api.put_notifications_channel_subscriptions(cid, wanted)
    assert (caught.value.status, error_of(caught)["code"]) == (403, "missing.any.permissions")
    [entity] = api.put_notifications_channel_subscriptions(cid, wanted, ignore_errors=True).entities
    assert (entity.state, entity.missing_permissions) == ("Rejected", ["analytics:conversationDetail:view"])


def test_more_topics_than_the_limit_is_400(emulator: Emulator, notifications: Any) -> None:
    """Beyond max_topics (1,000 in Genesys; 3 here) the request is refused and nothing changes."""
    emulator.notifications.max_topics = 3
    cid = notifications.post_notifications_channels().id
    notifications.put_notifications_channel_subscriptions(
        cid, topic([f"v2.users.u{n}.conversations" for n in range(3)])
    )
    with pytest.raises(ApiException) as caught:
        notifications.post_notifications_channel_subscriptions(cid, topic(["v2.users.u9.conversations"]))
    assert caught.value.status == 400
    assert len(notifications.get_notifications_channel_subscriptions(cid).entities) == 3


def test_a_21st_channel_evicts_an_unconnected_one_first(emulator: Emulator, notifications: Any) -> None:
    """At the per-client limit a new channel removes the least recently used unconnected channel."""
    first = notifications.post_notifications_channels()
    with socket(first.connect_uri):
        others = [notifications.post_notifications_channels().id for _ in range(19)]
        notifications.post_notifications_channels()
        ids = {c["id"] for c in emulator.notifications.info()}
    assert len(ids) == 20
    assert first.id in ids
    assert others[0] not in ids


def test_events_follow_the_timeline_and_match_the_sdk_event_models(
    emulator: Emulator, notifications: Any, org: Org, fake_clock: FakeClock
) -> None:
    """Every media, every phase: user- and queue-topic events deserialise cleanly with the SDK models."""
    channel = notifications.post_notifications_channels()
    user_topic = f"v2.users.{org.user}.conversations"
    queue_topic = f"v2.routing.queues.{org.queue}.conversations"
    notifications.put_notifications_channel_subscriptions(channel.id, topic([user_topic, queue_topic]))
    models = {
        user_topic: "ConversationEventTopicConversation",
        queue_topic: "QueueConversationEventTopicConversation",
    }
    with socket(channel.connect_uri) as ws:
        for media in MEDIA:
            conv = emulator.add_conversation(
                user_id=org.user, queue_id=org.queue, media=media, acw_delay=1, disconnect_after=None
            )
            emulator.disconnect(conv.id)
            emulator.advance(1)
            emulator.apply_ui_wrapup(conv.id, org.codes["Sale"])
        events = [frame(ws) for _ in range(len(MEDIA) * 2 * 4)]
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.1)
    assert {e["topicName"] for e in events} == {user_topic, queue_topic}
    for event in events:
        assert set(event) == {"topicName", "version", "eventBody", "metadata"}
        assert_contract(json.dumps(event["eventBody"]), models[event["topicName"]])
    states = [
        (p["calls"][0]["state"], (p["calls"][0].get("afterCallWork") or {}).get("state"))
        for e in events[:8]
        if e["topicName"] == user_topic
        for p in e["eventBody"]["participants"]
        if p["purpose"] == "agent"
    ]
    assert states == [
        ("connected", None),
        ("disconnected", "unknown"),
        ("disconnected", "pending"),
        ("disconnected", "complete"),
    ]


def test_heartbeats_and_pong(emulator: Emulator, notifications: Any) -> None:
    """heartbeat() sends channel.metadata; a {"message": "ping"} is answered with a pong."""
    channel = notifications.post_notifications_channels()
    with socket(channel.connect_uri) as ws:
        assert until(lambda: emulator.notifications.heartbeat() == 1)
        assert frame(ws) == {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
        ws.send(json.dumps({"message": "ping"}))
        assert frame(ws)["eventBody"] == {"message": "pong"}


def test_a_second_socket_disconnects_the_first(emulator: Emulator, notifications: Any) -> None:
    """One WebSocket per channel: the earlier one is closed."""
    channel = notifications.post_notifications_channels()
    with socket(channel.connect_uri) as first, socket(channel.connect_uri):
        with pytest.raises(ConnectionClosed):
            frame(first)
        assert emulator.notifications.connections == 2


def test_socket_faults(emulator: Emulator, notifications: Any, org: Org) -> None:
    """socket_closing announces maintenance, silence mutes, drop cuts, refuse blocks handshakes."""
    channel = notifications.post_notifications_channels()
    notifications.put_notifications_channel_subscriptions(
        channel.id, topic([f"v2.users.{org.user}.conversations"])
    )
    with socket(channel.connect_uri) as ws:
        assert until(lambda: emulator.notifications.socket_closing() == 1)
        assert frame(ws)["topicName"] == "v2.system.socket_closing"
        assert emulator.notifications.silence() == 1
        emulator.notifications.heartbeat()
        emulator.add_conversation(user_id=org.user, queue_id=org.queue)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.2)
        assert emulator.notifications.drop() == 1
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is None  # no close frame
    emulator.notifications.refuse_connections(times=1)
    with pytest.raises(InvalidStatus) as refused, socket(channel.connect_uri):
        pass
    assert refused.value.response.status_code == 503
    with socket(channel.connect_uri):
        assert until(lambda: emulator.notifications.heartbeat() == 1)


def test_held_and_delayed_events(emulator: Emulator, notifications: Any, org: Org) -> None:
    """Held events arrive in order on release; delayed ones arrive later, after a heartbeat sent meanwhile."""
    channel = notifications.post_notifications_channels()
    notifications.put_notifications_channel_subscriptions(
        channel.id, topic([f"v2.users.{org.user}.conversations"])
    )
    with socket(channel.connect_uri) as ws:
        emulator.notifications.hold_events()
        first = emulator.add_conversation(user_id=org.user, disconnect_after=None)
        second = emulator.add_conversation(user_id=org.user, disconnect_after=None)
        assert emulator.notifications.release_events() == 2
        assert [frame(ws)["eventBody"]["id"] for _ in range(2)] == [first.id, second.id]
        emulator.notifications.delay_events(0.3)
        emulator.disconnect(first.id)
        assert until(lambda: emulator.notifications.heartbeat() == 1)
        assert [frame(ws)["topicName"] for _ in range(2)] == [
            "channel.metadata",
            f"v2.users.{org.user}.conversations",
        ]


def test_a_channel_expires_unless_resubscribed(
    emulator: Emulator, notifications: Any, org: Org, fake_clock: FakeClock
) -> None:
    """Resubscribing extends the 24 h; an expired channel closes its socket and answers 404."""
    channel = notifications.post_notifications_channels()
    wanted = topic([f"v2.users.{org.user}.conversations"])
    with socket(channel.connect_uri) as ws:
        emulator.advance(23 * 3600)
        notifications.put_notifications_channel_subscriptions(channel.id, wanted)
        emulator.advance(2 * 3600)
        assert [c["id"] for c in emulator.notifications.info()] == [channel.id]
        emulator.advance(23 * 3600)
        with pytest.raises(ConnectionClosed):
            frame(ws)
    notifications.api_client.get_client_credentials_token(emulator.client_id, emulator.client_secret)
    with pytest.raises(ApiException) as caught:
        notifications.get_notifications_channel_subscriptions(channel.id)
    assert caught.value.status == 404
    with pytest.raises(InvalidStatus) as refused, socket(channel.connect_uri):
        pass
    assert refused.value.response.status_code == 404


def test_control_plane_routes(emulator: Emulator, notifications: Any) -> None:
    """/__emulator__/notifications lists channels, /notifications/{op} runs a fault, reset forgets."""
    channel = notifications.post_notifications_channels()
    with socket(channel.connect_uri) as ws:
        assert until(
            lambda: raw_request(emulator, "GET", "/__emulator__/notifications").body["connections"] == 1
        )
        sent = raw_request(emulator, "POST", "/__emulator__/notifications/heartbeat", body={})
        assert sent.body == {"sockets": 1}
        assert frame(ws)["topicName"] == "channel.metadata"
        bad = raw_request(emulator, "POST", "/__emulator__/notifications/explode", body={})
        assert bad.status == 404  # no such control route
        emulator.reset()
        assert emulator.notifications.info() == []


def until(predicate: Callable[[], object], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.005)
    return True


def test_the_emulator_imports_without_websockets() -> None:
    """Without websockets, the emulator still serves; a channel answers 501 naming the extra."""
    code = """
import sys, json, urllib.request
sys.modules["websockets"] = None
from wrapupkit.emulator import Emulator
with Emulator() as emu:
    token = emu.issue_token()
    req = urllib.request.Request(emu.url + "/api/v2/notifications/channels", method="POST",
                                 headers={"Authorization": "Bearer " + token})
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as exc:
        print(json.dumps({"status": exc.code, "body": json.loads(exc.read())}))
"""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["status"] == 501
    assert "wrapupkit[emulator]" in report["body"]["message"]
