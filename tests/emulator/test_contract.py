"""Contract tests: every JSON shape the emulator emits or accepts matches the SDK 269 models.

For each GET route the raw JSON is (1) walked key by key against the declared model's
``attribute_map``/``swagger_types`` and (2) deserialised with the SDK's own
``ApiClient().deserialize`` into the type the SDK method declares, whose model tree must hold no
``"outdated_sdk_version"`` (the SDK's marker for an enum value it does not know).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from contract_helpers import assert_contract, declared_type
from emulator_helpers import Org, raw_request, wrapup_input
from websockets.sync.client import connect

from wrapupkit.emulator import ConversationHandle, Emulator, Leg, Shape, shapes
from wrapupkit.emulator.conversations.wrapups import PARTICIPANT_REQUEST_KEYS, WRAPUP_INPUT_KEYS, write_wrapup
from wrapupkit.testing import FakeClock


MEDIA = ["call", "callback", "email", "message", "social", "video", "cobrowsesession", "screenshare", "chat"]
COMM_SEGMENTS = [
    "calls",
    "callbacks",
    "emails",
    "messages",
    "socials",
    "videos",
    "cobrowsesessions",
    "screenshares",
]
SEGMENT_MEDIA = dict(zip(COMM_SEGMENTS, MEDIA, strict=False))
PARTICIPANT_SEGMENTS = ["calls", "callbacks", "emails", "messages", "cobrowsesessions"]


@pytest.fixture(name="zoo")
def _zoo(emulator: Emulator, org: Org, fake_clock: FakeClock) -> list[ConversationHandle]:
    """Conversations in every media and every phase the emulator can show."""
    handles: list[ConversationHandle] = []
    for media in MEDIA:
        handles.append(emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media))
        handles.append(emulator.add_conversation(user_id=org.user, media=media, disconnect_after=None))
        handles.append(
            emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media, acw_delay=99)
        )
        done = emulator.add_conversation(
            user_id=org.user, queue_id=org.queue, media=media, acw_timeout=1, agents=2
        )
        handles.append(done)
        fake_clock.advance(1)
        with_all = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media)
        write_wrapup(
            emulator.state,
            with_all.id,
            with_all.agent_participant_id,
            mid=None,
            segment=None,
            body={
                "code": org.codes["Sale"],
                "notes": "n",
                "tags": ["t"],
                "durationSeconds": 3,
                "endTime": "2026-01-01T10:00:00Z",
            },
        )
        handles.append(with_all)
        provisional = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media)
        write_wrapup(
            emulator.state,
            provisional.id,
            provisional.agent_participant_id,
            mid=None,
            segment=None,
            body={"provisional": True, "notes": "d"},
        )
        handles.append(provisional)
        handles.append(emulator.add_conversation(user_id=org.user, media=media, wrapup_required=False))
    for prompt in ("MANDATORY", "OPTIONAL", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED"):
        queue = emulator.add_queue(prompt, codes=[org.codes["Sale"]], wrapup_prompt=prompt)
        handles.append(emulator.add_conversation(user_id=org.user, queue_id=queue))
    return handles


@pytest.mark.parametrize("gap", ["unknown", "absent"])
def test_get_conversation_contract(emulator: Emulator, zoo: list[ConversationHandle], gap: str) -> None:
    """Every conversation in every phase and media is a valid ``Conversation`` (GET /conversations/{id})."""
    emulator.rules.acw_gap = gap
    expected = declared_type(sdk.ConversationsApi, "get_conversation")
    assert expected == "Conversation"
    token = emulator.issue_token()
    for handle in zoo:
        response = raw_request(emulator, "GET", f"/api/v2/conversations/{handle.id}", token=token)
        model = assert_contract(response.text, expected)
        assert model.id == handle.id


def test_get_call_conversation_contract(emulator: Emulator, zoo: list[ConversationHandle]) -> None:
    """Every call conversation is a valid ``CallConversation``."""
    expected = declared_type(sdk.ConversationsApi, "get_conversations_call")
    assert expected == "CallConversation"
    token = emulator.issue_token()
    calls = [h for h in zoo if h.media == "call"]
    assert len(calls) > 5
    for handle in calls:
        response = raw_request(emulator, "GET", f"/api/v2/conversations/calls/{handle.id}", token=token)
        assert_contract(response.text, expected)


def _written(zoo: list[ConversationHandle], emulator: Emulator) -> list[ConversationHandle]:
    return [h for h in zoo if emulator.wrapup(h.id) is not None]


@pytest.mark.parametrize("segment", COMM_SEGMENTS)
def test_communication_wrapup_contract(
    emulator: Emulator, zoo: list[ConversationHandle], segment: str
) -> None:
    """GET …/{segment}/…/communications/{mid}/wrapup is an ``AssignedWrapupCode``, set or not."""
    infix = segment.removesuffix("s")
    method = f"get_conversations_{infix}_participant_communication_wrapup"
    expected = declared_type(sdk.ConversationsApi, method)
    assert expected == "AssignedWrapupCode"
    token = emulator.issue_token()
    handles = [h for h in zoo if h.media == SEGMENT_MEDIA[segment]]
    for handle in handles:
        for provisional in ("false", "true"):
            path = (
                f"/api/v2/conversations/{segment}/{handle.id}/participants/{handle.agent_participant_id}"
                f"/communications/{handle.agent_communication_id}/wrapup?provisional={provisional}"
            )
            response = raw_request(emulator, "GET", path, token=token)
            assert response.status == 200
            assert_contract(response.text, expected)
    assert any(emulator.wrapup(h.id) for h in handles)


@pytest.mark.parametrize("segment", [None, *PARTICIPANT_SEGMENTS], ids=["generic", *PARTICIPANT_SEGMENTS])
def test_participant_wrapup_and_codes_contract(
    emulator: Emulator, zoo: list[ConversationHandle], segment: str | None
) -> None:
    """Participant GET wrapup is ``AssignedWrapupCode`` and GET wrapupcodes is ``list[WrapupCode]``."""
    if segment is None:
        wrapup_method, codes_method = (
            "get_conversation_participant_wrapup",
            "get_conversation_participant_wrapupcodes",
        )
        prefix, handles = "/api/v2/conversations", zoo
    else:
        infix = segment.removesuffix("s")
        wrapup_method = f"get_conversations_{infix}_participant_wrapup"
        codes_method = f"get_conversations_{infix}_participant_wrapupcodes"
        prefix, handles = (
            f"/api/v2/conversations/{segment}",
            [h for h in zoo if h.media == SEGMENT_MEDIA[segment]],
        )
    assert declared_type(sdk.ConversationsApi, wrapup_method) == "AssignedWrapupCode"
    assert declared_type(sdk.ConversationsApi, codes_method) == "list[WrapupCode]"
    token = emulator.issue_token()
    for handle in handles:
        base = f"{prefix}/{handle.id}/participants/{handle.agent_participant_id}"
        assert_contract(
            raw_request(emulator, "GET", f"{base}/wrapup", token=token).text, "AssignedWrapupCode"
        )
        codes = assert_contract(
            raw_request(emulator, "GET", f"{base}/wrapupcodes", token=token).text, "list[WrapupCode]"
        )
        assert codes


def test_assigned_wrapup_has_no_name(emulator: Emulator, zoo: list[ConversationHandle]) -> None:
    """AssignedWrapupCode carries code, notes, tags, durationSeconds, endTime, never name."""
    token = emulator.issue_token()
    handle = _written(zoo, emulator)[0]
    path = f"/api/v2/conversations/{handle.id}/participants/{handle.agent_participant_id}/wrapup"
    body = raw_request(emulator, "GET", path, token=token).body
    assert "code" in body
    assert "name" not in body


def test_routing_contract(emulator: Emulator, org: Org) -> None:
    """Queue, queue codes, org codes and one code match their SDK models."""
    emulator.add_code("Elsewhere", division_id="div-2")
    token = emulator.issue_token()
    cases = [
        ("get_routing_queue", f"/api/v2/routing/queues/{org.queue}", "Queue"),
        (
            "get_routing_queue_wrapupcodes",
            f"/api/v2/routing/queues/{org.queue}/wrapupcodes",
            "WrapupCodeEntityListing",
        ),
        (
            "get_routing_wrapupcodes",
            "/api/v2/routing/wrapupcodes?pageSize=1&pageNumber=2",
            "WrapupCodeEntityListing",
        ),
        ("get_routing_wrapupcode", f"/api/v2/routing/wrapupcodes/{org.codes['Sale']}", "WrapupCode"),
        ("get_routing_wrapupcode", "/api/v2/routing/wrapupcodes/ININ-WRAP-UP-TIMEOUT", "WrapupCode"),
    ]
    for method, path, expected in cases:
        assert declared_type(sdk.RoutingApi, method) == expected
        response = raw_request(emulator, "GET", path, token=token)
        assert response.status == 200, path
        assert_contract(response.text, expected)
    for prompt in ("MANDATORY", "OPTIONAL", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED"):
        queue = emulator.add_queue(prompt, wrapup_prompt=prompt)
        assert_contract(
            raw_request(emulator, "GET", f"/api/v2/routing/queues/{queue}", token=token).text, "Queue"
        )


def test_error_bodies_match_error_body(emulator: Emulator, org: Org) -> None:
    """400, 401, 403, 404, 409 and 429 answers are valid ``ErrorBody`` objects."""
    token = emulator.issue_token()
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    post = (
        f"/api/v2/conversations/calls/{handle.id}/participants/{handle.agent_participant_id}"
        f"/communications/{handle.agent_communication_id}/wrapup"
    )
    responses = [
        raw_request(emulator, "POST", post, token=token, body={}),
        raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes"),
        raw_request(
            emulator, "GET", "/api/v2/routing/wrapupcodes", token=emulator.issue_token(permissions=[])
        ),
        raw_request(emulator, "GET", "/api/v2/conversations/ghost", token=token),
    ]
    emulator.fail_next("GET", r"/wrapupcodes$", status=429, retry_after=1)
    responses.append(raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token))
    emulator.rules.second_write = 409
    raw_request(emulator, "POST", post, token=token, body={"code": org.codes["Sale"]})
    responses.append(raw_request(emulator, "POST", post, token=token, body={"code": org.codes["Sale"]}))
    assert [r.status for r in responses] == [400, 401, 403, 404, 429, 409]
    for response in responses:
        error = assert_contract(response.text, "ErrorBody")
        assert error.status == response.status
        assert error.context_id == response.headers["ININ-Correlation-Id"]


def test_request_bodies_accept_exactly_the_sdk_request_keys(emulator: Emulator, org: Org) -> None:
    """The keys the emulator accepts are the WrapupInput / MediaParticipantRequest JSON keys."""
    assert set(sdk.WrapupInput().attribute_map.values()) == WRAPUP_INPUT_KEYS
    assert set(sdk.MediaParticipantRequest().attribute_map.values()) == PARTICIPANT_REQUEST_KEYS


def test_a_fully_populated_sdk_wrapup_is_accepted_under_reject(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """A WrapupInput with every field set passes even with unknown_fields="reject" (POST and PATCH)."""
    emulator.rules.unknown_fields = "reject"
    end = dt.datetime(2026, 1, 1, 10, 0, 5, tzinfo=dt.timezone.utc)
    fields = {
        "name": "Sale",
        "notes": "n",
        "tags": ["a"],
        "duration_seconds": 5,
        "end_time": end,
        "provisional": False,
        "disable_end_time_updates": True,
    }
    body = wrapup_input(org.codes["Sale"], **fields)
    assert all(v is not None for v in body.to_dict().values())
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    conversations.post_conversations_call_participant_communication_wrapup(
        handle.id, handle.agent_participant_id, handle.agent_communication_id, body=body
    )
    assert set(emulator.requests[-1].body) == WRAPUP_INPUT_KEYS
    request = sdk.MediaParticipantRequest()
    request.wrapup = body
    conversations.patch_conversation_participant(handle.id, handle.agent_participant_id, request)
    assert emulator.wrapup_writes(handle.id) == 2


def _every_shape(org: Org, queue2: str, other: str) -> list[Any]:
    """Every ready-made shape, in every media they take, plus builder-only states (alerting, skipped)."""
    user, queue = org.user, org.queue
    built = [
        shapes.blind_transfer(user, other, queue, media=media)
        for media in ("call", "callback", "email", "message", "social", "video", "chat")
    ]
    built += [
        shapes.blind_transfer(user, other, queue, to_queue_id=queue2),
        shapes.consult_transfer(user, other, queue, consult_call=True),
        shapes.conference(user, other, queue),
        shapes.reoffer(user, queue, offers=3, answered=1),
        shapes.transfer_back(user, other, queue),
        shapes.callback_dial(user, queue),
        shapes.outbound(user, queue),
        shapes.outbound(user),
        shapes.direct_call(user, other, wrapup_required=True),
        shapes.reoffer(user, queue, offers=2, answered=None, media="email"),
        Shape(legs=[Leg.customer(), Leg.agent(user, queue, connect=None)]),  # alerting for ever
        Shape(legs=[Leg.customer(disconnect=5), Leg.agent(user, queue, disconnect=5, ui_skip=1.0)]),
    ]
    return built


@pytest.mark.parametrize("level", ["participant", "communication"])
def test_every_shape_matches_the_sdk_models(
    emulator: Emulator, org: Org, fake_clock: FakeClock, level: str
) -> None:
    """Every shape at every step: GET conversation (and calls) JSON deserialises into the SDK models."""
    emulator.rules.acw_level = level
    emulator.rules.acw_not_requested = "skipped"
    queue2 = emulator.add_queue("Requested", codes=[org.codes["Sale"]], wrapup_prompt="AGENT_REQUESTED")
    other = emulator.add_user("Bob")
    handles = [emulator.add_shape(shape) for shape in _every_shape(org, queue2, other)]
    token = emulator.issue_token()
    for _step in range(12):
        for handle in handles:
            text = raw_request(emulator, "GET", f"/api/v2/conversations/{handle.id}", token=token).text
            assert_contract(text, "Conversation")
            calls = raw_request(emulator, "GET", f"/api/v2/conversations/calls/{handle.id}", token=token)
            if calls.status == 200:
                assert_contract(calls.text, "CallConversation")
        fake_clock.advance(7)
    states = {
        c.get("afterCallWork", {}).get("state")
        for h in handles
        for p in emulator.conversation_json(h.id)["participants"]
        for array in ("calls", "callbacks", "emails", "messages")
        for c in p.get(array, [])
    }
    assert {"pending", "notApplicable", "skipped", None} <= states


def test_every_shape_event_matches_the_sdk_event_models(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """User-, queue- and detail-topic events of every shape deserialise into their SDK event models."""
    queue2 = emulator.add_queue("Other", codes=[org.codes["Sale"]], wrapup_prompt="MANDATORY_TIMEOUT")
    other = emulator.add_user("Bob")
    api = sdk.ApiClient(host=emulator.url)
    api.get_client_credentials_token(emulator.client_id, emulator.client_secret)
    notifications = sdk.NotificationsApi(api)
    channel = notifications.post_notifications_channels()
    shaped = [
        Shape(legs=s.legs, media=s.media, id=f"c{i}") for i, s in enumerate(_every_shape(org, queue2, other))
    ]
    names = [f"v2.users.{org.user}.conversations", f"v2.users.{other}.conversations"]
    names += [f"v2.routing.queues.{q}.conversations" for q in (org.queue, queue2)]
    names += [
        f"v2.detail.events.conversation.{s.id}.{kind}"
        for s in shaped
        for kind in ("user.end", "acw", "wrapup")
    ]
    topics = []
    for name in names:
        entry = sdk.ChannelTopic()
        entry.id = name
        topics.append(entry)
    notifications.put_notifications_channel_subscriptions(channel.id, topics)
    models = {
        "conversations": "ConversationEventTopicConversation",
        "user.end": "UserEndDetailEventTopicUserEndEvent",
        "acw": "AcwDetailEventTopicAfterCallWorkEvent",
        "wrapup": "WrapupDetailEventTopicWrapupEvent",
    }
    seen: set[str] = set()
    with connect(channel.connect_uri, proxy=None, open_timeout=5, close_timeout=1) as ws:
        for shape in shaped:
            emulator.add_shape(shape)
        fake_clock.advance(3600)
        while True:
            try:
                event = json.loads(ws.recv(timeout=0.5))
            except TimeoutError:
                break
            name = event["topicName"]
            kind = next(k for k in models if name.endswith("." + k))
            model = models[kind]
            if name.startswith("v2.routing.queues."):
                model = "QueueConversationEventTopicConversation"
            assert_contract(json.dumps(event["eventBody"]), model)
            seen.add(kind)
    assert seen == set(models)
