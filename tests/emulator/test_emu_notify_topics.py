"""Notification topics, detail events, HEAD channel, available topics; HEAD and OPTIONS in the pipeline."""

from __future__ import annotations

import json
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from contract_helpers import assert_contract
from emulator_helpers import error_of, raw_request, wrapup_input
from PureCloudPlatformClientV2.rest import ApiException
from test_emu_notifications import frame, socket, topic

from wrapupkit.emulator import Emulator, Shape, shapes
from wrapupkit.emulator.notifications.catalog import TOPICS


DETAIL_MODELS = {
    "user.end": "UserEndDetailEventTopicUserEndEvent",
    "acw": "AcwDetailEventTopicAfterCallWorkEvent",
    "wrapup": "WrapupDetailEventTopicWrapupEvent",
}


@pytest.fixture(name="notifications")
def _notifications(api: Any) -> Any:
    return sdk.NotificationsApi(api)


def test_every_catalogued_template_names_an_sdk_event_model() -> None:
    """The catalogue is the SDK's notification mapping: each class exists in the installed SDK."""
    assert len(TOPICS) == len({t for t, _ in TOPICS}) > 200
    assert [model for _t, model in TOPICS if not hasattr(sdk, model)] == []
    assert ("v2.users.{id}.conversations.calls", "ConversationCallEventTopicCallConversation") in TOPICS


def test_every_template_the_sdk_maps_is_permitted(emulator: Emulator, notifications: Any) -> None:
    """A concrete topic of every template is Permitted (even where the emulator publishes nothing)."""
    concrete = [template.replace("{id}", f"id{i}") for i, (template, _model) in enumerate(TOPICS)]
    channel = notifications.post_notifications_channels()
    listing = notifications.put_notifications_channel_subscriptions(channel.id, topic(concrete))
    assert [(e.id, e.state) for e in listing.entities] == [(t, "Permitted") for t in concrete]


@pytest.mark.parametrize(
    "name",
    [
        "v2.conversations.c1",
        "v2.users.u1",
        "v2.users.u1.conversations.calls.extra",
        "v3.users.u1.conversations",
    ],
)
def test_a_topic_matching_no_template_is_400(emulator: Emulator, notifications: Any, name: str) -> None:
    """A topic that fits no template is a 400 bad.request."""
    channel = notifications.post_notifications_channels()
    with pytest.raises(ApiException) as refused:
        notifications.post_notifications_channel_subscriptions(channel.id, topic([name]))
    assert (refused.value.status, error_of(refused)["code"]) == (400, "bad.request")


def test_detail_events_for_a_transfer(emulator: Emulator, notifications: Any, api: Any) -> None:
    """user.end for each agent leg, then wrapup and acw when a code is written: SDK model shapes."""
    sale = emulator.add_code("Sale")
    queue = emulator.add_queue("Q", codes=[sale], wrapup_prompt="MANDATORY")
    ada, bob = emulator.add_user("Ada"), emulator.add_user("Bob")
    channel = notifications.post_notifications_channels()
    templates = [f"v2.detail.events.conversation.conv-1.{kind}" for kind in DETAIL_MODELS]
    notifications.put_notifications_channel_subscriptions(channel.id, topic(templates))
    with socket(channel.connect_uri) as ws:
        shape = shapes.blind_transfer(ada, bob, queue, ring=1, talk=5)
        handle = emulator.add_shape(Shape(legs=shape.legs, media=shape.media, id="conv-1"))
        emulator.advance(60)
        first = handle.agent_legs[0]
        sdk.ConversationsApi(api).post_conversations_call_participant_communication_wrapup(
            handle.id, first.participant_id, first.communication_id, body=wrapup_input(sale, notes="n")
        )
        events = [frame(ws) for _ in range(4)]
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.1)
    kinds = [e["topicName"].rsplit("conv-1.", 1)[1] for e in events]
    assert kinds == ["user.end", "user.end", "wrapup", "acw"]
    for kind, event in zip(kinds, events, strict=True):
        assert_contract(json.dumps(event["eventBody"]), DETAIL_MODELS[kind])
    ends = [e["eventBody"] for e in events[:2]]
    assert [(b["participantId"], b["disconnectType"], b["mediaType"]) for b in ends] == [
        (first.participant_id, "TRANSFER", "VOICE"),
        (handle.agent_legs[1].participant_id, "CLIENT", "VOICE"),
    ]
    assert ends[0]["userId"] == ada
    assert ends[0]["sessionId"] == first.communication_id
    wrapup, acw = events[2]["eventBody"], events[3]["eventBody"]
    assert (wrapup["wrapupCode"], wrapup["wrapupNotes"], wrapup["participantId"]) == (
        sale,
        "n",
        first.participant_id,
    )
    assert "userId" not in wrapup
    assert (acw["wrapupCode"], acw["userId"], acw["queueId"]) == (sale, ada, queue)


def test_user_topic_events_carry_wrapup_expected_and_consult_ids(
    emulator: Emulator, notifications: Any
) -> None:
    """Conversation events add wrapupExpected (not in GET) and consultParticipantId, in model shapes."""
    queue = emulator.add_queue("Q", wrapup_prompt="MANDATORY")
    ada, bob = emulator.add_user("Ada"), emulator.add_user("Bob")
    channel = notifications.post_notifications_channels()
    notifications.put_notifications_channel_subscriptions(
        channel.id, topic([f"v2.users.{bob}.conversations"])
    )
    with socket(channel.connect_uri) as ws:
        handle = emulator.add_shape(shapes.consult_transfer(ada, bob, queue, ring=1, talk=5, consult=2))
        emulator.advance(6)  # bob is alerting
        body = frame(ws)["eventBody"]
    assert_contract(json.dumps(body), "ConversationEventTopicConversation")
    legs = {p["id"]: p for p in body["participants"]}
    bob_leg = legs[handle.agent_legs[1].participant_id]
    assert bob_leg["calls"][0]["state"] == "alerting"
    # expected once it connects, not required while it rings (as captured event bodies show: tests/corpus)
    assert (bob_leg["wrapupExpected"], bob_leg["wrapupRequired"]) == (True, False)
    assert bob_leg["consultParticipantId"] == handle.agent_legs[0].participant_id
    assert legs[handle.legs[0].participant_id]["wrapupRequired"] is False
    assert "wrapupExpected" not in emulator.conversation_json(handle.id)["participants"][2]


def test_head_channel_answers_200_or_404(emulator: Emulator, notifications: Any) -> None:
    """HEAD /channels/{id}: 200 for the caller's channel, 404 otherwise; both logged with a correlation id."""
    channel = notifications.post_notifications_channels()
    assert notifications.head_notifications_channel(channel.id) is None
    with pytest.raises(ApiException) as missing:
        notifications.head_notifications_channel("nope")
    assert missing.value.status == 404
    token = emulator.issue_token()
    raw = raw_request(emulator, "HEAD", "/api/v2/notifications/channels/nope", token=token)
    assert raw.status == 404
    assert raw.headers["ININ-Correlation-Id"]
    assert raw.text == ""
    heads = emulator.requests_matching("HEAD")
    assert [r.status for r in heads] == [200, 404, 404]
    assert raw_request(emulator, "HEAD", f"/api/v2/notifications/channels/{channel.id}").status == 401


def test_available_topics(emulator: Emulator, notifications: Any, api: Any) -> None:
    """GET availabletopics lists every template with the permissions the emulator asks for it."""
    emulator.notifications.require_permissions("v2.users.{id}.conversations", ["conversation:view"])
    listing = notifications.get_notifications_availabletopics()
    by_id = {e.id: e for e in listing.entities}
    assert set(by_id) == {t for t, _ in TOPICS}
    assert by_id["v2.users.{id}.conversations"].requires_permissions == ["conversation:view"]
    assert by_id["v2.detail.events.conversation.{id}.acw"].requires_permissions == []
    raw = raw_request(emulator, "GET", "/api/v2/notifications/availabletopics", token=emulator.issue_token())
    assert_contract(raw.text, "AvailableTopicEntityListing")


def test_options_and_unknown_methods_go_through_the_error_pipeline(emulator: Emulator) -> None:
    """OPTIONS lists a known path's methods; other methods and paths are ErrorBody 404s; all are logged."""
    token = emulator.issue_token()
    known = raw_request(emulator, "OPTIONS", "/api/v2/routing/wrapupcodes", token=token)
    assert known.status == 200
    assert known.headers["Allow"] == "GET, OPTIONS"
    assert known.headers["ININ-Correlation-Id"]
    unknown = raw_request(emulator, "OPTIONS", "/api/v2/nothing", token=token)
    assert (unknown.status, unknown.body["code"]) == (404, "not.found")
    assert unknown.body["contextId"] == unknown.headers["ININ-Correlation-Id"]
    wrong = raw_request(emulator, "DELETE", "/api/v2/routing/wrapupcodes", token=token)
    assert (wrong.status, wrong.body["status"]) == (404, 404)
    assert [(r.method, r.status) for r in emulator.requests] == [
        ("OPTIONS", 200),
        ("OPTIONS", 404),
        ("DELETE", 404),
    ]
