"""``Pass``: a client's readiness strategy bounded to one pass, or seeded with an event's view.

``intend()`` and the fleet's sweep read once and write only if the communication is ready now
(``waits=False``); a worker that received a conversation view in an event hands it to the flow
as its first view (``first_view``), so the write needs no read.  One per-call source serves both
drivers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wrapupkit._clock import asleep
from wrapupkit._readiness._events import DEADLINE
from wrapupkit._readiness._strategy import Decision, ReadinessStrategy


if TYPE_CHECKING:
    from wrapupkit._readiness._events import CallInfo, Deadline, WaitRequest
    from wrapupkit._readiness._strategy import ReadinessContext

__all__ = ["Pass"]


class Pass(ReadinessStrategy):
    """The client's strategy, bounded: optionally starting from an event's view, optionally one pass.

    With ``waits=False`` (``intend()`` and the sweep) the flow reads once and writes only if
    *inner* says ready now; otherwise it ends with :class:`~wrapupkit.exceptions.ReadinessFailed`
    (the intent stays pending).  *first_view* (a conversation body from an event) replaces the
    first read.
    """

    def __init__(
        self, inner: ReadinessStrategy, *, first_view: Mapping[str, Any] | None = None, waits: bool = True
    ) -> None:
        self.inner = inner
        self.first_view = first_view
        self.waits = waits
        self.max_rejections = inner.max_rejections if waits else 0

    def decide(self, ctx: ReadinessContext) -> Decision:
        decision = self.inner.decide(ctx)
        if decision.kind == "wait" and not self.waits:
            return Decision.fail(f"not ready yet ({decision.reason or 'waiting'})")
        return decision

    def next_delay(self, ctx: ReadinessContext) -> float:
        return self.inner.next_delay(ctx)

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        return self.inner.on_rejected(ctx) if self.waits else Decision.fail("Genesys refused it as not ready")

    def events(self, call: CallInfo) -> _PassSource:
        return _PassSource(self, call)

    def async_events(self, call: CallInfo) -> _PassSource:
        return _PassSource(self, call)

    def __repr__(self) -> str:
        return f"Pass({self.inner!r}, waits={self.waits})"


class _PassSource:
    """The per-call source :class:`Pass` hands both drivers (sync methods and async ones alike)."""

    def __init__(self, strategy: Pass, call: CallInfo) -> None:
        self.strategy = strategy
        self.call = call

    def _first(self) -> Mapping[str, Any] | None:
        return self.strategy.first_view

    def _wait_for(self, request: WaitRequest) -> float | Deadline:
        if not self.strategy.waits:
            return DEADLINE
        return max(0.0, min(request.delay, request.deadline - self.call.clock.monotonic()))

    def first(self) -> Any:
        if self.call.offload is None:
            return self._first()
        return self._afirst()

    async def _afirst(self) -> Mapping[str, Any] | None:
        return self._first()

    def wait(self, request: WaitRequest) -> Any:
        pause = self._wait_for(request)
        if self.call.offload is not None:
            return self._await(pause)
        if pause is DEADLINE:
            return DEADLINE
        self.call.clock.sleep(pause)
        return None

    async def _await(self, pause: float | Deadline) -> Deadline | None:
        if pause is DEADLINE:
            return DEADLINE
        await asleep(self.call.clock, pause)
        return None

    def close(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
