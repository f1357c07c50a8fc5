"""The conversation timeline: what each scheduled step does, and the clock that plays them.

A conversation's life is a chain of steps on the emulator clock::

    connected --disconnect_after--> disconnected, ACW gap --acw_delay--> ACW pending
        --ui_wrapup[0]--> complete (agent's code)   or   --acw_timeout--> complete (ININ-WRAP-UP-TIMEOUT)

Each step is scheduled at an absolute ``monotonic()`` time and applied *at that time* (its
timestamps use the due time, not the moment :func:`tick` happens to run), so one big clock advance
replays the whole chain with the right timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations.models import Conversation, Participant
from wrapupkit.emulator.core.timefmt import iso
from wrapupkit.emulator.routing.models import TIMEOUT_CODE


__all__ = [
    "Action",
    "apply_timeout",
    "complete_acw",
    "disconnect",
    "next_due",
    "schedule",
    "set_wrapup",
    "tick",
    "ui_wrapup",
]

Action = Callable[[State, Conversation, float], None]
"""What a step does: called with the state, the conversation and the step's due time (monotonic)."""


def schedule(state: State, due: float, conv: Conversation, action: Action) -> None:
    """Run *action* on *conv* when the clock reaches *due*."""
    state.schedule.add(due, conv.id, action)


def tick(state: State) -> None:
    """Apply every step that is due on the clock, one change batch per step.

    Each step notifies the change listeners on its own (unless a caller already holds a
    change open), so a listener sees every intermediate state of a long clock advance.  A
    tick started from inside a listener (e.g. an ``Emulator`` inspection call) does nothing, so
    the outer tick keeps replaying the steps in order.
    """
    if getattr(state.ticking, "active", False):
        return
    state.ticking.active = True
    try:
        while True:
            with state.mutating():
                step = state.schedule.pop_due(state.clock.monotonic())
                if step is None:
                    return
                conv = state.conversations.get(step.conversation_id)
                if conv is not None:
                    step.action(state, conv, step.due)
                    state.changed(conv.id)
    finally:
        state.ticking.active = False


def next_due(state: State) -> float | None:
    with state.lock:
        return state.schedule.next_due()


def disconnect(state: State, conv: Conversation, at: float) -> bool:
    """Disconnect the customer and agents at monotonic *at*; False if already done."""
    if conv.disconnected:
        return False
    epoch = state.epoch(at)
    conv.disconnected = True
    conv.end_time = epoch
    for p in conv.participants:
        if p.purpose not in ("agent", "customer"):
            continue
        p.comm.state = "disconnected"
        p.comm.disconnected_time = epoch
        # As in the genesys-api.md §1.7 sample: the customer sees "peer", the agent "client".
        p.comm.disconnect_type = "client" if p.is_agent else "peer"
        p.end_time = epoch
        if p.is_agent:
            p.comm.acw = "gap"
    schedule(state, at + conv.acw_delay, conv, start_acw)
    return True


def start_acw(state: State, conv: Conversation, at: float) -> None:
    """Open ACW for every agent in the gap; complete it at once if a wrap-up was already given."""
    epoch = state.epoch(at)
    for index, p in enumerate(conv.agents):
        if p.comm.acw != "gap":
            continue
        if not p.wrapup_required:
            p.comm.acw = "notApplicable"
            continue
        p.comm.acw = "pending"
        p.comm.acw_start = epoch
        if p.wrapup is not None:
            # Wrapped up during the call (early write or UI): ACW ends as soon as it starts.
            complete_acw(p, epoch)
            continue
        if conv.acw_timeout is not None:
            schedule(state, at + conv.acw_timeout, conv, partial(_timeout, p.id))
        if conv.ui_wrapup is not None and index == 0:
            delay, code_id = conv.ui_wrapup
            schedule(state, at + delay, conv, partial(_ui, p.id, code_id))


def _pending(conv: Conversation, participant_id: str) -> Participant | None:
    p = conv.participant(participant_id)
    return p if p is not None and p.comm.acw == "pending" else None


def _timeout(participant_id: str, state: State, conv: Conversation, at: float) -> None:
    p = _pending(conv, participant_id)
    if p is not None:
        apply_timeout(p, state.epoch(at), conv.acw_timeout or 0.0)


def _ui(participant_id: str, code_id: str, state: State, conv: Conversation, at: float) -> None:
    p = _pending(conv, participant_id)
    if p is not None:
        code = state.codes.get(code_id) or state.system_codes.get(code_id)
        epoch = state.epoch(at)
        set_wrapup(p, ui_wrapup(code_id, code.name if code else code_id, epoch), "ui", epoch)


def complete_acw(p: Participant, epoch: float) -> None:
    p.comm.acw = "complete"
    p.comm.acw_end = epoch


def set_wrapup(p: Participant, wrapup: dict[str, object], source: str, epoch: float) -> None:
    """Store a final wrap-up on *p*; close ACW if it was pending."""
    p.wrapup = dict(wrapup)
    p.wrapup_source = source
    if p.comm.acw == "pending":
        complete_acw(p, epoch)


def ui_wrapup(code_id: str, name: str | None, epoch: float) -> dict[str, object]:
    """The ``Wrapup`` an agent's UI records."""
    return {"code": code_id, "name": name, "endTime": iso(epoch), "provisional": False}


def apply_timeout(p: Participant, epoch: float, timeout: float) -> bool:
    """Apply ``ININ-WRAP-UP-TIMEOUT`` if *p* is still pending; return whether it did."""
    if p.comm.acw != "pending":
        return False
    wrapup: dict[str, object] = {
        "code": TIMEOUT_CODE,
        "name": TIMEOUT_CODE,
        "durationSeconds": round(timeout),
        "endTime": iso(epoch),
        "provisional": False,
    }
    set_wrapup(p, wrapup, "timeout", epoch)
    return True
