"""The conversation clock: scheduling steps and playing those that are due.

Every step is scheduled at an absolute ``monotonic()`` time and applied *at that time* (its
timestamps use the due time, not the moment :func:`tick` happens to run), so one big clock advance
replays a whole conversation with the right timestamps::

    alerting --connect--> connected --disconnect--> disconnected (ACW gap) --acw_delay--> ACW pending
        --ui_wrapup--> complete (agent's code) | --acw_timeout--> complete (ININ-WRAP-UP-TIMEOUT)
        | --ui_skip--> skipped
    alerting --disconnect--> disconnected (system): an offer never answered, no after-call work

The steps themselves are in :mod:`.steps`.
"""

from __future__ import annotations

from collections.abc import Callable

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations.models import Conversation


__all__ = ["Action", "next_due", "schedule", "tick"]

Action = Callable[[State, Conversation, float], None]
"""What a step does: called with the state, the conversation and the step's due time (monotonic)."""


def schedule(state: State, due: float, conv: Conversation, action: Action) -> None:
    """Run *action* on *conv* when the clock reaches *due*."""
    state.schedule.add(due, conv.id, action)


def tick(state: State) -> None:
    """Apply every step that is due on the clock, one change batch per instant.

    The steps due at the same instant (a customer and an agent hanging up together) form one
    batch; steps they schedule for that same instant (ACW pending with no delay) form the next.
    Each batch notifies the change listeners on its own (unless a caller already holds a change
    open), so a listener sees every intermediate state of a long clock advance.  A tick started
    from inside a listener (e.g. an ``Emulator`` inspection call) does nothing, so the outer tick
    keeps replaying the steps in order.
    """
    if getattr(state.ticking, "active", False):
        return
    state.ticking.active = True
    try:
        while True:
            with state.mutating():
                first = state.schedule.pop_due(state.clock.monotonic())
                if first is None:
                    return
                batch = [first]
                while (step := state.schedule.pop_due(first.due)) is not None:
                    batch.append(step)
                for step in batch:
                    conv = state.conversations.get(step.conversation_id)
                    if conv is not None:
                        step.action(state, conv, step.due)
                        state.changed(conv.id)
    finally:
        state.ticking.active = False


def next_due(state: State) -> float | None:
    with state.lock:
        return state.schedule.next_due()
