"""A heap of scheduled steps on the emulator clock (what is due next, and when)."""

from __future__ import annotations

import heapq
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any


__all__ = ["Schedule", "Step"]


@dataclass(order=True)
class Step:
    """One scheduled step: due at *due* (``clock.monotonic()``), for conversation *conversation_id*.

    *action* is what the owning service does at that time (called with the state, the step).
    """

    due: float
    seq: int
    conversation_id: str = field(compare=False)
    action: Any = field(compare=False)


class Schedule:
    """Pending steps, earliest first; :attr:`wake` is set whenever one is added."""

    def __init__(self) -> None:
        self._heap: list[Step] = []
        self._seq = itertools.count()
        self.wake = threading.Event()

    def add(self, due: float, conversation_id: str, action: Any) -> None:
        heapq.heappush(self._heap, Step(due, next(self._seq), conversation_id, action))
        self.wake.set()

    def pop_due(self, now: float) -> Step | None:
        """Remove and return the earliest step due at or before *now*."""
        if self._heap and self._heap[0].due <= now:
            return heapq.heappop(self._heap)
        return None

    def next_due(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def clear(self) -> None:
        self._heap.clear()
        self.wake.set()
