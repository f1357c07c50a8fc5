"""What a bulk run reports: :data:`BulkStatus`, one :class:`BulkOutcome` per item, the :class:`BulkReport`."""

from __future__ import annotations

import csv
import html
import os
from collections.abc import Iterator
from typing import IO, Any, Literal, SupportsIndex, overload

import attrs

from wrapupkit._models import WrapupResult
from wrapupkit.bulk._items import BulkItem


__all__ = ["DONE", "ROW_FIELDS", "STATUSES", "BulkOutcome", "BulkOutcomes", "BulkReport", "BulkStatus"]

BulkStatus = Literal["applied", "already_applied", "skipped", "failed"]
"""How an item of a bulk run ended.

``applied``: this run wrote the wrap-up.  ``already_applied``: the same code was
already there, so nothing was written.  ``skipped``: the journal records the item
as done by an earlier run, so no request was made.  ``failed``: see the error.

.. versionadded:: 0.1.0
"""

STATUSES: tuple[BulkStatus, ...] = ("applied", "already_applied", "skipped", "failed")
DONE = frozenset({"applied", "already_applied"})
# Rows shown by BulkReport._repr_html_ before it summarises the rest.
_HTML_ROWS = 100


def _error_repr(error: BaseException | None) -> str:
    return "None" if error is None else f"{type(error).__name__}({str(error)!r})"


@attrs.frozen
class BulkOutcome:
    """How one item of a bulk run ended.

    Attributes:
        index: the item's position in the input (0-based).
        item: the item, or ``None`` when the input could not be read as one.
        status: ``applied``, ``already_applied``, ``skipped`` or ``failed``.
        seconds: time spent on the item, waits for the rate limit included.
        result: the :class:`~wrapupkit.WrapupResult`, unless skipped or failed.
        error: the exception, when failed.
        resumed: an earlier run started this item and did not record how it ended.
        conversation_id: the item's conversation (for an unreadable item, as far as it could be read).

    .. versionadded:: 0.1.0
    """

    index: int
    item: BulkItem | None
    status: BulkStatus
    seconds: float = 0.0
    result: WrapupResult | None = None
    error: BaseException | None = attrs.field(default=None, eq=False, repr=_error_repr)
    resumed: bool = False
    conversation_id: str | None = attrs.field(
        default=attrs.Factory(lambda self: self.item.conversation_id if self.item else None, takes_self=True)
    )

    @property
    def error_type(self) -> str | None:
        """The exception's class name, when failed."""
        return None if self.error is None else type(self.error).__name__

    @property
    def error_message(self) -> str | None:
        """The exception's message (wrapupkit messages never contain notes), when failed."""
        return None if self.error is None else str(self.error)

    def row(self) -> dict[str, Any]:
        """The outcome as a flat dict (see :meth:`BulkReport.rows`)."""
        item, result = self.item, self.result
        return {
            "index": self.index,
            "conversation_id": self.conversation_id,
            "participant_id": result.participant_id if result else item.participant_id if item else None,
            "user_id": item.user_id if item else None,
            "code": item.code if item else None,
            "status": self.status,
            "code_id": result.code.id if result else None,
            "code_name": result.code.name if result else None,
            "media_type": result.media_type.value if result else item.media_type if item else None,
            "attempts": result.attempts if result else None,
            "requests": result.requests if result else None,
            "seconds": round(self.seconds, 6),
            "resumed": self.resumed,
            "notes_length": len(item.notes) if item and item.notes is not None else None,
            "tags": ";".join(item.tags) if item and item.tags is not None else None,
            "error_type": self.error_type,
            "error_message": self.error_message,
        }


ROW_FIELDS: tuple[str, ...] = (
    "index",
    "conversation_id",
    "participant_id",
    "user_id",
    "code",
    "status",
    "code_id",
    "code_name",
    "media_type",
    "attempts",
    "requests",
    "seconds",
    "resumed",
    "notes_length",
    "tags",
    "error_type",
    "error_message",
)


class BulkOutcomes(tuple[BulkOutcome, ...]):
    """A tuple of :class:`BulkOutcome` that a notebook shows as a table (:attr:`BulkReport.failed` ...).

    It is a plain tuple otherwise; a slice is one too (``report.outcomes[:10]``).

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    @overload
    def __getitem__(self, index: SupportsIndex) -> BulkOutcome: ...
    @overload
    def __getitem__(self, index: slice) -> BulkOutcomes: ...
    def __getitem__(self, index: SupportsIndex | slice) -> BulkOutcome | BulkOutcomes:
        if isinstance(index, slice):
            return BulkOutcomes(super().__getitem__(index))
        return super().__getitem__(index)

    @property
    def counts(self) -> dict[BulkStatus, int]:
        """Outcomes per status, every status listed (zeros included)."""
        counts = dict.fromkeys(STATUSES, 0)
        for outcome in self:
            counts[outcome.status] += 1
        return counts

    def _repr_html_(self) -> str:
        present = {status: n for status, n in self.counts.items() if n}
        return _table(self, f"{_items(len(self))}: {_summary(present)}" if present else "no items")


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


def _summary(counts: dict[BulkStatus, int]) -> str:
    return ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())


@attrs.frozen(repr=False)
class BulkReport:
    """What :func:`apply_many` did: one :class:`BulkOutcome` per input item, in input order.

    Attributes:
        outcomes: one per input item, in input order: a tuple that notebooks show as a
            table, as they show :attr:`failed` and slices (``report.outcomes[:10]``).
        elapsed: seconds the run took.

    .. versionadded:: 0.1.0
    """

    outcomes: BulkOutcomes = attrs.field(converter=BulkOutcomes)
    elapsed: float

    @property
    def counts(self) -> dict[BulkStatus, int]:
        """Items per status, every status listed (zeros included)."""
        return self.outcomes.counts

    @property
    def ok(self) -> bool:
        """No item failed."""
        return not self.failed

    @property
    def failed(self) -> BulkOutcomes:
        """The outcomes of failed items (a tuple with a notebook table view)."""
        return BulkOutcomes(o for o in self.outcomes if o.status == "failed")

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[BulkOutcome]:
        return iter(self.outcomes)

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per outcome (the columns of :meth:`to_csv`); notes appear only as a length."""
        return [o.row() for o in self.outcomes]

    def to_csv(self, path_or_file: str | os.PathLike[str] | IO[str]) -> None:
        """Write :meth:`rows` as CSV to a path or an open text file."""
        if isinstance(path_or_file, (str, os.PathLike)):
            with open(path_or_file, "w", newline="", encoding="utf-8") as f:
                self._write_csv(f)
        else:
            self._write_csv(path_or_file)

    def _write_csv(self, f: IO[str]) -> None:
        writer = csv.DictWriter(f, fieldnames=ROW_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())

    def __repr__(self) -> str:
        counts = ", ".join(f"{status}={n}" for status, n in self.counts.items())
        return f"BulkReport(total={len(self.outcomes)}, {counts}, elapsed={self.elapsed:.2f}s)"

    def _repr_html_(self) -> str:
        return _table(
            self.outcomes, f"{len(self.outcomes)} wrap-ups in {self.elapsed:.2f} s: {_summary(self.counts)}"
        )


def _table(outcomes: tuple[BulkOutcome, ...], caption: str) -> str:
    """Outcomes as an HTML table; past _HTML_ROWS rows, every failure and then the first others."""
    shown = list(outcomes)
    if len(shown) > _HTML_ROWS:
        failed = [o for o in shown if o.status == "failed"][:_HTML_ROWS]
        others = [o for o in shown if o.status != "failed"][: _HTML_ROWS - len(failed)]
        shown = sorted(failed + others, key=lambda o: o.index)
    head = "".join(
        f"<th>{h}</th>" for h in ("#", "conversation", "participant", "code", "status", "seconds", "error")
    )
    body = "".join(_html_row(o) for o in shown)
    foot = ""
    if len(shown) < len(outcomes):
        foot = (
            f"<tfoot><tr><td colspan='7'>showing {len(shown)} of {len(outcomes)} "
            "(every failure included); see rows() for all</td></tr></tfoot>"
        )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody>{foot}</table>"
    )


def _html_row(outcome: BulkOutcome) -> str:
    row = outcome.row()
    who = row["participant_id"] or (f"user {row['user_id']}" if row["user_id"] else "")
    code = row["code_name"] or row["code"] or ""
    error = f"{row['error_type']}: {row['error_message']}" if row["error_type"] else ""
    cells = (
        str(outcome.index),
        row["conversation_id"] or "",
        who,
        code,
        outcome.status.replace("_", " ") + (" (resumed)" if outcome.resumed else ""),
        f"{outcome.seconds:.3f}",
        error,
    )
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
