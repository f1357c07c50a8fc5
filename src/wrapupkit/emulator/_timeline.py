"""The conversation timeline: scheduled transitions and what each one does (strictly private).

A conversation's life is a chain of transitions on the emulator clock::

    connected --disconnect_after--> disconnected, ACW gap --acw_delay--> ACW pending
        --ui_wrapup[0]--> complete (agent's code)   or   --acw_timeout--> complete (ININ-WRAP-UP-TIMEOUT)

Each transition is scheduled at an absolute ``monotonic()`` time and applied *at that time* (its
timestamps use the due time, not the moment ``tick()`` happens to run), so one big clock advance
replays the whole chain with the right timestamps.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from wrapupkit.emulator._model import TIMEOUT_CODE, Conversation, Participant, iso


__all__ = [
    "Timeline",
    "Transition",
    "apply_timeout",
    "complete_acw",
    "disconnect",
    "set_wrapup",
    "start_acw",
    "ui_wrapup",
]


@dataclass(order=True)
class Transition:
    due: float
    seq: int
    conversation_id: str = field(compare=False)
    kind: str = field(compare=False)  # "disconnect" | "pending" | "timeout" | "ui"
    participant_id: str | None = field(default=None, compare=False)
    code_id: str | None = field(default=None, compare=False)


class Timeline:
    """A heap of pending transitions; :attr:`wake` is set whenever one is added."""

    def __init__(self) -> None:
        self._heap: list[Transition] = []
        self._seq = itertools.count()
        self.wake = threading.Event()

    def schedule(
        self,
        due: float,
        conversation_id: str,
        kind: str,
        *,
        participant_id: str | None = None,
        code_id: str | None = None,
    ) -> None:
        heapq.heappush(
            self._heap, Transition(due, next(self._seq), conversation_id, kind, participant_id, code_id)
        )
        self.wake.set()

    def pop_due(self, now: float) -> Transition | None:
        """Remove and return the earliest transition due at or before *now*."""
        if self._heap and self._heap[0].due <= now:
            return heapq.heappop(self._heap)
        return None

    def next_due(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def clear(self) -> None:
        self._heap.clear()
        self.wake.set()


Schedule = Callable[[float, str, str, "str | None", "str | None"], None]


def disconnect(conv: Conversation, at: float, epoch: float, schedule: Schedule) -> bool:
    """Disconnect the customer and agents at monotonic *at* (epoch *epoch*); False if already done."""
    if conv.disconnected:
        return False
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
    schedule(at + conv.acw_delay, conv.id, "pending", None, None)
    return True


def start_acw(conv: Conversation, at: float, epoch: float, schedule: Schedule) -> None:
    """Open ACW for every agent in the gap; complete it at once if a wrap-up was already given."""
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
            schedule(at + conv.acw_timeout, conv.id, "timeout", p.id, None)
        if conv.ui_wrapup is not None and index == 0:
            delay, code_id = conv.ui_wrapup
            schedule(at + delay, conv.id, "ui", p.id, code_id)


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
