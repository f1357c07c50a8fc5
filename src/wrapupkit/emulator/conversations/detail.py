"""Bodies of the ``v2.detail.events.conversation.{id}.user.end`` / ``.acw`` / ``.wrapup`` events.

Keys of the SDK 269 models ``UserEndDetailEventTopicUserEndEvent``,
``AcwDetailEventTopicAfterCallWorkEvent`` and ``WrapupDetailEventTopicWrapupEvent`` (genesys-api.md
§3.1); enum values in their upper-case literals; ``eventTime`` in epoch milliseconds.
"""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator.conversations.models import Communication, Conversation, DetailEvent, Participant
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.routing.models import DEFAULT_DIVISION_ID


__all__ = ["acw_event", "user_end_event", "wrapup_event"]

# Communication disconnectType -> the detail events' DisconnectType literal.
_DISCONNECT = {
    "transfer.consult": "CONSULT_TRANSFER",
    "transfer.conference": "CONFERENCE_TRANSFER",
    "transfer.forward": "FORWARD_TRANSFER",
    "transfer.noanswer": "NO_ANSWER_TRANSFER",
    "transfer.notavailable": "NOT_AVAILABLE_TRANSFER",
    "transport.failure": "TRANSPORT_FAILURE",
}


def _ms(epoch: float | None) -> int:
    return round((epoch or 0.0) * 1000)


def _common(conv: Conversation, p: Participant, comm: Communication, epoch: float) -> dict[str, Any]:
    data: dict[str, Any] = {
        "eventTime": _ms(epoch),
        "conversationId": conv.id,
        "participantId": p.id,
        "sessionId": comm.id,
        "mediaType": MEDIA[comm.media].detail,
        "direction": comm.direction.upper(),
    }
    return data


def user_end_event(conv: Conversation, p: Participant, comm: Communication, epoch: float) -> DetailEvent:
    """An agent's or user's communication ended (``UserEndEvent``)."""
    data = _common(conv, p, comm, epoch)
    kind = comm.disconnect_type or "other"
    data["disconnectType"] = _DISCONNECT.get(kind, kind.split(".")[0].upper())
    data["userId"] = p.user_id
    data["divisionId"] = DEFAULT_DIVISION_ID
    if p.queue_id is not None:
        data["queueId"] = p.queue_id
    if comm.connected_time is not None:
        data["interactingDurationMs"] = _ms(epoch) - _ms(comm.connected_time)
    return DetailEvent("user.end", {k: v for k, v in data.items() if v is not None})


def _wrapup_fields(data: dict[str, Any], p: Participant, wrapup: dict[str, Any]) -> None:
    if p.queue_id is not None:
        data["queueId"] = p.queue_id
    data["wrapupCode"] = wrapup.get("code")
    if wrapup.get("notes") is not None:
        data["wrapupNotes"] = wrapup["notes"]
    if wrapup.get("durationSeconds") is not None:
        data["wrapupDurationMs"] = int(wrapup["durationSeconds"]) * 1000


def acw_event(conv: Conversation, p: Participant, comm: Communication, epoch: float) -> DetailEvent:
    """After-call work finished by applying a wrap-up (``AfterCallWorkEvent``)."""
    data = _common(conv, p, comm, epoch)
    data["userId"] = p.user_id
    _wrapup_fields(data, p, comm.wrapup or {})
    if "wrapupDurationMs" not in data and comm.acw_start is not None:
        data["wrapupDurationMs"] = _ms(epoch) - _ms(comm.acw_start)
    return DetailEvent("acw", {k: v for k, v in data.items() if v is not None})


def wrapup_event(conv: Conversation, p: Participant, comm: Communication, epoch: float) -> DetailEvent:
    """A final wrap-up was recorded (``WrapupEvent``: the AfterCallWorkEvent fields minus ``userId``)."""
    data = _common(conv, p, comm, epoch)
    _wrapup_fields(data, p, comm.wrapup or {})
    return DetailEvent("wrapup", {k: v for k, v in data.items() if v is not None})
