"""Genesys-shaped JSON for the emulator's entities (strictly private).

Every key written here exists in the attribute_map of the SDK 269 model named in the function's
docstring, and every enum value is one of that model's allowed values (tests/emulator/test_contract.py
checks both).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from wrapupkit.emulator._model import MEDIA, Code, Communication, Conversation, Participant, Queue, iso
from wrapupkit.emulator._rules import Rules


__all__ = [
    "call_conversation_json",
    "code_json",
    "conversation_json",
    "listing_json",
    "queue_json",
    "wrapup_json",
]

_DEFAULT_DIVISION_NAME = "Home"


def _division(division_id: str, default_id: str) -> dict[str, Any]:
    """``StarrableDivision`` / ``Division``."""
    division: dict[str, Any] = {"id": division_id}
    if division_id == default_id:
        division["name"] = _DEFAULT_DIVISION_NAME
    division["selfUri"] = f"/api/v2/authorization/divisions/{division_id}"
    return division


def code_json(code: Code, default_division_id: str) -> dict[str, Any]:
    """``WrapupCode``."""
    return {
        "id": code.id,
        "name": code.name,
        "division": _division(code.division_id, default_division_id),
        "dateCreated": iso(code.created),
        "selfUri": f"/api/v2/routing/wrapupcodes/{code.id}",
    }


def queue_json(queue: Queue, default_division_id: str) -> dict[str, Any]:
    """``Queue`` (only the fields the emulator models)."""
    acw: dict[str, Any] = {"wrapupPrompt": queue.wrapup_prompt}
    # AcwSettings.timeoutMs is only meaningful for the time-boxed and agent-requested prompts [SRC].
    if queue.wrapup_prompt in ("MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED"):
        acw["timeoutMs"] = queue.timeout_ms
    return {
        "id": queue.id,
        "name": queue.name,
        "division": _division(default_division_id, default_division_id),
        "dateCreated": iso(queue.created),
        "acwSettings": acw,
        "selfUri": f"/api/v2/routing/queues/{queue.id}",
    }


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


def listing_json(
    entities: list[dict[str, Any]],
    *,
    total: int,
    page_size: int,
    page_number: int,
    path: str,
    query: list[tuple[str, str]],
) -> dict[str, Any]:
    """``WrapupCodeEntityListing`` for one page; *entities* is already that page."""
    page_count = math.ceil(total / page_size)

    def uri(number: int) -> str:
        return f"{path}?{urlencode([('pageSize', page_size), ('pageNumber', number), *query], safe='*')}"

    data: dict[str, Any] = {
        "entities": entities,
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(max(page_count, 1)),
        "pageCount": page_count,
    }
    if page_number < page_count:
        data["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        data["previousUri"] = uri(page_number - 1)
    return data
