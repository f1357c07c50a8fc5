"""Genesys-shaped JSON for conversations: ``Conversation``, ``CallConversation`` and event bodies.

Every key written here exists in the attribute_map of the SDK 269 model named in the function's
docstring, and every enum value is one of that model's allowed values (tests/emulator/test_contract.py
checks both).
"""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations.models import Communication, Conversation, Participant
from wrapupkit.emulator.conversations.steps import expects_wrapup, gap_active, requires_wrapup
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.core.timefmt import iso


__all__ = ["call_conversation_json", "conversation_json", "wrapup_json"]


def wrapup_json(stored: dict[str, Any]) -> dict[str, Any]:
    """``Wrapup`` (code, name, notes, tags, durationSeconds, endTime, provisional)."""
    return dict(stored)


def _after_call_work(state: State, comm: Communication) -> dict[str, Any] | None:
    """``AfterCallWork`` for an agent communication, or None when the key is left out."""
    if comm.acw is None:
        return None
    if comm.acw == "gap":
        if gap_active(state, comm) or state.rules.acw_gap == "absent":
            return None
        return {"state": "unknown"}
    acw: dict[str, Any] = {"state": comm.acw}
    if comm.acw_start is not None:
        acw["startTime"] = iso(comm.acw_start)
    if comm.acw_end is not None:
        acw["endTime"] = iso(comm.acw_end)
    return acw


def _shown(comm: Communication) -> dict[str, Any] | None:
    stored = comm.wrapup if comm.wrapup is not None else comm.provisional
    return wrapup_json(stored) if stored is not None else None


def _communication_json(state: State, p: Participant, comm: Communication) -> dict[str, Any]:
    """``Call`` / ``Callback`` / ``Email`` / ``Message`` / ``SocialExpression`` / ``Video`` /
    ``Cobrowsesession`` / ``Screenshare`` / ``ConversationChat``."""
    info = MEDIA[comm.media]
    data: dict[str, Any] = {"state": comm.state, "id": comm.id}
    if info.has_initial_state:
        data["initialState"] = comm.initial_state
    if info.has_direction:
        data["direction"] = comm.direction
    if comm.connected_time is not None:
        data["connectedTime"] = iso(comm.connected_time)
    if comm.disconnected_time is not None:
        data["disconnectedTime"] = iso(comm.disconnected_time)
    if comm.disconnect_type is not None:
        data["disconnectType"] = comm.disconnect_type
    if p.is_agent:
        wrapup = _shown(comm)
        if wrapup is not None:
            data["wrapup"] = wrapup
        acw = _after_call_work(state, comm)
        if acw is not None:
            data["afterCallWork"] = acw
        data["afterCallWorkRequired"] = comm.acw_requested
    return data


def _participant_common(p: Participant) -> dict[str, Any]:
    data: dict[str, Any] = {"id": p.id}
    if p.start_time is not None:
        data["startTime"] = iso(p.start_time)
    if p.connected_time is not None:
        data["connectedTime"] = iso(p.connected_time)
    if p.end_time is not None:
        data["endTime"] = iso(p.end_time)
    data["name"] = p.name
    data["purpose"] = p.purpose
    if p.consult_participant_id is not None:
        data["consultParticipantId"] = p.consult_participant_id
    return data


def _wrapup_fields(state: State, p: Participant, *, event: bool) -> dict[str, Any]:
    """``wrapupRequired`` (every participant), ``wrapupExpected`` (events) and the agent's ACW fields."""
    data: dict[str, Any] = {"wrapupRequired": p.is_agent and requires_wrapup(state, p)}
    if event:
        data["wrapupExpected"] = p.is_agent and expects_wrapup(p)
    if not p.is_agent:
        return data
    if p.wrapup_prompt is not None:
        data["wrapupPrompt"] = p.wrapup_prompt
    if p.wrapup_timeout_ms is not None:
        data["wrapupTimeoutMs"] = p.wrapup_timeout_ms
    if p.wrapup_skipped:
        data["wrapupSkipped"] = True
    comm = p.comm
    stored = p.wrapup if p.wrapup is not None else comm.provisional
    if stored is not None:
        data["wrapup"] = wrapup_json(stored)
    if comm.acw_start is not None:
        data["startAcwTime"] = iso(comm.acw_start)
    if comm.acw_end is not None:
        data["endAcwTime"] = iso(comm.acw_end)
    return data


def _participant_json(state: State, p: Participant, *, event: bool) -> dict[str, Any]:
    """``Participant`` (``ConversationEventTopicParticipant`` with *event*)."""
    data = _participant_common(p)
    if p.user_id is not None:
        data["userId"] = p.user_id
    if p.queue_id is not None:
        data["queueId"] = p.queue_id
        data["queueName"] = p.queue_name
    data.update(_wrapup_fields(state, p, event=event))
    data["attributes"] = {}
    for comm in p.communications:
        data.setdefault(MEDIA[comm.media].array, []).append(_communication_json(state, p, comm))
    return data


def conversation_json(state: State, conv: Conversation, *, event: bool = False) -> dict[str, Any]:
    """``Conversation`` (GET /api/v2/conversations/{id}); with *event*, the fields events add."""
    data: dict[str, Any] = {"id": conv.id, "startTime": iso(conv.start_time)}
    if conv.end_time is not None:
        data["endTime"] = iso(conv.end_time)
    data["participants"] = [_participant_json(state, p, event=event) for p in conv.participants]
    data["selfUri"] = f"/api/v2/conversations/{conv.id}"
    return data


def _ref(kind: str, entity_id: str, name: str | None) -> dict[str, Any]:
    """``DomainEntityRef``."""
    ref: dict[str, Any] = {"id": entity_id}
    if name is not None:
        ref["name"] = name
    ref["selfUri"] = f"/api/v2/{kind}/{entity_id}"
    return ref


def _call_participant_json(state: State, p: Participant, call: Communication) -> dict[str, Any]:
    """``CallMediaParticipant`` (flattened: no communication id, no afterCallWork)."""
    data = _participant_common(p)
    data["state"] = call.state
    data["direction"] = call.direction
    if call.disconnect_type is not None:
        data["disconnectType"] = call.disconnect_type
    if p.user_id is not None:
        user = state.users.get(p.user_id)
        data["user"] = _ref("users", p.user_id, user.name if user else None)
    if p.queue_id is not None:
        data["queue"] = _ref("routing/queues", p.queue_id, p.queue_name)
    data.update(_wrapup_fields(state, p, event=False))
    data["attributes"] = {}
    return data


def call_conversation_json(state: State, conv: Conversation) -> dict[str, Any]:
    """``CallConversation`` (GET /api/v2/conversations/calls/{id}): the legs with a call."""
    participants = []
    for p in conv.participants:
        calls = [c for c in p.communications if c.media == "call"]
        if calls:
            participants.append(_call_participant_json(state, p, calls[-1]))
    return {
        "id": conv.id,
        "participants": participants,
        "otherMediaUris": [],
        "selfUri": f"/api/v2/conversations/calls/{conv.id}",
    }
