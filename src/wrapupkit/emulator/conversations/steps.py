"""The steps of each communication and of its after-call work (what the timeline plays).

A disconnect of an answered agent or user communication opens after-call work as the rules say
(genesys-api.md §2.1, §2.5): nothing for an offer never answered; ``notApplicable`` when the leg
takes no wrap-up; for AGENT_REQUESTED queues, ``Rules.acw_not_requested`` unless the agent asked for
ACW; otherwise a gap, then ``pending``, then ``complete`` (a code from the API, the agent's UI or
``ININ-WRAP-UP-TIMEOUT``) or ``skipped`` (the agent left without a code).  ``Rules.acw_level``
says whether that happens per leg or per communication.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations import detail
from wrapupkit.emulator.conversations.models import Communication, Conversation, Participant
from wrapupkit.emulator.conversations.timeline import schedule
from wrapupkit.emulator.core.timefmt import iso
from wrapupkit.emulator.routing.models import TIMEOUT_CODE


__all__ = [
    "acw_carrier",
    "alert",
    "connect",
    "disconnect",
    "expects_wrapup",
    "gap_active",
    "park",
    "requires_wrapup",
    "set_wrapup",
    "ui_wrapup",
]


def _dropped(conv: Conversation, p: Participant) -> bool:
    """Whether *p* was dropped before it was offered (``Emulator.disconnect``): its steps do nothing."""
    return p not in conv.participants and p not in conv.upcoming


def _appear(conv: Conversation, p: Participant, epoch: float) -> None:
    """Put a leg into the conversation the first time one of its communications has a step."""
    if p in conv.upcoming:
        conv.upcoming.remove(p)
        conv.participants.append(p)
        p.start_time = epoch


def alert(state: State, conv: Conversation, at: float, *, p: Participant, comm: Communication) -> None:
    """The communication is offered: it appears in its initial state (alerting, dialing ...)."""
    if comm.ended or comm.answered or _dropped(conv, p):
        return
    _appear(conv, p, state.epoch(at))
    comm.state = comm.initial_state


def connect(state: State, conv: Conversation, at: float, *, p: Participant, comm: Communication) -> None:
    """The communication is answered."""
    if comm.ended or _dropped(conv, p):
        return
    epoch = state.epoch(at)
    _appear(conv, p, epoch)
    comm.state, comm.connected_time = "connected", epoch
    if p.connected_time is None:
        p.connected_time = epoch


def _default_disconnect_type(p: Participant, comm: Communication) -> str:
    if p.purpose in ("acd", "ivr"):
        return "transfer"
    if not p.is_agent:
        return "peer"
    return "client" if comm.answered else "system"


def disconnect(
    state: State,
    conv: Conversation,
    at: float,
    *,
    p: Participant,
    comm: Communication,
    kind: str | None = None,
) -> None:
    """End a communication at monotonic *at* (*kind*: its ``disconnectType``; None: the default)."""
    if comm.ended or _dropped(conv, p):
        return
    epoch = state.epoch(at)
    _appear(conv, p, epoch)
    comm.state = "disconnected"
    comm.disconnected_time, comm.disconnected_mono = epoch, at
    comm.disconnect_type = kind or _default_disconnect_type(p, comm)
    if all(c.ended for c in p.communications):
        p.end_time = epoch
    if p.is_agent:
        conv.outbox.append(detail.user_end_event(conv, p, comm, epoch))
        _after_disconnect(state, conv, p, comm, at)
    if conv.disconnected and conv.end_time is None:
        conv.end_time = epoch


# -- after-call work -------------------------------------------------------------------------------


def acw_carrier(p: Participant, comm: Communication, rules_level: str) -> Communication | None:
    """The communication whose after-call work *comm*'s disconnect opens, or None (not yet / none).

    Participant level: the leg's first answered communication, once every communication ended.
    Communication level: *comm* itself; a callback whose agent also answered a call has none, the
    call carries it ("the wrap-up code is applied only to the voice call", genesys-api.md 2.5).
    """
    if rules_level == "participant":
        if not all(c.ended for c in p.communications):
            return None
        return next((c for c in p.communications if c.answered), None)
    if comm.media == "callback" and any(c.media == "call" and c.answered for c in p.communications):
        comm.acw = "notApplicable"
        return None
    return comm


def _after_disconnect(
    state: State, conv: Conversation, p: Participant, comm: Communication, at: float
) -> None:
    if not comm.answered:
        return  # an offer never answered: no after-call work at all
    target = acw_carrier(p, comm, state.rules.acw_level)
    if target is None or target.acw is not None:
        return
    requested = target.acw_requested or (
        state.rules.acw_level == "participant" and any(c.acw_requested for c in p.communications)
    )
    if not p.wrapup_required:
        target.acw = "notApplicable"
    elif p.wrapup_prompt == "agentRequested" and not requested:
        target.acw = state.rules.acw_not_requested
    else:
        target.acw = "gap"
        delay = max(conv.acw_delay, state.rules.acw_gap_seconds)
        schedule(state, at + delay, conv, partial(_start_acw, p=p, comm=target))


def park(state: State, conv: Conversation, at: float, *, p: Participant, comm: Communication) -> None:
    """The agent parks the communication: ``parked``, and its after-call work opens as after a disconnect."""
    comm.state = "parked"
    if comm.acw is None and p.wrapup_required:
        comm.acw = "gap"
        delay = max(conv.acw_delay, state.rules.acw_gap_seconds)
        schedule(state, at + delay, conv, partial(_start_acw, p=p, comm=comm))


def _start_acw(state: State, conv: Conversation, at: float, *, p: Participant, comm: Communication) -> None:
    """Open ACW on a communication in the gap; complete it at once if it already has a wrap-up."""
    if comm.acw != "gap":
        return
    epoch = state.epoch(at)
    comm.acw, comm.acw_start = "pending", epoch
    if comm.wrapup is not None:
        # Wrapped up during the call (early write or UI): ACW ends as soon as it starts.
        _complete(conv, p, comm, epoch)
        return
    if p.acw_timeout is not None:
        schedule(state, at + p.acw_timeout, conv, partial(_timeout, p=p, comm=comm))
    if p.ui_wrapup is not None:
        delay, code_id = p.ui_wrapup
        schedule(state, at + delay, conv, partial(_ui, p=p, comm=comm, code=code_id))
    if p.ui_skip is not None:
        schedule(state, at + p.ui_skip, conv, partial(_skip, p=p, comm=comm))


def _complete(conv: Conversation, p: Participant, comm: Communication, epoch: float) -> None:
    comm.acw, comm.acw_end = "complete", epoch
    conv.outbox.append(detail.acw_event(conv, p, comm, epoch))


def set_wrapup(
    conv: Conversation,
    p: Participant,
    comm: Communication,
    wrapup: dict[str, Any],
    *,
    source: str,
    epoch: float,
) -> None:
    """Store a final wrap-up on a communication; close its ACW if it was pending."""
    comm.wrapup, comm.wrapup_source = dict(wrapup), source
    conv.outbox.append(detail.wrapup_event(conv, p, comm, epoch))
    if comm.acw == "pending":
        _complete(conv, p, comm, epoch)


def ui_wrapup(code_id: str, name: str | None, epoch: float) -> dict[str, Any]:
    """The ``Wrapup`` an agent's UI records."""
    return {"code": code_id, "name": name, "endTime": iso(epoch), "provisional": False}


def _timeout(state: State, conv: Conversation, at: float, *, p: Participant, comm: Communication) -> None:
    if comm.acw != "pending":
        return
    epoch = state.epoch(at)
    wrapup = {
        "code": TIMEOUT_CODE,
        "name": TIMEOUT_CODE,
        "durationSeconds": round(p.acw_timeout or 0.0),
        "endTime": iso(epoch),
        "provisional": False,
    }
    set_wrapup(conv, p, comm, wrapup, source="timeout", epoch=epoch)


def _ui(
    state: State, conv: Conversation, at: float, *, p: Participant, comm: Communication, code: str
) -> None:
    if comm.acw != "pending":
        return
    found = state.codes.get(code) or state.system_codes.get(code)
    epoch = state.epoch(at)
    set_wrapup(conv, p, comm, ui_wrapup(code, found.name if found else code, epoch), source="ui", epoch=epoch)


def _skip(state: State, _conv: Conversation, at: float, *, p: Participant, comm: Communication) -> None:
    if comm.acw != "pending":
        return
    comm.acw, comm.acw_end = "skipped", state.epoch(at)
    p.wrapup_skipped = True


# -- what the JSON says ----------------------------------------------------------------------------


def gap_active(state: State, comm: Communication) -> bool:
    """Whether *comm* is in the strict gap of ``Rules.acw_gap_seconds`` after its disconnect."""
    seconds = state.rules.acw_gap_seconds
    if seconds <= 0 or comm.disconnected_mono is None or comm.acw not in (None, "gap"):
        return False
    return state.clock.monotonic() < comm.disconnected_mono + seconds


def requires_wrapup(state: State, p: Participant) -> bool:
    """The leg's ``wrapupRequired`` right now.

    False for a leg that takes none, an offer not (or never) answered (captured bodies show
    ``wrapupRequired: false`` on alerting and timed-out offers: tests/corpus), a leg whose after-call work
    is ``notApplicable``, an AGENT_REQUESTED leg whose agent has not asked for after-call work, and
    during the strict gap.
    """
    if not p.wrapup_required:
        return False
    if p.wrapup_prompt == "agentRequested" and not any(c.acw_requested for c in p.communications):
        return False
    comm = p.comm
    if not p.answered:
        return False
    if comm.acw == "notApplicable" or (comm.acw == "skipped" and not p.wrapup_skipped):
        return False
    return not gap_active(state, comm)


def expects_wrapup(p: Participant) -> bool:
    """``wrapupExpected``: the leg is expected to enter a wrap-up once it connects."""
    return p.wrapup_required and not (all(c.ended for c in p.communications) and not p.answered)
