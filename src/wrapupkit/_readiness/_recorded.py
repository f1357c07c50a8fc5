"""Record how a wrap-up flow went (a :class:`~wrapupkit.Trail`) without touching the flow itself.

:func:`recorded` wraps :func:`~wrapupkit._readiness._flow.wrapup_flow`: it passes every effect to
the driver and every answer back unchanged, counts the views of the conversation, notes the
targets the effects name and the moment of each write, and puts the trail on the result or on
the error the flow raises.  Both drivers use it, so sync and async calls keep the same trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from wrapupkit._readiness._flow import Lookup, Read, Resolve, Wait, Write
from wrapupkit._trail import Trail
from wrapupkit.exceptions import NotReadyError, WrapupkitError


if TYPE_CHECKING:
    from wrapupkit._clock import Clock
    from wrapupkit._models import WrapupResult
    from wrapupkit._readiness._flow import Effect, Flow, Request

__all__ = ["recorded"]


@attrs.define
class _Recorder:
    req: Request
    clock: Clock
    started: float
    reads: int = 0
    chosen_after_reads: int | None = None
    chosen_after: float | None = None
    targets: list[tuple[str, str]] = attrs.Factory(list)
    written_after_reads: int | None = None
    written_at: dt.datetime | None = None
    first: Mapping[str, Any] | None = None
    last: Mapping[str, Any] | None = None

    def saw(self, effect: Effect) -> None:
        if isinstance(effect, (Resolve, Lookup, Write)):
            self.target(effect.target.participant_id, effect.target.communication_id)
        if isinstance(effect, Write):
            self.written_after_reads = self.reads
            self.written_at = dt.datetime.fromtimestamp(self.clock.time(), dt.timezone.utc)

    def target(self, participant_id: str, communication_id: str) -> None:
        if not self.targets:
            self.chosen_after_reads = self.reads
            self.chosen_after = round(self.req.now() - self.started, 6)
            self.first = self.last
        if not self.targets or self.targets[-1] != (participant_id, communication_id):
            self.targets.append((participant_id, communication_id))

    def answered(self, effect: Effect, value: object) -> None:
        if isinstance(effect, (Read, Wait)) and isinstance(value, Mapping):
            self.reads += 1
            self.last = value

    def trail(self) -> Trail:
        return Trail(
            participant_id=self.req.participant_id,
            user_id=self.req.user_id,
            media_type=self.req.media.value if self.req.media is not None else None,
            reads=self.reads,
            chosen_after_reads=self.chosen_after_reads,
            chosen_after=self.chosen_after,
            targets=tuple(self.targets),
            written_after_reads=self.written_after_reads,
            written_at=self.written_at,
            conversation=self.first if self.first is not None else self.last,
            last=self.last,
        )


def recorded(flow: Flow, req: Request, clock: Clock) -> Flow:
    """Run *flow* unchanged, recording its :class:`~wrapupkit.Trail` on the result or the error."""
    rec = _Recorder(req, clock, req.now())
    try:
        effect = next(flow)
        while True:
            rec.saw(effect)
            try:
                value = yield effect
            except GeneratorExit:
                flow.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - the flow decides what it handles
                effect = flow.throw(exc)
            else:
                rec.answered(effect, value)
                effect = flow.send(value)
    except StopIteration as done:
        result: WrapupResult = done.value
        rec.target(result.participant_id, result.communication_id)
        return attrs.evolve(result, trail=rec.trail())
    except WrapupkitError as exc:
        snapshot = exc.last_snapshot if isinstance(exc, NotReadyError) else None
        if snapshot is not None:
            rec.target(snapshot.participant_id, snapshot.communication_id)
        exc.trail = rec.trail()
        raise
