"""After-call work modes and the write rules of each ACW state, over HTTP with the SDK (genesys-api.md 2)."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import error_of, raw_request, wrapup_input
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Comm, Emulator, Leg, Shape, shapes
from wrapupkit.testing import FakeClock


@pytest.fixture(name="ids")
def _ids(emulator: Emulator) -> dict[str, str]:
    sale = emulator.add_code("Sale")
    return {
        "sale": sale,
        "ada": emulator.add_user("Ada"),
        "bob": emulator.add_user("Bob"),
        "requested": emulator.add_queue("Requested", codes=[sale], wrapup_prompt="AGENT_REQUESTED"),
        "mandatory": emulator.add_queue("Mandatory", codes=[sale], wrapup_prompt="MANDATORY"),
        "optional": emulator.add_queue("Optional", codes=[sale], wrapup_prompt="OPTIONAL"),
    }


def _agent(conversations: Any, cid: str) -> Any:
    return next(p for p in conversations.get_conversation(cid).participants if p.purpose in ("agent", "user"))


def _request_acw(api: Any, cid: str, pid: str, mid: str, required: bool = True) -> Any:
    body = sdk.AfterCallWorkUpdate()
    body.after_call_work_required = required
    return sdk.ConversationsApi(
        api
    ).patch_conversations_aftercallwork_conversation_id_participant_communication(cid, pid, mid, body)


def _post(api: Any, handle: Any, code: str) -> None:
    sdk.ConversationsApi(api).post_conversations_call_participant_communication_wrapup(
        handle.id, handle.agent_participant_id, handle.agent_communication_id, body=wrapup_input(code)
    )


@pytest.mark.parametrize("shown", ["notApplicable", "skipped"])
def test_agent_requested_without_a_request_has_no_acw(
    emulator: Emulator, ids: dict[str, str], conversations: Any, shown: str
) -> None:
    """AGENT_REQUESTED and no request: afterCallWork is Rules.acw_not_requested, wrapupRequired false."""
    emulator.rules.acw_not_requested = shown
    handle = emulator.add_conversation(user_id=ids["ada"], queue_id=ids["requested"])
    agent = _agent(conversations, handle.id)
    assert agent.wrapup_prompt == "agentRequested"
    assert agent.wrapup_required is False
    assert (agent.calls[0].after_call_work.state, agent.calls[0].after_call_work_required) == (shown, False)


def test_agent_requested_acw_through_the_sdk_patch(
    emulator: Emulator, fake_clock: FakeClock, ids: dict[str, str], api: Any, conversations: Any
) -> None:
    """PATCH aftercallwork while connected: afterCallWorkRequired shows, and ACW opens on disconnect."""
    handle = emulator.add_conversation(user_id=ids["ada"], queue_id=ids["requested"], disconnect_after=10)
    _request_acw(api, handle.id, handle.agent_participant_id, handle.agent_communication_id)
    live = _agent(conversations, handle.id)
    assert (live.calls[0].after_call_work_required, live.wrapup_required) == (True, True)
    fake_clock.advance(10)
    ended = _agent(conversations, handle.id)
    assert ended.calls[0].after_call_work.state == "pending"
    _post(api, handle, ids["sale"])
    assert _agent(conversations, handle.id).calls[0].after_call_work.state == "complete"
    patches = emulator.requests_matching("PATCH", r"/aftercallwork/")
    assert [(r.status, r.body) for r in patches] == [(202, {"afterCallWorkRequired": True})]


def test_acw_request_errors(
    emulator: Emulator, fake_clock: FakeClock, ids: dict[str, str], strict_api: Any
) -> None:
    """Only connected communications: 400 after the disconnect; unknown ids 404; a missing field 400."""
    handle = emulator.add_conversation(user_id=ids["ada"], queue_id=ids["requested"], disconnect_after=5)
    fake_clock.advance(5)
    with pytest.raises(ApiException) as ended:
        _request_acw(strict_api, handle.id, handle.agent_participant_id, handle.agent_communication_id)
    assert ended.value.status == 400
    assert "connected communications" in error_of(ended)["message"]
    with pytest.raises(ApiException) as unknown:
        _request_acw(strict_api, handle.id, handle.agent_participant_id, "nope")
    assert unknown.value.status == 404
    token = emulator.issue_token()
    path = f"/api/v2/conversations/aftercallwork/{handle.id}/participants/{handle.agent_participant_id}"
    bad = raw_request(
        emulator, "PATCH", f"{path}/communications/{handle.agent_communication_id}", token=token, body={}
    )
    assert (bad.status, bad.body["code"]) == (400, "bad.request")
    denied = raw_request(
        emulator,
        "PATCH",
        f"{path}/communications/{handle.agent_communication_id}",
        token=emulator.issue_token(permissions=[]),
        body={"afterCallWorkRequired": True},
    )
    assert (denied.status, denied.body["code"]) == (403, "missing.any.permissions")


def _status_of_write(api: Any, handle: Any, code: str) -> int:
    try:
        _post(api, handle, code)
    except ApiException as exc:
        return int(exc.status)
    return 202


@pytest.mark.parametrize("rule", [("accept", 202), (409, 409), (400, 400)])
@pytest.mark.parametrize("shown", ["skipped", "notApplicable"])
def test_write_rule_of_each_final_acw_state(
    emulator: Emulator, ids: dict[str, str], strict_api: Any, shown: str, rule: tuple[Any, int]
) -> None:
    """Rules.skipped_write / not_applicable_write decide a write while afterCallWork shows that state."""
    value, status = rule
    emulator.rules.acw_not_requested = shown
    setattr(emulator.rules, "skipped_write" if shown == "skipped" else "not_applicable_write", value)
    handle = emulator.add_conversation(user_id=ids["ada"], queue_id=ids["requested"])
    assert (
        emulator.conversation_json(handle.id)["participants"][2]["calls"][0]["afterCallWork"]["state"]
        == shown
    )
    assert _status_of_write(strict_api, handle, ids["sale"]) == status
    assert (emulator.wrapup(handle.id) is not None) == (status == 202)


def test_a_leg_without_wrapup_shows_not_applicable(
    emulator: Emulator, ids: dict[str, str], strict_api: Any
) -> None:
    """wrapup_required=False: notApplicable, and Rules.not_applicable_write applies to it too."""
    emulator.rules.not_applicable_write = 409
    handle = emulator.add_conversation(user_id=ids["ada"], queue_id=ids["mandatory"], wrapup_required=False)
    assert _status_of_write(strict_api, handle, ids["sale"]) == 409


@pytest.mark.parametrize("status", [409, 400])
def test_strict_acw_gap(
    emulator: Emulator,
    ids: dict[str, str],
    strict_api: Any,
    conversations: Any,
    status: int,
) -> None:
    """Rules.acw_gap_seconds: no afterCallWork, wrapupRequired false and refused writes for N seconds."""
    emulator.rules.acw_gap_seconds = 3.0
    emulator.rules.acw_gap_write = status
    handle = emulator.add_conversation(user_id=ids["ada"], queue_id=ids["mandatory"])
    gap = _agent(conversations, handle.id)
    assert (gap.calls[0].state, gap.calls[0].after_call_work, gap.wrapup_required) == (
        "disconnected",
        None,
        False,
    )
    with pytest.raises(ApiException) as refused:
        _post(strict_api, handle, ids["sale"])
    assert refused.value.status == status
    emulator.advance(3.0)
    ready = _agent(conversations, handle.id)
    assert (ready.calls[0].after_call_work.state, ready.wrapup_required) == ("pending", True)
    _post(strict_api, handle, ids["sale"])
    assert emulator.wrapup_writes(handle.id) == 1


def test_agent_skips_acw_in_the_ui(
    emulator: Emulator, fake_clock: FakeClock, ids: dict[str, str], conversations: Any
) -> None:
    """Leg(ui_skip=...): the agent leaves ACW without a code: skipped, wrapupSkipped, no wrap-up."""
    shape = Shape(
        legs=[
            Leg.customer(disconnect=10),
            Leg.acd(ids["optional"]),
            Leg(
                user_id=ids["ada"],
                queue_id=ids["optional"],
                comms=(Comm(connect=1, disconnect=10),),
                ui_skip=4.0,
            ),
        ]
    )
    handle = emulator.add_shape(shape)
    fake_clock.advance(20)
    agent = conversations.get_conversation(handle.id).participants[2]
    assert (agent.calls[0].after_call_work.state, agent.wrapup_skipped, agent.wrapup) == (
        "skipped",
        True,
        None,
    )
    assert agent.end_acw_time is not None


@pytest.mark.parametrize(
    ("level", "states"), [("participant", ["pending", None]), ("communication", ["pending", "pending"])]
)
def test_acw_level_with_two_calls_on_one_leg(
    emulator: Emulator,
    ids: dict[str, str],
    conversations: Any,
    level: str,
    states: list[str | None],
) -> None:
    """Participant level: one ACW on the first answered call; communication level: one per call."""
    emulator.rules.acw_level = level
    shape = shapes.consult_transfer(ids["ada"], ids["bob"], ids["mandatory"], consult_call=True)
    handle = emulator.add_shape(shape)
    emulator.advance(600)
    ada = conversations.get_conversation(handle.id).participants[2]
    got = [c.after_call_work.state if c.after_call_work else None for c in ada.calls]
    assert got == states


def test_acw_timeout_per_leg_queue(emulator: Emulator, fake_clock: FakeClock, ids: dict[str, str]) -> None:
    """Each leg's timeout comes from its own queue: ININ-WRAP-UP-TIMEOUT lands on the time-boxed one only."""
    boxed = emulator.add_queue(
        "Boxed", codes=[ids["sale"]], wrapup_prompt="MANDATORY_TIMEOUT", timeout_ms=5000
    )
    handle = emulator.add_shape(
        shapes.blind_transfer(ids["ada"], ids["bob"], ids["mandatory"], to_queue_id=boxed)
    )
    fake_clock.advance(3600)
    ada, bob = handle.agent_legs
    assert emulator.wrapup(handle.id, ada.participant_id) is None
    timed_out = emulator.wrapup(handle.id, bob.participant_id)
    assert timed_out is not None
    assert timed_out["code"] == "ININ-WRAP-UP-TIMEOUT"
