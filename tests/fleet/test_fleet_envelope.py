"""Genesys EventBridge envelopes (and notification-shaped events) → FleetEvent: fields, problems, no crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wrapupkit.fleet import Delivery, EventKind
from wrapupkit.fleet._envelope import envelope, parse_detail, parse_message, template_of


SECRET = "NOTES-MUST-NOT-LEAK-7f3a"
CONV = "5b1f9e7c-0d7a-4c1e-9a55-111111111111"

ids = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=36)
opt_ids = st.none() | ids
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def user_end_body(**extra: Any) -> dict[str, Any]:
    body = {
        "eventTime": 1_767_225_600_123,
        "conversationId": CONV,
        "participantId": "agent-leg",
        "sessionId": "comm-1",
        "disconnectType": "TRANSFER",
        "mediaType": "VOICE",
        "userId": "user-1",
        "queueId": "queue-1",
        "divisionId": "div-1",
    }
    body.update(extra)
    return body


def test_a_user_end_envelope_as_genesys_sends_it() -> None:
    topic = f"v2.detail.events.conversation.{CONV}.user.end"
    message = envelope(topic, user_end_body(), org_id="org-1", name="wrapups", correlation_id="corr-9")
    assert message["detail-type"] == "v2.detail.events.conversation.{id}.user.end"
    assert message["source"] == "aws.partner/genesys.com/cloud/org-1/wrapups"

    delivery = parse_message(json.dumps(message), receipt="r-1")

    assert delivery.problem is None
    assert delivery.receipt == "r-1"
    event = delivery.event
    assert event is not None
    assert event.kind is EventKind.USER_END
    assert (event.topic, event.conversation_id) == (topic, CONV)
    assert (event.participant_id, event.user_id, event.queue_id) == ("agent-leg", "user-1", "queue-1")
    assert event.disconnect_type == "TRANSFER"
    assert event.event_time == pytest.approx(1_767_225_600.123)
    assert event.correlation_id == "corr-9"
    assert event.wrapup_code is None


def test_an_acw_event_carries_the_code_and_keeps_notes_out_of_its_repr() -> None:
    topic = f"v2.detail.events.conversation.{CONV}.acw"
    body = {
        "eventTime": 1_000,
        "conversationId": CONV,
        "participantId": "p",
        "userId": "u",
        "wrapupCode": "code-7",
        "wrapupNotes": SECRET,
        "wrapupDurationMs": 5000,
    }
    delivery = parse_message(envelope(topic, body))
    event = delivery.event
    assert event is not None
    assert (event.kind, event.wrapup_code, event.event_time) == (EventKind.ACW, "code-7", 1.0)
    assert event.disconnect_type is None
    assert SECRET not in repr(event)
    assert SECRET not in repr(delivery)


@pytest.mark.parametrize(
    ("topic", "owner"),
    [("v2.users.user-1.conversations", "user_id"), ("v2.routing.queues.queue-1.conversations", "queue_id")],
)
def test_conversation_topics_give_the_whole_view(topic: str, owner: str) -> None:
    body = {
        "id": CONV,
        "participants": [{"id": "p", "userId": "user-1", "calls": [{"state": "disconnected"}]}],
    }
    event = parse_message(envelope(topic, body)).event
    assert event is not None
    assert event.kind is EventKind.CONVERSATION
    assert event.conversation_id == CONV
    assert getattr(event, owner) == topic.split(".")[-2]
    assert event.body == body


def test_the_notification_shape_parses_like_the_detail_of_an_envelope() -> None:
    topic = f"v2.detail.events.conversation.{CONV}.user.end"
    message = envelope(topic, user_end_body())
    assert parse_detail(message["detail"]) == parse_message(message)
    assert parse_message(json.dumps(message["detail"]).encode()) == parse_message(message)


def test_template_of_names_the_detail_type() -> None:
    assert (
        template_of(f"v2.detail.events.conversation.{CONV}.acw") == "v2.detail.events.conversation.{id}.acw"
    )
    assert template_of("v2.users.u.conversations.calls") is None


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ("[" * 100_000, "not JSON"),
        ({"detail-type": "x", "source": "aws.events", "detail": {}}, "not a Genesys event source"),
        ({"detail-type": 5, "detail": {}}, "detail-type is not a string"),
        ({"detail-type": "x", "detail": []}, "not a JSON object"),
        ({"detail": {"eventBody": {}}}, "topicName is missing"),
        ({"detail": {"topicName": f"v2.detail.events.conversation.{CONV}.acw"}}, "eventBody"),
        ({"topicName": "v2.presence.x", "eventBody": {"secret": SECRET}}, "unknown topic 'v2.presence.x'"),
        (
            {
                "topicName": f"v2.detail.events.conversation.{CONV}.user.end",
                "eventBody": {"eventTime": "soon"},
            },
            "eventTime is not an integer",
        ),
        (
            {"topicName": f"v2.detail.events.conversation.{CONV}.user.end", "eventBody": {"eventTime": True}},
            "eventTime is not an integer",
        ),
        (
            {"topicName": f"v2.detail.events.conversation.{CONV}.acw", "eventBody": {"wrapupCode": 7}},
            "wrapupCode is not a non-empty string",
        ),
        (
            {
                "topicName": f"v2.detail.events.conversation.{CONV}.acw",
                "eventBody": {"conversationId": "other"},
            },
            "differs from the topic",
        ),
        ({"topicName": "v2.users.u.conversations", "eventBody": {"participants": []}}, "eventBody.id"),
        (
            {"topicName": "v2.users.u.conversations", "eventBody": {"id": CONV, "participants": [SECRET]}},
            "participants is not a list of objects",
        ),
    ],
)
def test_what_cannot_be_used_is_a_problem_delivery(message: Any, problem: str) -> None:
    delivery = parse_message(message, receipt="r")
    assert delivery.event is None
    assert delivery.receipt == "r"
    assert delivery.problem is not None
    assert problem in delivery.problem
    assert SECRET not in delivery.problem


def test_a_long_unknown_topic_is_quoted_short() -> None:
    delivery = parse_message({"topicName": "v2." + "x" * 5000, "eventBody": {}})
    assert delivery.problem is not None
    assert len(delivery.problem) < 300


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_gives_a_delivery_never_an_exception(value: Any) -> None:
    for message in (value, json.dumps(value), {"detail": value}, {"detail-type": "t", "detail": value}):
        delivery = parse_message(message)
        assert isinstance(delivery, Delivery)
        assert (delivery.event is None) == (delivery.problem is not None)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["user.end", "acw"]),
    topic_id=ids,
    text=st.dictionaries(
        st.sampled_from(["participantId", "userId", "queueId", "disconnectType", "wrapupCode"]), ids
    ),
    other=st.dictionaries(st.sampled_from(["sessionId", "mediaType", "wrapupNotes"]), json_values),
    when=st.none() | st.integers(min_value=0, max_value=2**53),
    secret=st.text(min_size=8),
)
def test_well_formed_detail_events_round_trip(
    *, kind: str, topic_id: str, text: dict[str, str], other: dict[str, Any], when: int | None, secret: str
) -> None:
    body: dict[str, Any] = {**other, **text, "conversationId": topic_id, "secretField": secret}
    if when is not None:
        body["eventTime"] = when
    topic = f"v2.detail.events.conversation.{topic_id}.{kind}"
    event = parse_message(json.dumps(envelope(topic, body, correlation_id="c"))).event
    assert event is not None
    assert event.kind is EventKind(kind)
    assert (event.topic, event.conversation_id, event.correlation_id) == (topic, topic_id, "c")
    assert event.participant_id == text.get("participantId")
    assert event.user_id == text.get("userId")
    assert event.queue_id == text.get("queueId")
    assert event.disconnect_type == (text.get("disconnectType") if kind == "user.end" else None)
    assert event.wrapup_code == (text.get("wrapupCode") if kind == "acw" else None)
    assert event.event_time == (None if when is None else when / 1000)
    assert event.body == body


@settings(max_examples=100, deadline=None)
@given(owner=st.sampled_from(["users", "routing.queues"]), owner_id=ids, conv=ids, body=json_values)
def test_well_formed_conversation_events_round_trip(owner: str, owner_id: str, conv: str, body: Any) -> None:
    view = {"id": conv, "participants": [body] if isinstance(body, dict) else []}
    topic = f"v2.{owner}.{owner_id}.conversations"
    event = parse_message(envelope(topic, view)).event
    assert event is not None
    assert (event.kind, event.conversation_id, event.body) == (EventKind.CONVERSATION, conv, view)
    assert (event.user_id if owner == "users" else event.queue_id) == owner_id


def test_the_fields_read_are_the_sdk_models_json_keys() -> None:
    """Every eventBody key the parser reads is in the SDK 269 model's attribute_map (the contract)."""
    import PureCloudPlatformClientV2 as sdk

    from wrapupkit.fleet import _envelope

    user_end = set(sdk.UserEndDetailEventTopicUserEndEvent().attribute_map.values())
    acw = set(sdk.AcwDetailEventTopicAfterCallWorkEvent().attribute_map.values())
    common = {"eventTime", "conversationId"}
    assert set(_envelope._DETAIL_STRINGS) | common <= user_end
    assert set(_envelope._ACW_STRINGS) | common <= acw
    assert sdk.UserEndDetailEventTopicUserEndEvent().swagger_types["event_time"] == "int"
    conversation = set(sdk.QueueConversationEventTopicConversation().attribute_map.values())
    assert {"id", "participants"} <= conversation


@settings(max_examples=200, deadline=None)
@given(
    topic=st.sampled_from(
        [
            f"v2.detail.events.conversation.{CONV}.user.end",
            f"v2.detail.events.conversation.{CONV}.acw",
            "v2.users.u.conversations",
            "v2.routing.queues.q.conversations",
            "v2.users.u.presence",
        ]
    ),
    body=st.dictionaries(st.text(max_size=12), json_values, max_size=6),
    key=st.sampled_from(
        ["participantId", "eventTime", "wrapupCode", "id", "participants", "wrapupNotes", "x"]
    ),
)
def test_a_problem_never_quotes_the_body(topic: str, body: dict[str, Any], key: str) -> None:
    body[key] = [SECRET] if key == "participants" else SECRET
    delivery = parse_message(json.dumps(envelope(topic, body)))
    assert SECRET not in (delivery.problem or "")
    if delivery.event is not None and key in ("wrapupNotes", "x"):  # what is not a field stays out of reprs
        assert SECRET not in repr(delivery)
