"""Writing and reading wrap-ups: POST per media, PATCH participant, GET wrapup and wrapupcodes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import Org, deprecated_call, error_of, raw_request, stored_wrapup, wrapup_input
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Emulator


# media -> (path segment, SDK method infix, deprecated in SDK 269)
POST_MEDIA = {
    "call": ("calls", "call", False),
    "callback": ("callbacks", "callback", False),
    "email": ("emails", "email", False),
    "message": ("messages", "message", False),
    "social": ("socials", "social", False),
    "video": ("videos", "video", False),
    "cobrowsesession": ("cobrowsesessions", "cobrowsesession", True),
    "screenshare": ("screenshares", "screenshare", True),
}
PARTICIPANT_MEDIA = ["call", "callback", "email", "message", "cobrowsesession"]


def _sdk_call(deprecated: bool, fn: Any, *args: Any, **kwargs: Any) -> Any:
    if deprecated:
        return deprecated_call(lambda: fn(*args, **kwargs))
    return fn(*args, **kwargs)


@pytest.mark.parametrize("media", list(POST_MEDIA), ids=list(POST_MEDIA))
def test_post_wrapup_for_each_media(emulator: Emulator, org: Org, conversations: Any, media: str) -> None:
    """POST …/{segment}/…/wrapup answers 202 with no body and the code reads back on that media's GET."""
    _segment, infix, deprecated = POST_MEDIA[media]
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media)
    post = getattr(conversations, f"post_conversations_{infix}_participant_communication_wrapup")
    ids = (handle.id, handle.agent_participant_id, handle.agent_communication_id)
    assert _sdk_call(deprecated, post, *ids, body=wrapup_input(org.codes["Sale"])) is None
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]
    get = getattr(conversations, f"get_conversations_{infix}_participant_communication_wrapup")
    assert _sdk_call(deprecated, get, *ids).code == org.codes["Sale"]
    assert emulator.requests_matching("POST", r"/wrapup$")[-1].status == 202


def test_post_records_every_wrapup_field(emulator: Emulator, org: Org, conversations: Any) -> None:
    """code, notes, tags, durationSeconds, endTime and provisional are stored; the code name is resolved."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    end = dt.datetime(2026, 1, 1, 10, 1, 30, tzinfo=dt.timezone.utc)
    body = wrapup_input(org.codes["Sale"], notes="n", tags=["a", "b"], duration_seconds=42, end_time=end)
    conversations.post_conversations_call_participant_communication_wrapup(
        handle.id, handle.agent_participant_id, handle.agent_communication_id, body=body
    )
    assert emulator.wrapup(handle.id) == {
        "code": org.codes["Sale"],
        "name": "Sale",
        "notes": "n",
        "tags": ["a", "b"],
        "durationSeconds": 42,
        "endTime": "2026-01-01T10:01:30.000Z",
        "provisional": False,
    }
    assigned = conversations.get_conversation_participant_wrapup(handle.id, handle.agent_participant_id)
    assert (assigned.code, assigned.notes, assigned.tags, assigned.duration_seconds) == (
        org.codes["Sale"],
        "n",
        ["a", "b"],
        42,
    )
    assert assigned.end_time == end


def test_end_time_defaults_to_now(emulator: Emulator, org: Org, conversations: Any) -> None:
    """Without endTime the emulator stamps the write time [INF]."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    conversations.post_conversations_call_participant_communication_wrapup(
        handle.id,
        handle.agent_participant_id,
        handle.agent_communication_id,
        body=wrapup_input(org.codes["Sale"]),
    )
    assert stored_wrapup(emulator, handle.id)["endTime"] == "2026-01-01T10:00:00.000Z"


def test_null_body_is_accepted_as_json_then_400_code_missing(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """The SDK sends ``null`` without a body: parsed fine, then 400 because no code was given."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    with pytest.raises(ApiException) as exc:
        conversations.post_conversations_call_participant_communication_wrapup(
            handle.id, handle.agent_participant_id, handle.agent_communication_id
        )
    assert exc.value.status == 400
    assert error_of(exc)["code"] == "bad.request"
    assert error_of(exc)["message"] == "A wrap-up code is required."
    assert emulator.requests[-1].body is None
    assert emulator.wrapup_writes(handle.id) == 0


def test_code_outside_the_queue_is_400(emulator: Emulator, org: Org, conversations: Any) -> None:
    """An org code missing from the queue's set is refused with 400 bad.request."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    with pytest.raises(ApiException) as exc:
        conversations.post_conversations_call_participant_communication_wrapup(
            handle.id,
            handle.agent_participant_id,
            handle.agent_communication_id,
            body=wrapup_input(org.codes["Other"]),
        )
    assert exc.value.status == 400
    assert error_of(exc)["message"] == "wrap-up code not valid"
    assert error_of(exc)["messageParams"] == {"code": org.codes["Other"]}
    assert emulator.wrapup(handle.id) is None


def test_queueless_participant_accepts_any_org_code(emulator: Emulator, org: Org, conversations: Any) -> None:
    """Without a queue every org code is valid."""
    handle = emulator.add_conversation(user_id=org.user)
    conversations.post_conversations_call_participant_communication_wrapup(
        handle.id,
        handle.agent_participant_id,
        handle.agent_communication_id,
        body=wrapup_input(org.codes["Other"]),
    )
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Other"]


@pytest.mark.parametrize("wrong", ["conversation", "participant", "communication"])
def test_unknown_ids_are_404(emulator: Emulator, org: Org, conversations: Any, wrong: str) -> None:
    """An unknown conversation, participant or communication id is 404 not.found."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    ids = {
        "conversation": handle.id,
        "participant": handle.agent_participant_id,
        "communication": handle.agent_communication_id,
    }
    ids[wrong] = "nope"
    with pytest.raises(ApiException) as exc:
        conversations.post_conversations_call_participant_communication_wrapup(
            ids["conversation"],
            ids["participant"],
            ids["communication"],
            body=wrapup_input(org.codes["Sale"]),
        )
    assert exc.value.status == 404
    assert error_of(exc)["code"] == "not.found"


def test_customer_participant_cannot_take_a_wrapup(emulator: Emulator, org: Org, conversations: Any) -> None:
    """Only agent participants take a wrap-up: the customer's is 400."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    with pytest.raises(ApiException) as exc:
        conversations.post_conversations_call_participant_communication_wrapup(
            handle.id,
            handle.customer_participant_id,
            handle.customer_communication_id,
            body=wrapup_input(org.codes["Sale"]),
        )
    assert exc.value.status == 400


def test_chat_has_no_post_route_but_patch_works(emulator: Emulator, org: Org, conversations: Any) -> None:
    """SDK 269 has no chats wrap-up POST (404); PATCH participant still wraps a chat up."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media="chat")
    path = (
        f"/api/v2/conversations/chats/{handle.id}/participants/{handle.agent_participant_id}"
        f"/communications/{handle.agent_communication_id}/wrapup"
    )
    response = raw_request(
        emulator, "POST", path, token=emulator.issue_token(), body={"code": org.codes["Sale"]}
    )
    assert response.status == 404
    assert response.body["code"] == "not.found"
    request = sdk.MediaParticipantRequest()
    request.wrapup = wrapup_input(org.codes["Sale"])
    conversations.patch_conversation_participant(handle.id, handle.agent_participant_id, request)
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]


@pytest.mark.parametrize("media", [None, *PARTICIPANT_MEDIA], ids=["generic", *PARTICIPANT_MEDIA])
def test_patch_participant_applies_the_wrapup(
    emulator: Emulator, org: Org, conversations: Any, media: str | None
) -> None:
    """PATCH participant (generic and per media) with only ``wrapup`` records it like the POST."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media or "call")
    request = sdk.MediaParticipantRequest()
    request.wrapup = wrapup_input(org.codes["No Sale"], notes="via patch")
    if media is None:
        conversations.patch_conversation_participant(handle.id, handle.agent_participant_id, request)
    else:
        method = getattr(conversations, f"patch_conversations_{media}_participant")
        _sdk_call(media == "cobrowsesession", method, handle.id, handle.agent_participant_id, body=request)
    assert stored_wrapup(emulator, handle.id)["notes"] == "via patch"
    assert emulator.requests[-1].status == 202
    assert emulator.requests[-1].body == {"wrapup": {"code": org.codes["No Sale"], "notes": "via patch"}}


def test_patch_with_state_on_ended_communication_is_403(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """Sending ``state`` besides ``wrapup`` on an ended call is 403 not.authorized (forum-observed shape)."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    request = sdk.MediaParticipantRequest()
    request.wrapup = wrapup_input(org.codes["Sale"])
    request.state = "disconnected"
    with pytest.raises(ApiException) as exc:
        conversations.patch_conversations_call_participant(handle.id, handle.agent_participant_id, request)
    body = error_of(exc)
    assert exc.value.status == 403
    assert body["code"] == "not.authorized"
    assert body["message"] == f"Access to Conversation {handle.id} is forbidden."
    assert body["messageWithParams"] == "Access to {type} {id} is forbidden."
    assert body["messageParams"] == {"id": handle.id, "type": "Conversation"}
    assert emulator.wrapup(handle.id) is None


def test_patch_state_disconnected_on_a_connected_call_disconnects(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """``state: disconnected`` on a live communication ends it (and starts the ACW timeline)."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, disconnect_after=None)
    request = sdk.MediaParticipantRequest()
    request.state = "disconnected"
    conversations.patch_conversation_participant(handle.id, handle.agent_participant_id, request)
    agent = emulator.conversation_json(handle.id)["participants"][2]
    assert agent["calls"][0]["state"] == "disconnected"
    assert agent["calls"][0]["afterCallWork"]["state"] == "pending"


def test_patch_without_properties_is_400(emulator: Emulator, org: Org) -> None:
    """An empty MediaParticipantRequest has nothing to do: 400."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    path = f"/api/v2/conversations/{handle.id}/participants/{handle.agent_participant_id}"
    response = raw_request(emulator, "PATCH", path, token=emulator.issue_token(), body={})
    assert response.status == 400


@pytest.mark.parametrize("media", [None, *PARTICIPANT_MEDIA], ids=["generic", *PARTICIPANT_MEDIA])
def test_participant_level_wrapup_and_codes_reads(
    emulator: Emulator, org: Org, conversations: Any, media: str | None
) -> None:
    """GET participant wrapup and wrapupcodes (generic and per media) read the queue's data."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media or "call")
    emulator.apply_ui_wrapup(handle.id, org.codes["No Sale"])
    if media is None:
        wrapup = conversations.get_conversation_participant_wrapup(handle.id, handle.agent_participant_id)
        codes = conversations.get_conversation_participant_wrapupcodes(handle.id, handle.agent_participant_id)
    else:
        deprecated = media == "cobrowsesession"
        get_wrapup = getattr(conversations, f"get_conversations_{media}_participant_wrapup")
        get_codes = getattr(conversations, f"get_conversations_{media}_participant_wrapupcodes")
        wrapup = _sdk_call(deprecated, get_wrapup, handle.id, handle.agent_participant_id)
        codes = _sdk_call(deprecated, get_codes, handle.id, handle.agent_participant_id)
    assert wrapup.code == org.codes["No Sale"]
    assert [(c.id, c.name) for c in codes] == [(org.codes["No Sale"], "No Sale"), (org.codes["Sale"], "Sale")]


def test_queueless_participant_codes_are_all_org_codes(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """Without a queue, GET participant wrapupcodes lists every org code."""
    handle = emulator.add_conversation(user_id=org.user)
    codes = conversations.get_conversation_participant_wrapupcodes(handle.id, handle.agent_participant_id)
    assert sorted(c.name for c in codes) == ["No Sale", "Other", "Sale"]


def test_provisional_wrapup_is_kept_apart(emulator: Emulator, org: Org, conversations: Any) -> None:
    """A provisional write needs no code, keeps ACW open and reads back only with ?provisional=true."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    conversations.post_conversations_call_participant_communication_wrapup(
        handle.id,
        handle.agent_participant_id,
        handle.agent_communication_id,
        body=wrapup_input(notes="draft", provisional=True),
    )
    draft = conversations.get_conversation_participant_wrapup(
        handle.id, handle.agent_participant_id, provisional=True
    )
    assert draft.notes == "draft"
    final = conversations.get_conversation_participant_wrapup(handle.id, handle.agent_participant_id)
    assert final.to_dict() == sdk.AssignedWrapupCode().to_dict()
    agent = emulator.conversation_json(handle.id)["participants"][2]
    assert agent["calls"][0]["afterCallWork"]["state"] == "pending"
    assert agent["wrapup"]["provisional"] is True
    assert emulator.wrapup(handle.id) is None
    assert emulator.wrapup_writes(handle.id) == 1


def test_malformed_json_is_400_bad_request(emulator: Emulator, org: Org) -> None:
    """A body that is not JSON is 400 bad.request."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    path = (
        f"/api/v2/conversations/calls/{handle.id}/participants/{handle.agent_participant_id}"
        f"/communications/{handle.agent_communication_id}/wrapup"
    )
    response = raw_request(emulator, "POST", path, token=emulator.issue_token(), data=b"{not json")
    assert response.status == 400
    assert response.body["code"] == "bad.request"
    assert (
        response.body["message"]
        == "The request could not be understood by the server due to malformed syntax."
    )


@pytest.mark.parametrize(
    "body",
    [
        {"code": 5},
        {"code": "x", "tags": "a"},
        {"code": "x", "durationSeconds": "9"},
        {"code": "x", "endTime": "soon"},
    ],
    ids=["code-int", "tags-str", "duration-str", "endtime-bad"],
)
def test_wrong_field_types_are_400(emulator: Emulator, org: Org, body: dict[str, Any]) -> None:
    """Fields of the wrong JSON type are 400 bad.request."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    path = (
        f"/api/v2/conversations/calls/{handle.id}/participants/{handle.agent_participant_id}"
        f"/communications/{handle.agent_communication_id}/wrapup"
    )
    response = raw_request(emulator, "POST", path, token=emulator.issue_token(), body=body)
    assert response.status == 400
    assert response.body["code"] == "bad.request"


def test_unknown_route_is_404(emulator: Emulator) -> None:
    """A path the emulator does not serve (even an invented one) is 404 not.found."""
    response = raw_request(
        emulator, "POST", "/api/v2/conversations/voice/x/wrapup", token=emulator.issue_token()
    )
    assert response.status == 404
    assert response.body["code"] == "not.found"
    assert response.headers["inin-ratelimit-allowed"] == "300"
