"""The legs of an explanation: every participant and communication, with what the rule made of each.

Built from the body and the rule's own :class:`~wrapupkit._trace.Trace` (its verdicts and the
order it saw the legs in), never by judging a leg again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from wrapupkit._conversation import parse_time
from wrapupkit._media import BY_ARRAY, UNWRAPPABLE_ARRAYS
from wrapupkit._trace import Trace


__all__ = ["ExplainedCommunication", "ExplainedLeg", "legs_of"]

JSON = Mapping[str, Any]
_ARRAYS = (*BY_ARRAY, *UNWRAPPABLE_ARRAYS)


@attrs.frozen
class ExplainedCommunication:
    """One communication of a leg, as the explanation shows it.

    Attributes:
        id: the communication id.
        media: its media array (``"calls"``, ``"callbacks"``, ``"emails"`` ...).
        state: its ``state`` (``"connected"``, ``"disconnected"``, ``"alerting"`` ...).
        direction, disconnect_type: its ``direction`` and ``disconnectType``.
        alerting_time, connected_time, disconnected_time: its times (timezone-aware), if any.
        acw_state: ``afterCallWork.state``, or ``None`` when absent.
        wrapup_code: the id of a code already on it.
        chosen: whether it is the communication the wrap-up would go to.

    .. versionadded:: 0.1.0
    """

    id: str
    media: str
    state: str | None = None
    direction: str | None = None
    disconnect_type: str | None = None
    alerting_time: dt.datetime | None = None
    connected_time: dt.datetime | None = None
    disconnected_time: dt.datetime | None = None
    acw_state: str | None = None
    wrapup_code: str | None = None
    chosen: bool = False


@attrs.frozen
class ExplainedLeg:
    """One participant (leg) of the conversation, and what the rule made of it.

    Attributes:
        participant_id: the participant id.
        purpose: ``"agent"``, ``"user"``, ``"customer"``, ``"acd"`` ...
        user_id, queue_id: the agent and the queue, if any.
        start_time, end_time: the participant's times.
        wrapup_required: the participant's ``wrapupRequired``.
        wrapup_code: the id of a code already on the leg or one of its communications.
        agent: whether it is an agent leg (rule 1: only those can be targets).
        candidate: whether it awaits a wrap-up (rule 2).
        reason: why it is, or is not, a candidate (or why it is no target at all).
        chosen: whether it is the leg the wrap-up would go to.
        communications: its communications, in the order the body lists them.

    .. versionadded:: 0.1.0
    """

    participant_id: str
    purpose: str | None
    user_id: str | None = None
    queue_id: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    wrapup_required: bool | None = None
    wrapup_code: str | None = None
    agent: bool = False
    candidate: bool = False
    reason: str = ""
    chosen: bool = False
    communications: tuple[ExplainedCommunication, ...] = ()


def legs_of(conversation: JSON, trace: Trace, chosen: tuple[str, str] | None) -> tuple[ExplainedLeg, ...]:
    """Every participant in the order the rule saw them (its own times), with the trace's verdicts."""
    order = [s.participant_id for s in trace.steps if s.rule in (1, 2) and s.participant_id is not None]
    notes = {s.participant_id: s.text for s in trace.steps if s.rule == 1}
    by_id = {str(p.get("id")): p for p in conversation.get("participants") or () if isinstance(p, Mapping)}
    picked_leg = chosen[0] if chosen else trace.participant_id
    picked_comm = chosen[1] if chosen else trace.communication_id
    legs = []
    for pid in order or list(by_id):
        body = by_id.get(pid, {})
        candidate, why = trace.verdicts.get(pid, (False, ""))
        comms = tuple(
            _communication(array, comm, chosen=pid == picked_leg and str(comm.get("id")) == picked_comm)
            for array in _ARRAYS
            for comm in body.get(array) or ()
            if isinstance(comm, Mapping)
        )
        codes = [c.wrapup_code for c in comms if c.wrapup_code] + [_code(body)]
        legs.append(
            ExplainedLeg(
                participant_id=pid,
                purpose=_text(body.get("purpose")),
                user_id=_text(body.get("userId")),
                queue_id=_text(body.get("queueId")),
                start_time=parse_time(body.get("startTime")),
                end_time=parse_time(body.get("endTime")),
                wrapup_required=body.get("wrapupRequired"),
                wrapup_code=next((c for c in codes if c), None),
                agent=pid in trace.verdicts,
                candidate=candidate,
                reason=why or (notes.get(pid, "").partition(": ")[2]),
                chosen=pid == picked_leg,
                communications=comms,
            )
        )
    return tuple(legs)


def _communication(array: str, comm: JSON, *, chosen: bool) -> ExplainedCommunication:
    acw = comm.get("afterCallWork")
    return ExplainedCommunication(
        id=str(comm.get("id")),
        media=array,
        state=_text(comm.get("state")),
        direction=_text(comm.get("direction")),
        disconnect_type=_text(comm.get("disconnectType")),
        alerting_time=parse_time(comm.get("startAlertingTime") or comm.get("startTime")),
        connected_time=parse_time(comm.get("connectedTime")),
        disconnected_time=parse_time(comm.get("disconnectedTime")),
        acw_state=_text(acw.get("state")) if isinstance(acw, Mapping) else None,
        wrapup_code=_code(comm),
        chosen=chosen,
    )


def _code(body: JSON) -> str | None:
    wrapup = body.get("wrapup")
    return _text(wrapup.get("code")) if isinstance(wrapup, Mapping) else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
