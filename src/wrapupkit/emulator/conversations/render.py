"""Genesys-shaped JSON for the emulator's entities (strictly private).

Every key written here exists in the attribute_map of the SDK 269 model named in the function's
docstring, and every enum value is one of that model's allowed values (tests/emulator/test_contract.py
checks both).
"""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator.conversations.models import Communication, Conversation, Participant
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.core.rules import Rules
from wrapupkit.emulator.core.timefmt import iso


__all__ = ["call_conversation_json", "conversation_json", "wrapup_json"]


def wrapup_json(stored: dict[str, Any]) -> dict[str, Any]:
    """``Wrapup`` (code, name, notes, tags, durationSeconds, endTime, provisional)."""
    return dict(stored)


def _after_call_work(comm: Communication, rules: Rules) -> dict[str, Any] | None:
    """``AfterCallWork`` for an agent communication, or None when the key is left out."""
    if comm.acw is None or (comm.acw == "gap" and rules.acw_gap == "absent"):
        return None
    if comm.acw == "gap":
        return {"state": "unknown"}
    acw: dict[str, Any] = {"state": comm.acw}
    if comm.acw_start is not None:
        acw["startTime"] = iso(comm.acw_start)
    if comm.acw_end is not None:
        acw["endTime"] = iso(comm.acw_end)
    return acw


def _shown_wrapup(p: Participant) -> dict[str, Any] | None:
    stored = p.wrapup if p.wrapup is not None else p.provisional
    return wrapup_json(stored) if stored is not None else None


def _communication_json(p: Participant, media: str, rules: Rules) -> dict[str, Any]:
    """``Call`` / ``Callback`` / ``Email`` / ``Message`` / ``SocialExpression`` / ``Video`` /
    ``Cobrowsesession`` / ``Screenshare`` / ``ConversationChat``."""
    info = MEDIA[media]
    comm = p.comm
    data: dict[str, Any] = {"state": comm.state, "id": comm.id}
    if info.has_initial_state:
        data["initialState"] = comm.initial_state
    if info.has_direction:
        data["direction"] = "inbound"
    data["connectedTime"] = iso(comm.connected_time)
    if comm.disconnected_time is not None:
        data["disconnectedTime"] = iso(comm.disconnected_time)
    if comm.disconnect_type is not None:
        data["disconnectType"] = comm.disconnect_type
    if p.is_agent:
        wrapup = _shown_wrapup(p)
        if wrapup is not None:
            data["wrapup"] = wrapup
        acw = _after_call_work(comm, rules)
        if acw is not None:
            data["afterCallWork"] = acw
        data["afterCallWorkRequired"] = False
    return data


def _participant_common(p: Participant) -> dict[str, Any]:
    data: dict[str, Any] = {"id": p.id, "startTime": iso(p.start_time)}
    if p.connected_time is not None:
        data["connectedTime"] = iso(p.connected_time)
    if p.end_time is not None:
        data["endTime"] = iso(p.end_time)
    data["name"] = p.name
    data["purpose"] = p.purpose
    return data


def _agent_fields(p: Participant) -> dict[str, Any]:
    data: dict[str, Any] = {"wrapupRequired": p.wrapup_required}
    if p.wrapup_prompt is not None:
        data["wrapupPrompt"] = p.wrapup_prompt
    if p.wrapup_timeout_ms is not None:
        data["wrapupTimeoutMs"] = p.wrapup_timeout_ms
    wrapup = _shown_wrapup(p)
    if wrapup is not None:
        data["wrapup"] = wrapup
    if p.comm.acw_start is not None:
        data["startAcwTime"] = iso(p.comm.acw_start)
    if p.comm.acw_end is not None:
        data["endAcwTime"] = iso(p.comm.acw_end)
    return data


def _participant_json(p: Participant, media: str, rules: Rules) -> dict[str, Any]:
    """``Participant``."""
    data = _participant_common(p)
    if p.user_id is not None:
        data["userId"] = p.user_id
    if p.queue_id is not None:
        data["queueId"] = p.queue_id
        data["queueName"] = p.queue_name
    if p.is_agent:
        data.update(_agent_fields(p))
    data["attributes"] = {}
    data[MEDIA[media].array] = [_communication_json(p, media, rules)]
    return data


def conversation_json(conv: Conversation, rules: Rules) -> dict[str, Any]:
    """``Conversation`` (GET /api/v2/conversations/{id})."""
    data: dict[str, Any] = {"id": conv.id, "startTime": iso(conv.start_time)}
    if conv.end_time is not None:
        data["endTime"] = iso(conv.end_time)
    data["participants"] = [_participant_json(p, conv.media, rules) for p in conv.participants]
    data["selfUri"] = f"/api/v2/conversations/{conv.id}"
    return data


def _ref(kind: str, entity_id: str, name: str | None) -> dict[str, Any]:
    """``DomainEntityRef``."""
    ref: dict[str, Any] = {"id": entity_id}
    if name is not None:
        ref["name"] = name
    ref["selfUri"] = f"/api/v2/{kind}/{entity_id}"
    return ref


def _call_participant_json(p: Participant, user_names: dict[str, str]) -> dict[str, Any]:
    """``CallMediaParticipant`` (flattened: no communication id, no afterCallWork)."""
    data = _participant_common(p)
    data["state"] = p.comm.state
    data["direction"] = "inbound"
    if p.comm.disconnect_type is not None:
        data["disconnectType"] = p.comm.disconnect_type
    if p.user_id is not None:
        data["user"] = _ref("users", p.user_id, user_names.get(p.user_id))
    if p.queue_id is not None:
        data["queue"] = _ref("routing/queues", p.queue_id, p.queue_name)
    if p.is_agent:
        data.update(_agent_fields(p))
    data["attributes"] = {}
    return data


def call_conversation_json(conv: Conversation, user_names: dict[str, str]) -> dict[str, Any]:
    """``CallConversation`` (GET /api/v2/conversations/calls/{id})."""
    return {
        "id": conv.id,
        "participants": [_call_participant_json(p, user_names) for p in conv.participants],
        "otherMediaUris": [],
        "selfUri": f"/api/v2/conversations/calls/{conv.id}",
    }
