"""GET conversation endpoints: the generic Conversation and the flattened CallConversation."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from emulator_helpers import Org, error_of, raw_request
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Emulator


MEDIA_ARRAYS = {
    "call": "calls",
    "callback": "callbacks",
    "email": "emails",
    "message": "messages",
    "social": "social_expressions",
    "video": "videos",
    "cobrowsesession": "cobrowsesessions",
    "screenshare": "screenshares",
    "chat": "chats",
}


def test_conversation_has_customer_acd_and_agent(emulator: Emulator, org: Org, conversations: Any) -> None:
    """The SDK reads a customer, an ACD participant and the agent, with the handle's ids."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    conv = conversations.get_conversation(handle.id)
    by_purpose = {p.purpose: p for p in conv.participants}
    assert set(by_purpose) == {"customer", "acd", "agent"}
    agent = by_purpose["agent"]
    assert agent.id == handle.agent_participant_id
    assert agent.user_id == org.user
    assert agent.queue_id == org.queue
    assert agent.queue_name == "Support"
    assert agent.wrapup_required is True
    assert agent.calls[0].id == handle.agent_communication_id
    assert by_purpose["customer"].id == handle.customer_participant_id
    assert by_purpose["customer"].calls[0].id == handle.customer_communication_id
    assert by_purpose["acd"].id == handle.acd_participant_id
    assert by_purpose["acd"].queue_id == org.queue
    assert conv.self_uri == f"/api/v2/conversations/{handle.id}"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        handle.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("media", list(MEDIA_ARRAYS), ids=list(MEDIA_ARRAYS))
def test_each_media_uses_its_own_participant_array(
    emulator: Emulator, org: Org, conversations: Any, media: str
) -> None:
    """The agent's single communication sits in the media's array and nowhere else."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media=media)
    conv = conversations.get_conversation(handle.id)
    agent = next(p for p in conv.participants if p.purpose == "agent")
    for name, array in MEDIA_ARRAYS.items():
        communications = getattr(agent, array) or []
        assert len(communications) == (1 if name == media else 0), array
    assert getattr(agent, MEDIA_ARRAYS[media])[0].id == handle.agent_communication_id


def test_unknown_conversation_is_404_not_found(emulator: Emulator, conversations: Any) -> None:
    """An unknown id is a 404 ErrorBody whose contextId is the correlation header."""
    with pytest.raises(ApiException) as exc:
        conversations.get_conversation("does-not-exist")
    body = error_of(exc)
    assert exc.value.status == 404
    assert body["code"] == "not.found"
    assert body["contextId"] == exc.value.headers["ININ-Correlation-Id"]


def test_call_conversation_is_flattened(emulator: Emulator, org: Org, conversations: Any) -> None:
    """GET /conversations/calls/{id}: CallMediaParticipants with state, user and queue refs."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    conv = conversations.get_conversations_call(handle.id)
    agent = next(p for p in conv.participants if p.purpose == "agent")
    assert agent.id == handle.agent_participant_id
    assert agent.state == "disconnected"
    assert agent.user.id == org.user
    assert agent.user.name == "Ada"
    assert agent.queue.id == org.queue
    assert agent.wrapup_prompt == "timeout"
    assert conv.self_uri == f"/api/v2/conversations/calls/{handle.id}"


def test_call_route_is_404_for_other_media(emulator: Emulator, org: Org, conversations: Any) -> None:
    """A message conversation is not found on the calls route."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media="message")
    with pytest.raises(ApiException) as exc:
        conversations.get_conversations_call(handle.id)
    assert exc.value.status == 404
    assert error_of(exc)["code"] == "not.found"


@pytest.mark.parametrize(
    ("prompt", "participant_prompt", "timeout_ms"),
    [
        ("MANDATORY", "mandatory", None),
        ("OPTIONAL", "optional", None),
        ("MANDATORY_TIMEOUT", "timeout", 60_000),
        ("MANDATORY_FORCED_TIMEOUT", "forcedTimeout", 60_000),
        ("AGENT_REQUESTED", "agentRequested", 60_000),
    ],
    ids=["mandatory", "optional", "timeout", "forced", "agent-requested"],
)
def test_queue_acw_prompt_maps_to_participant_prompt(
    emulator: Emulator,
    org: Org,
    conversations: Any,
    *,
    prompt: str,
    participant_prompt: str,
    timeout_ms: int | None,
) -> None:
    """AcwSettings.wrapupPrompt maps to the participant's lower-camel wrapupPrompt (and timeout)."""
    queue = emulator.add_queue("Q", codes=[org.codes["Sale"]], wrapup_prompt=prompt, timeout_ms=60_000)
    handle = emulator.add_conversation(user_id=org.user, queue_id=queue)
    agent = next(p for p in conversations.get_conversation(handle.id).participants if p.purpose == "agent")
    assert agent.wrapup_prompt == participant_prompt
    assert agent.wrapup_timeout_ms == timeout_ms


def test_queueless_conversation_is_a_direct_call(emulator: Emulator, org: Org, conversations: Any) -> None:
    """Without a queue it is a direct call: the user's leg has purpose user, no queue fields, no ACD leg."""
    handle = emulator.add_conversation(user_id=org.user)
    conv = conversations.get_conversation(handle.id)
    assert [p.purpose for p in conv.participants] == ["customer", "user"]
    user = conv.participants[1]
    assert (user.id, user.user_id) == (handle.agent_participant_id, org.user)
    assert user.queue_id is None
    assert user.wrapup_prompt is None
    assert handle.queue_id is None
    assert handle.acd_participant_id is None


def test_extra_agents_get_their_own_users_and_ids(emulator: Emulator, org: Org, conversations: Any) -> None:
    """agents=3 adds three agent participants; the first is user_id, the others new users."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, agents=3)
    conv = conversations.get_conversation(handle.id)
    agents = [p for p in conv.participants if p.purpose == "agent"]
    assert tuple(a.id for a in agents) == handle.agent_participant_ids
    assert agents[0].user_id == org.user
    assert len({a.user_id for a in agents}) == 3
    assert all(a.user_id in emulator.state.users for a in agents)


def test_conversation_json_matches_the_http_answer(emulator: Emulator, org: Org) -> None:
    """emu.conversation_json() is exactly what GET /conversations/{id} returns."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    response = raw_request(
        emulator, "GET", f"/api/v2/conversations/{handle.id}", token=emulator.issue_token()
    )
    assert response.body == emulator.conversation_json(handle.id)


def test_seeding_errors_are_emulator_errors(emulator: Emulator, org: Org) -> None:
    """Bad seeding arguments raise EmulatorError with a 400/404/409 status."""
    from wrapupkit.emulator import EmulatorError

    with pytest.raises(EmulatorError) as bad_media:
        emulator.add_conversation(user_id=org.user, media="fax")
    assert bad_media.value.status == 400
    with pytest.raises(EmulatorError) as unknown_user:
        emulator.add_conversation(user_id="ghost")
    assert unknown_user.value.status == 400
    with pytest.raises(EmulatorError) as unknown_queue:
        emulator.add_conversation(user_id=org.user, queue_id="ghost")
    assert unknown_queue.value.status == 404
    with pytest.raises(EmulatorError) as duplicate:
        emulator.add_code("Sale")
    assert duplicate.value.status == 409
    with pytest.raises(EmulatorError) as bad_prompt:
        emulator.add_queue("Q", wrapup_prompt="SOMETIMES")
    assert bad_prompt.value.status == 400
    with pytest.raises(EmulatorError) as bad_code:
        emulator.add_queue("Q", codes=["ghost"])
    assert bad_code.value.status == 400
