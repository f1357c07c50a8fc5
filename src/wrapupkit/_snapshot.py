"""A communication's state at one moment, read from a conversation body (GET or event JSON).

What readiness strategies judge (:class:`~wrapupkit.CommunicationSnapshot`).  No I/O and no SDK here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wrapupkit._conversation import Target, _legs, parse_time
from wrapupkit._models import CommunicationSnapshot
from wrapupkit.exceptions import ParticipantNotFound


__all__ = ["has_communication", "snapshot_of"]

JSON = Mapping[str, Any]


def has_communication(conversation: JSON, participant_id: str) -> bool:
    """Whether *conversation* (a GET body or an event body) lists the participant."""
    return any(p.get("id") == participant_id for p in conversation.get("participants") or ())


def snapshot_of(conversation: JSON, target: Target, *, taken_at: float = 0.0) -> CommunicationSnapshot:
    """The target communication's state in *conversation*.

    Raises:
        ParticipantNotFound: the participant or communication is no longer in the JSON.
    """
    participant = next(
        (p for p in conversation.get("participants") or () if p.get("id") == target.participant_id), None
    )
    comm = None
    if participant is not None:
        comm = next(
            (
                c
                for c in participant.get(target.endpoint.array) or ()
                if c.get("id") == target.communication_id
            ),
            None,
        )
    if participant is None or comm is None:
        raise ParticipantNotFound(
            f"Communication {target.communication_id} of participant {target.participant_id} is no longer in "
            f"conversation {target.conversation_id}.",
            conversation_id=target.conversation_id,
            candidates=[leg.describe() for leg in _legs(conversation)],
        )
    acw = comm.get("afterCallWork") or {}
    wrapup = comm.get("wrapup") or participant.get("wrapup") or {}
    return CommunicationSnapshot(
        conversation_id=target.conversation_id,
        participant_id=target.participant_id,
        communication_id=target.communication_id,
        media_type=target.endpoint.media,
        state=str(comm.get("state") or "unknown"),
        acw_state=acw.get("state"),
        wrapup_required=participant.get("wrapupRequired"),
        wrapup_prompt=participant.get("wrapupPrompt"),
        wrapup_code=wrapup.get("code") or None,
        user_id=participant.get("userId"),
        queue_id=participant.get("queueId"),
        disconnected_time=parse_time(comm.get("disconnectedTime")),
        acw_start_time=parse_time(acw.get("startTime") or participant.get("startAcwTime")),
        acw_end_time=parse_time(acw.get("endTime") or participant.get("endAcwTime")),
        taken_at=taken_at,
        wrapup_expected=participant.get("wrapupExpected"),
        disconnect_type=comm.get("disconnectType"),
        connected_time=parse_time(comm.get("connectedTime")),
    )
