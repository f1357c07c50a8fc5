"""Wrap-up writes and reads on the backend: validation, the write rules, recording (strictly private)."""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations import steps
from wrapupkit.emulator.conversations.models import Communication, Conversation, Participant
from wrapupkit.emulator.conversations.service import end_participant, get_conversation
from wrapupkit.emulator.core.errors import EmulatorError, bad_request, forbidden_conversation, not_found
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.core.timefmt import iso, parse_iso
from wrapupkit.emulator.routing.models import Code
from wrapupkit.emulator.routing.service import codes_for_queue


__all__ = [
    "PARTICIPANT_REQUEST_KEYS",
    "WRAPUP_INPUT_KEYS",
    "participant_codes",
    "patch_participant",
    "read_wrapup",
    "write_wrapup",
]

# JSON keys of the SDK 269 request models (attribute_map of WrapupInput / MediaParticipantRequest).
WRAPUP_INPUT_KEYS = frozenset(
    {"code", "name", "notes", "tags", "durationSeconds", "endTime", "provisional", "disableEndTimeUpdates"}
)
PARTICIPANT_REQUEST_KEYS = frozenset(
    {"wrapup", "state", "recording", "muted", "confined", "held", "wrapupSkipped", "resumeTime"}
)
_ASSIGNED_KEYS = ("code", "notes", "tags", "durationSeconds", "endTime")
# Genesys's words for a wrap-up written before the participant entered after-call work
# (409 general.conflict; issue 16, measured against a fake modelled on public reports).
NOT_VALID_STATE = "The participant is not in a valid state for wrap-up"


def _wrong_media(state: State, conv: Conversation, segment: str) -> EmulatorError:
    return EmulatorError(
        state.rules.wrong_media_status,
        None,
        f"Conversation {conv.id} is a {conv.media} conversation, not {segment}",
        {"id": conv.id, "mediaType": conv.media},
    )


def locate(
    state: State, cid: str, pid: str, segment: str | None, mid: str | None = None
) -> tuple[Conversation, Participant, Communication]:
    """The conversation, participant and communication a path names; 404 / wrong-media errors otherwise.

    Without *mid*, the communication is the participant's one of the path's media, else the one
    that carries its after-call work.
    """
    conv = get_conversation(state, cid)
    legs = conv.participants + conv.upcoming
    if segment is not None and not any(
        MEDIA[c.media].segment == segment for q in legs for c in q.communications
    ):
        raise _wrong_media(state, conv, segment)
    p = conv.participant(pid)
    if p is None:
        raise not_found(f"Participant {pid} not found in conversation {cid}")
    if mid is not None:
        comm = p.communication(mid)
        if comm is None:
            raise not_found(f"Communication {mid} not found for participant {pid}")
    else:
        matching = [c for c in p.communications if segment is None or MEDIA[c.media].segment == segment]
        comm = p.comm if p.comm in matching else (matching or [p.comm])[-1]
    if segment is not None and MEDIA[comm.media].segment != segment:
        raise _wrong_media(state, conv, segment)
    return conv, p, comm


def _check_unknown(state: State, body: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown and state.rules.unknown_fields == "reject":
        raise EmulatorError(
            400,
            "bad.request",
            f"Unrecognized field(s): {', '.join(unknown)}",
            {"fields": ", ".join(unknown)},
            message_with_params="Unrecognized field(s): {fields}",
        )


def _parse_time(value: str) -> str:
    epoch = parse_iso(value)
    if epoch is None:
        raise bad_request(f"endTime is not an ISO-8601 date-time: {value!r}")
    return iso(epoch)


def validate_wrapup_input(state: State, body: Any) -> dict[str, Any]:
    """Check a ``WrapupInput`` body (``null`` = empty) and return its known, non-null fields."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request("The wrap-up body must be a JSON object.")
    _check_unknown(state, body, WRAPUP_INPUT_KEYS)
    data = {k: v for k, v in body.items() if k in WRAPUP_INPUT_KEYS and v is not None}
    for key in ("code", "name", "notes", "endTime"):
        if key in data and not isinstance(data[key], str):
            raise bad_request(f"{key} must be a string")
    for key in ("provisional", "disableEndTimeUpdates"):
        if key in data and not isinstance(data[key], bool):
            raise bad_request(f"{key} must be a boolean")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise bad_request("tags must be a list of strings")
    duration = data.get("durationSeconds", 0)
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise bad_request("durationSeconds must be an integer")
    if "endTime" in data:
        data["endTime"] = _parse_time(data["endTime"])
    return data


def _rule(value: str | int, ok: str, conv: Conversation, message: str) -> None:
    if value == ok:
        return
    status = int(value)
    if status == 403:
        raise forbidden_conversation(conv.id)
    raise EmulatorError(status, None, message)


def _check_state(
    state: State, conv: Conversation, p: Participant, comm: Communication, provisional: bool
) -> None:
    """The write rules for the communication's state (genesys-api.md 2.3 and 2.5; docs/emulator.md)."""
    rules = state.rules
    if comm.acw == "complete" and comm.wrapup_source != "api":
        _rule(rules.after_acw_closed_write, "accept", conv, f"After-call work for {p.id} is already closed.")
    elif comm.wrapup is not None and comm.wrapup_source == "api" and not provisional:
        _rule(rules.second_write, "overwrite", conv, f"Participant {p.id} already has a wrap-up.")
    if not comm.answered:
        _rule(rules.unanswered_write, "accept", conv, f"Communication {comm.id} was never answered.")
    elif steps.gap_active(state, comm):
        _rule(rules.acw_gap_write, "accept", conv, NOT_VALID_STATE)
    elif comm.acw in (None, "gap"):
        _rule(rules.early_write, "accept", conv, NOT_VALID_STATE)
    elif comm.acw == "skipped":
        _rule(rules.skipped_write, "accept", conv, f"After-call work for {p.id} was skipped.")
    elif comm.acw == "notApplicable":
        _rule(rules.not_applicable_write, "accept", conv, f"After-call work does not apply to {p.id}.")


def _apply(
    state: State, conv: Conversation, p: Participant, comm: Communication, data: dict[str, Any]
) -> None:
    if not p.is_agent:
        raise bad_request(f"Participant {p.id} is a {p.purpose} participant; only agents take a wrap-up.")
    provisional = data.get("provisional") is True
    code_id = data.get("code")
    if code_id is None and not provisional:
        raise bad_request("A wrap-up code is required.")
    code: Code | None = None
    if code_id is not None:
        code = next((c for c in codes_for_queue(state, p.queue_id) if c.id == code_id), None)
        if code is None:
            raise EmulatorError(
                state.rules.code_not_in_queue_status, None, "wrap-up code not valid", {"code": code_id}
            )
    _check_state(state, conv, p, comm, provisional)
    epoch = state.now()
    wrapup: dict[str, Any] = {
        "code": code_id,
        "name": code.name if code else None,
        "notes": data.get("notes"),
        "tags": data.get("tags"),
        "durationSeconds": data.get("durationSeconds"),
        # [INF] the platform stamps the end time when the client leaves it out.
        "endTime": data.get("endTime") or iso(epoch),
        "provisional": provisional,
    }
    wrapup = {k: v for k, v in wrapup.items() if v is not None}
    if provisional:
        comm.provisional = wrapup
    else:
        steps.set_wrapup(conv, p, comm, wrapup, source="api", epoch=epoch)
    conv.writes += 1
    state.changed(conv.id)


def write_wrapup(
    state: State, cid: str, pid: str, *, mid: str | None, segment: str | None, body: Any
) -> None:
    """POST …/communications/{mid}/wrapup: validate and record a ``WrapupInput``."""
    with state.mutating():
        conv, p, comm = locate(state, cid, pid, segment, mid)
        _apply(state, conv, p, comm, validate_wrapup_input(state, body))


def patch_participant(state: State, cid: str, pid: str, segment: str | None, body: Any) -> None:
    """PATCH participant with a ``MediaParticipantRequest``: apply ``wrapup``; other keys act."""
    with state.mutating():
        conv, p, comm = locate(state, cid, pid, segment)
        if not isinstance(body, dict):
            raise bad_request("The participant body must be a JSON object.")
        _check_unknown(state, body, PARTICIPANT_REQUEST_KEYS)
        present = {k: v for k, v in body.items() if k in PARTICIPANT_REQUEST_KEYS and v is not None}
        if not present:
            raise bad_request("No participant property to update.")
        actions = [k for k in present if k != "wrapup"]
        # Every property but wrapup tries to act on the communication; on an ended one that is a 403
        # (genesys-api.md 1.3, [FORUM] update-and-change-system-wrap-up-codes).
        if actions and comm.state != "connected":
            raise forbidden_conversation(cid)
        wanted = present.get("state")
        if wanted is not None and wanted not in ("connected", "disconnected"):
            raise bad_request("state must be connected or disconnected")
        if "wrapup" in present:
            _apply(state, conv, p, comm, validate_wrapup_input(state, present["wrapup"]))
        if wanted == "disconnected":
            end_participant(state, conv, p)


def read_wrapup(
    state: State, cid: str, pid: str, *, mid: str | None, segment: str | None, provisional: bool
) -> dict[str, Any] | None:
    """The ``AssignedWrapupCode`` JSON for a participant, or None when there is none."""
    with state.lock:
        _conv, p, comm = locate(state, cid, pid, segment, mid)
        holder = comm if mid is not None else p
        stored = holder.provisional if provisional else holder.wrapup
        if stored is None:
            return None
        return {k: stored[k] for k in _ASSIGNED_KEYS if k in stored}


def participant_codes(state: State, cid: str, pid: str, segment: str | None) -> list[Code]:
    """The wrap-up codes valid for a participant, sorted by name."""
    with state.lock:
        _conv, p, _comm = locate(state, cid, pid, segment)
        return sorted(codes_for_queue(state, p.queue_id), key=lambda c: c.name)
