"""Contract tests: every JSON shape the emulator emits or accepts matches the SDK 269 models.

For each GET route the raw JSON is (1) walked key by key against the declared model's
``attribute_map``/``swagger_types`` and (2) deserialised with the SDK's own
``ApiClient().deserialize`` into the type the SDK method declares, whose model tree must hold no
``"outdated_sdk_version"`` (the SDK's marker for an enum value it does not know).
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from dataclasses import dataclass
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import Org, raw_request, wrapup_input

from wrapupkit.emulator import ConversationHandle, Emulator
from wrapupkit.emulator.conversations.wrapups import PARTICIPANT_REQUEST_KEYS, WRAPUP_INPUT_KEYS, write_wrapup
from wrapupkit.testing import FakeClock


PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
    "object": (object,),
}
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


def check_keys(data: Any, type_name: str, path: str = "$") -> None:
    """Every key in *data* exists in the model *type_name* (recursively, following swagger_types)."""
    if type_name.startswith("list["):
        assert isinstance(data, list), path
        for index, item in enumerate(data):
            check_keys(item, type_name[5:-1], f"{path}[{index}]")
        return
    if type_name.startswith("dict("):
        assert isinstance(data, dict), path
        inner = type_name[type_name.index(",") + 1 : -1].strip()
        for key, value in data.items():
            check_keys(value, inner, f"{path}.{key}")
        return
    if type_name in PRIMITIVES:
        assert isinstance(data, PRIMITIVES[type_name]), f"{path}: {data!r} is not {type_name}"
        assert not (type_name == "int" and isinstance(data, bool)), path
        return
    model = getattr(sdk, type_name)()
    by_json_key = {json_key: attr for attr, json_key in model.attribute_map.items()}
    assert isinstance(data, dict), f"{path}: expected a {type_name} object"
    for key, value in data.items():
        assert key in by_json_key, f"{path}.{key} is not a key of {type_name}"
        check_keys(value, model.swagger_types[by_json_key[key]], f"{path}.{key}")


def outdated_values(obj: Any, path: str = "$") -> list[str]:
    """Paths in a deserialised model tree holding the SDK's unknown-enum marker."""
    if isinstance(obj, str):
        return [path] if obj == "outdated_sdk_version" else []
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in outdated_values(item, f"{path}[{i}]")]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in outdated_values(v, f"{path}.{k}")]
    if hasattr(obj, "swagger_types"):
        return [
            p for attr in obj.swagger_types for p in outdated_values(getattr(obj, attr), f"{path}.{attr}")
        ]
    return []


@dataclass
class _Response:
    data: str

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return "application/json" if name.lower() == "content-type" else default


def assert_contract(text: str, type_name: str) -> Any:
    """Check keys, deserialise with the SDK, and find no outdated enum values; returns the model."""
    check_keys(json.loads(text), type_name)
    model = sdk.ApiClient().deserialize(_Response(text), type_name)
    assert outdated_values(model) == []
    return model


def declared_type(api_class: type, method: str) -> str:
    """The response_type the SDK method declares (read from its source)."""
    source = inspect.getsource(getattr(api_class, method))
    marker = "response_type='"
    start = source.index(marker) + len(marker)
    return source[start : source.index("'", start)]


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
