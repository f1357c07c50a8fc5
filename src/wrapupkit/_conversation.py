"""Find the agent's communication in conversation JSON and take a snapshot of it.

Works on plain JSON dicts (Genesys keys), so the same code reads a
``GET /api/v2/conversations/{id}`` response and a ``v2.users.{id}.conversations``
notification event.  No I/O and no SDK here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from wrapupkit._media import BY_ARRAY, UNWRAPPABLE_ARRAYS, MediaEndpoint
from wrapupkit._models import CommunicationSnapshot
from wrapupkit.exceptions import AmbiguousParticipant, ParticipantNotFound, UnsupportedInteraction


__all__ = ["Target", "has_communication", "select_target", "snapshot_of"]

JSON = Mapping[str, Any]
AGENT_PURPOSES = ("agent", "user")


@attrs.frozen
class Target:
    """The participant and communication a wrap-up goes to. Strictly private."""

    conversation_id: str
    participant_id: str
    communication_id: str
    endpoint: MediaEndpoint
    user_id: str | None
    queue_id: str | None


def _agents(conversation: JSON) -> list[JSON]:
    return [p for p in conversation.get("participants") or () if p.get("purpose") in AGENT_PURPOSES]


def _communication(participant: JSON, conversation_id: str) -> tuple[MediaEndpoint, JSON]:
    """The participant's wrappable communication: the last one of its media (transfers add more)."""
    found: list[tuple[MediaEndpoint, JSON]] = []
    unsupported: list[str] = []
    for key, value in participant.items():
        if not isinstance(value, list) or not value:
            continue
        if key in BY_ARRAY:
            found.extend((BY_ARRAY[key], comm) for comm in value if isinstance(comm, Mapping))
        elif key in UNWRAPPABLE_ARRAYS:
            unsupported.append(key)
    if found:
        return found[-1]
    if unsupported:
        raise UnsupportedInteraction(unsupported[0], UNWRAPPABLE_ARRAYS[unsupported[0]])
    raise UnsupportedInteraction(
        "unknown",
        f"participant {participant.get('id')} of conversation {conversation_id} has no communication",
    )


def _awaiting_wrapup(participant: JSON) -> bool:
    if participant.get("wrapup") and participant["wrapup"].get("code"):
        return False
    for key in BY_ARRAY:
        for comm in participant.get(key) or ():
            if comm.get("wrapup") and comm["wrapup"].get("code"):
                return False
    return bool(participant.get("wrapupRequired")) or participant.get("endAcwTime") is None


def select_target(
    conversation: JSON, *, participant_id: str | None = None, user_id: str | None = None
) -> Target:
    """Choose the agent participant: by id, else by user, else the one awaiting wrap-up.

    Raises:
        ParticipantNotFound: nothing matches.
        AmbiguousParticipant: several match (the candidates are listed).
        UnsupportedInteraction: the participant's media cannot take a wrap-up.
    """
    cid = str(conversation.get("id"))
    agents = _agents(conversation)
    candidates = [(str(p.get("id")), p.get("userId")) for p in agents]
    if participant_id is not None:
        chosen = [p for p in conversation.get("participants") or () if p.get("id") == participant_id]
        if not chosen:
            raise ParticipantNotFound(
                f"Conversation {cid} has no participant {participant_id}; "
                f"agent participants: {_fmt(candidates)}.",
                conversation_id=cid,
                candidates=candidates,
            )
        matches = chosen
        purpose = chosen[0].get("purpose")
        if purpose not in AGENT_PURPOSES:
            raise ParticipantNotFound(
                f"Participant {participant_id} of conversation {cid} is a {purpose} participant; "
                f"wrap-up codes apply to agents: {_fmt(candidates)}.",
                conversation_id=cid,
                candidates=candidates,
            )
        if user_id is not None and chosen[0].get("userId") != user_id:
            raise ParticipantNotFound(
                f"Participant {participant_id} of conversation {cid} belongs to user "
                f"{chosen[0].get('userId')}, not {user_id}.",
                conversation_id=cid,
                candidates=candidates,
            )
    elif user_id is not None:
        matches = [p for p in agents if p.get("userId") == user_id]
        if len(matches) > 1:  # the same agent twice (a transfer back): take the latest leg
            pending = [p for p in matches if _awaiting_wrapup(p)]
            matches = pending[-1:] or matches[-1:]
    else:
        matches = agents
        if len(matches) > 1:
            matches = [p for p in agents if _awaiting_wrapup(p)] or agents
    if not matches:
        who = f"user {user_id}" if user_id else "an agent"
        raise ParticipantNotFound(
            f"Conversation {cid} has no participant for {who}; agent participants: {_fmt(candidates)}.",
            conversation_id=cid,
            candidates=candidates,
        )
    if len(matches) > 1:
        raise AmbiguousParticipant(
            f"Conversation {cid} has {len(matches)} agent participants awaiting wrap-up: "
            f"{_fmt([(str(p.get('id')), p.get('userId')) for p in matches])}; "
            "pass participant_id or user_id.",
            conversation_id=cid,
            candidates=[(str(p.get("id")), p.get("userId")) for p in matches],
        )
    participant = matches[0]
    endpoint, comm = _communication(participant, cid)
    return Target(
        conversation_id=cid,
        participant_id=str(participant.get("id")),
        communication_id=str(comm.get("id")),
        endpoint=endpoint,
        user_id=participant.get("userId"),
        queue_id=participant.get("queueId"),
    )


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
            candidates=[(str(p.get("id")), p.get("userId")) for p in _agents(conversation)],
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
        disconnected_time=_when(comm.get("disconnectedTime")),
        acw_start_time=_when(acw.get("startTime") or participant.get("startAcwTime")),
        acw_end_time=_when(acw.get("endTime") or participant.get("endAcwTime")),
        taken_at=taken_at,
    )


def _when(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _fmt(candidates: Sequence[tuple[str, str | None]]) -> str:
    if not candidates:
        return "none"
    return ", ".join(f"{pid} (user {uid})" for pid, uid in candidates)
