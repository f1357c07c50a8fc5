"""Trail: how one apply_wrapup() call went, kept on its result and on the error it raised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs


__all__ = ["Trail"]


@attrs.frozen
class Trail:
    """What one :meth:`~wrapupkit.WrapupClient.apply_wrapup` call read, chose and wrote, and when.

    Found as ``result.trail`` on a :class:`~wrapupkit.WrapupResult` and as ``error.trail`` on a
    :class:`~wrapupkit.exceptions.WrapupkitError` the call raised after reading the conversation;
    :func:`wrapupkit.explain_outcome` turns either into an :class:`~wrapupkit.Explanation`.
    Recording it costs a few counters and two references to bodies already read.

    Attributes:
        participant_id, user_id, media_type: the call's arguments (the media type's value,
            ``"call"`` ...).
        reads: views of the conversation the call took (GETs and notification events).
        chosen_after_reads: reads made when the target was first chosen (1 unless no leg had
            answered yet), or ``None`` when no target was chosen.
        chosen_after: seconds after the call began when the target was first chosen.
        targets: ``(participant id, communication id)`` of each target chosen, in order: more
            than one when the wrap-up followed after-call work to another leg or communication.
        written_after_reads: reads made when the last wrap-up POST went out (``None``: none did).
        written_at: the client clock's wall time of that POST (timezone-aware, UTC).
        conversation: the conversation body the target was first chosen from (the last one
            read when none was chosen). Not part of the repr.
        last: the last conversation body read. Not part of the repr.

    .. versionadded:: 0.1.0
    """

    participant_id: str | None = None
    user_id: str | None = None
    media_type: str | None = None
    reads: int = 0
    chosen_after_reads: int | None = None
    chosen_after: float | None = None
    targets: tuple[tuple[str, str], ...] = ()
    written_after_reads: int | None = None
    written_at: dt.datetime | None = None
    conversation: Mapping[str, Any] | None = attrs.field(default=None, repr=False, eq=False)
    last: Mapping[str, Any] | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def target(self) -> tuple[str, str] | None:
        """The first target chosen, or ``None``."""
        return self.targets[0] if self.targets else None

    def summary(self) -> str:
        """One sentence: what was chosen, after how many reads, when, and where it was written."""
        if not self.targets:
            return f"No target was chosen ({_reads(self.reads)})."
        participant, communication = self.targets[0]
        text = (
            f"Chose participant {participant}, communication {communication}, after "
            f"{_reads(self.chosen_after_reads or 0)} ({self.chosen_after or 0.0:.2f} s into the call)"
        )
        for participant, communication in self.targets[1:]:
            text += f"; followed after-call work to participant {participant}, communication {communication}"
        if self.written_after_reads is not None and self.written_at is not None:
            text += f"; wrote after {_reads(self.written_after_reads)}, at {self.written_at.isoformat()}"
        return text + f"; {_reads(self.reads)} in all."


def _reads(n: int) -> str:
    return f"{n} read" if n == 1 else f"{n} reads"
