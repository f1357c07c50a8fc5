"""Apply many wrap-ups at once: concurrent, rate limited, resumable, every item accounted for.

:func:`apply_many` runs :meth:`~wrapupkit.WrapupClient.apply_wrapup` for each item
on a thread pool.  The threads share one :class:`~wrapupkit.RateLimiter`, installed
on the client's transport for the run only.  Items of the same conversation run one
after another, so two of them can never race to write the same participant.
An optional journal (JSON lines) records each item before its write and after it,
so a run that crashed can be run again without applying anything twice.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import datetime as dt
import html
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import attrs

from wrapupkit._http._ratelimit import RateLimiter, _whole
from wrapupkit._models import WrapupResult
from wrapupkit.exceptions import ConfigurationError, InvalidInput


if TYPE_CHECKING:
    from wrapupkit._client import Readiness, WrapupClient

__all__ = ["BulkItem", "BulkOutcome", "BulkReport", "BulkStatus", "apply_many"]

log = logging.getLogger("wrapupkit")

BulkStatus = Literal["applied", "already_applied", "skipped", "failed"]
"""How an item of a bulk run ended.

``applied``: this run wrote the wrap-up.  ``already_applied``: the same code was
already there, so nothing was written.  ``skipped``: the journal records the item
as done by an earlier run, so no request was made.  ``failed``: see the error.

.. versionadded:: 0.1.0
"""

STATUSES: tuple[BulkStatus, ...] = ("applied", "already_applied", "skipped", "failed")
_DONE = frozenset({"applied", "already_applied"})
_FIELDS = ("conversation_id", "code", "notes", "tags", "participant_id", "user_id", "media_type")
# Rows shown by BulkReport._repr_html_ before it summarises the rest.
_HTML_ROWS = 100
JOURNAL_VERSION = 1


# -- items ---------------------------------------------------------------------------------------------


def _hidden_notes(notes: str | None) -> str:
    return "None" if notes is None else f"<{len(notes)} chars>"


def _to_tags(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(";") if t.strip())
    return tuple(value)


@attrs.frozen
class BulkItem:
    """One wrap-up to apply in a bulk run: the arguments of :meth:`~wrapupkit.WrapupClient.apply_wrapup`.

    Its repr shows the length of *notes*, never their text.

    Attributes:
        conversation_id: the conversation.
        code: a wrap-up code name (exact) or id.
        notes: wrap-up notes.
        tags: wrap-up tags (a ``"a;b"`` string is split on semicolons).
        participant_id: the agent participant, when the conversation has several.
        user_id: the agent's user id, to choose the participant.
        media_type: if given, must match the communication's media type.

    .. versionadded:: 0.1.0
    """

    conversation_id: str
    code: str
    notes: str | None = attrs.field(default=None, repr=_hidden_notes)
    tags: tuple[str, ...] | None = attrs.field(default=None, converter=_to_tags)
    participant_id: str | None = None
    user_id: str | None = None
    media_type: str | None = None

    @property
    def key(self) -> str:
        """What the journal knows the item by: conversation, participant (or user, or ``*``), code."""
        who = (
            f"p:{self.participant_id}"
            if self.participant_id
            else f"u:{self.user_id}"
            if self.user_id
            else "*"
        )
        return f"{self.conversation_id}|{who}|{self.code}"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BulkItem:
        """Build an item from a CSV row (or any mapping) with the attribute names as columns.

        Blank cells mean "not given"; ``tags`` are separated by semicolons; other
        columns are ignored.

        Raises:
            InvalidInput: ``conversation_id`` or ``code`` is missing, or a cell is not text.
        """
        values: dict[str, Any] = {}
        for name in _FIELDS:
            value = row.get(name)
            if isinstance(value, str):
                if name != "notes":
                    value = value.strip()
                value = value or None
            elif value is not None and not (name == "tags" and _is_sequence(value)):
                raise InvalidInput(name, f"expected text, got {type(value).__name__}")
            values[name] = value
        for required in ("conversation_id", "code"):
            if values[required] is None:
                raise InvalidInput(required, "the row has none")
        if values["tags"] is not None and not all(isinstance(t, str) for t in values["tags"]):
            raise InvalidInput("tags", "expected text")
        return cls(**values)


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def as_item(raw: object) -> BulkItem:
    """A :class:`BulkItem` from an item, a mapping (as :meth:`BulkItem.from_row`) or a tuple. Private.

    Raises:
        InvalidInput: *raw* cannot be read as an item.
    """
    if isinstance(raw, BulkItem):
        return raw
    if isinstance(raw, Mapping):
        return BulkItem.from_row(raw)
    if _is_sequence(raw):
        values = list(raw)  # type: ignore[call-overload]
        if not 2 <= len(values) <= len(_FIELDS):
            raise InvalidInput("item", f"a tuple needs 2 to {len(_FIELDS)} values, not {len(values)}")
        for name, value in zip(_FIELDS, values, strict=False):
            if (
                value is not None
                and not isinstance(value, str)
                and not (name == "tags" and _is_sequence(value))
            ):
                raise InvalidInput(name, f"expected text, got {type(value).__name__}")
        return BulkItem(*values)
    raise InvalidInput("item", f"expected a BulkItem, a tuple or a mapping, got {type(raw).__name__}")


def _error_repr(error: BaseException | None) -> str:
    return "None" if error is None else f"{type(error).__name__}({str(error)!r})"


def _raw_conversation_id(raw: object) -> str | None:
    """The conversation id of an unreadable item, for the report, if one can be seen."""
    value: object = None
    if isinstance(raw, Mapping):
        value = raw.get("conversation_id")
    elif _is_sequence(raw) and len(raw):  # type: ignore[arg-type]
        value = raw[0]  # type: ignore[index]
    return value if isinstance(value, str) else None


# -- outcomes and the report ---------------------------------------------------------------------------


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


@attrs.frozen(repr=False)
class BulkReport:
    """What :func:`apply_many` did: one :class:`BulkOutcome` per input item, in input order.

    Attributes:
        outcomes: one per input item, in input order.
        elapsed: seconds the run took.

    .. versionadded:: 0.1.0
    """

    outcomes: tuple[BulkOutcome, ...]
    elapsed: float

    @property
    def counts(self) -> dict[BulkStatus, int]:
        """Items per status, every status listed (zeros included)."""
        counts = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """No item failed."""
        return not self.failed

    @property
    def failed(self) -> tuple[BulkOutcome, ...]:
        """The outcomes of failed items."""
        return tuple(o for o in self.outcomes if o.status == "failed")

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
        shown = list(self.outcomes)
        if len(shown) > _HTML_ROWS:  # keep every failure in view, then the first others
            failed = [o for o in shown if o.status == "failed"][:_HTML_ROWS]
            others = [o for o in shown if o.status != "failed"][: _HTML_ROWS - len(failed)]
            shown = sorted(failed + others, key=lambda o: o.index)
        summary = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in self.counts.items())
        caption = f"{len(self.outcomes)} wrap-ups in {self.elapsed:.2f} s: {summary}"
        head = "".join(
            f"<th>{h}</th>"
            for h in ("#", "conversation", "participant", "code", "status", "seconds", "error")
        )
        body = "".join(_html_row(o) for o in shown)
        foot = ""
        if len(shown) < len(self.outcomes):
            foot = (
                f"<tfoot><tr><td colspan='7'>showing {len(shown)} of {len(self.outcomes)} "
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


# -- the journal ---------------------------------------------------------------------------------------


class Journal:
    """An append-only JSON-lines record of a bulk run, flushed and fsync'd per record. Strictly private.

    Each item writes ``started`` before its wrap-up is sent and its final status after.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: set[str] = set()
        self.in_doubt: set[str] = set()
        self._lock = threading.Lock()
        try:
            self._read()
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise ConfigurationError(f"Cannot use {str(self.path)!r} as a journal: {exc.strerror}.") from exc
        if self.path.stat().st_size and not self._ends_with_newline():
            self._write_line("")  # a crash cut the last record short: start a fresh line

    def _read(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                try:
                    record = json.loads(line)
                    key, event = record["key"], record["event"]
                except (ValueError, KeyError, TypeError):
                    if line.strip():
                        log.info("wrapupkit: journal %s line %d is unreadable; ignored", self.path, number)
                    continue
                if event == "started":
                    self.in_doubt.add(key)
                else:
                    self.in_doubt.discard(key)
                    if event in _DONE:
                        self.done.add(key)

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"

    def _write_line(self, text: str) -> None:
        with self._lock:
            self._file.write(text + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())

    def record(self, event: str, item: BulkItem, index: int, at: float, **extra: Any) -> None:
        """Append one record; notes appear only as their length."""
        record: dict[str, Any] = {
            "v": JOURNAL_VERSION,
            "event": event,
            "key": item.key,
            "index": index,
            "at": dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "conversation_id": item.conversation_id,
            "participant_id": item.participant_id,
            "user_id": item.user_id,
            "code": item.code,
        }
        if item.notes is not None:
            record["notes_length"] = len(item.notes)
        record.update({k: v for k, v in extra.items() if v is not None})
        self._write_line(json.dumps(record, separators=(",", ":"), ensure_ascii=False))

    def close(self) -> None:
        self._file.close()


# -- the run -------------------------------------------------------------------------------------------


class _Run:
    """The shared state of one apply_many() call. Strictly private."""

    def __init__(
        self,
        client: WrapupClient,
        total: int,
        journal: Journal | None,
        bar: Any,
        call: Callable[[BulkItem], WrapupResult],
    ) -> None:
        self.client = client
        self.journal = journal
        self.bar = bar
        self.call = call
        self.outcomes: list[BulkOutcome | None] = [None] * total
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._failed = 0

    def finish(self, outcome: BulkOutcome) -> None:
        with self._lock:
            self.outcomes[outcome.index] = outcome
            if outcome.status == "failed":
                self._failed += 1
            if self.bar is not None:
                self.bar.update(1)
                if self._failed:
                    self.bar.set_postfix_str(f"{self._failed} failed", refresh=False)

    def run_chain(self, chain: list[tuple[int, BulkItem]]) -> None:
        """Apply one conversation's items, in input order."""
        for index, item in chain:
            if self.stop.is_set():
                return
            self.finish(self.apply_one(index, item))

    def apply_one(self, index: int, item: BulkItem) -> BulkOutcome:
        clock = self.client.clock
        resumed = self.journal is not None and item.key in self.journal.in_doubt
        if self.journal is not None:
            self.journal.record("started", item, index, clock.time())
        started = clock.monotonic()
        result: WrapupResult | None = None
        error: BaseException | None = None
        try:
            result = self.call(item)
        except Exception as exc:  # noqa: BLE001 - every item ends with an outcome; the error is kept, typed
            error = exc
        seconds = clock.monotonic() - started
        if result is not None:
            status: BulkStatus = "already_applied" if result.already_applied else "applied"
        else:
            status = "failed"
            log.info(
                "wrapupkit: bulk item %d (conversation %s) failed: %r", index, item.conversation_id, error
            )
        outcome = BulkOutcome(
            index=index,
            item=item,
            status=status,
            seconds=seconds,
            result=result,
            error=error,
            resumed=resumed,
        )
        if self.journal is not None:
            self.journal.record(
                status,
                item,
                index,
                clock.time(),
                participant_id=result.participant_id if result else item.participant_id,
                code_id=result.code.id if result else None,
                seconds=round(seconds, 6),
                error_type=outcome.error_type,
                error=outcome.error_message,
            )
        return outcome


_DEFAULT_RATE_LIMIT = 300


def apply_many(
    client: WrapupClient,
    items: Iterable[BulkItem | Sequence[Any] | Mapping[str, Any]],
    *,
    max_workers: int = 4,
    rate_limit: RateLimiter | float | None = _DEFAULT_RATE_LIMIT,
    journal: str | os.PathLike[str] | None = None,
    progress: bool = True,
    readiness: Readiness | None = None,
    timeout: float | dt.timedelta | None = None,
    overwrite: bool = False,
    duration: float | dt.timedelta | None = None,
) -> BulkReport:
    """Apply a wrap-up for every item, on *max_workers* threads sharing one rate limit.

    Every item ends ``applied``, ``already_applied``, ``skipped`` (done by an earlier
    run, per the *journal*) or ``failed`` with its exception; a malformed item fails
    alone.  Items of the same conversation run in input order, one at a time.

    Args:
        client: the :class:`~wrapupkit.WrapupClient` to apply them with.
        items: :class:`BulkItem` objects, tuples in :class:`BulkItem`'s field order, or
            mappings with its field names (CSV rows, see :meth:`BulkItem.from_row`).
        max_workers: threads applying wrap-ups at once.
        rate_limit: a :class:`~wrapupkit.RateLimiter` (share one between runs that use the
            same credentials), a number of requests per minute, or ``None`` for no
            client-side limit.  Default: 300 a minute, Genesys' limit per token.
        journal: a JSON-lines file recording each item before and after its write.  Items
            it records as applied are skipped; an item it records as started but not
            finished is applied again safely (the same code already there is reported as
            ``already_applied``, nothing is written twice).
        progress: show a ``tqdm`` progress bar (needs the ``progress`` extra).
        readiness: the readiness strategy for every item (default: the client's).
        timeout: the bound on each item, in seconds (default: the client's).
        overwrite: replace a different code already applied.
        duration: the after-call work duration to record for every item.

    Returns:
        A :class:`BulkReport`.

    Raises:
        ConfigurationError: a bad option or an unusable journal; raised before any item runs.

    .. versionadded:: 0.1.0
    """
    if not _whole(max_workers, 1):
        raise ConfigurationError(f"max_workers must be a whole number >= 1, not {max_workers!r}")
    limiter = _limiter(rate_limit)
    raw_items = list(items)
    clock = client.clock
    started = clock.monotonic()

    def call(item: BulkItem) -> WrapupResult:
        return client.apply_wrapup(
            item.conversation_id,
            item.code,
            participant_id=item.participant_id,
            user_id=item.user_id,
            media_type=item.media_type,
            notes=item.notes,
            tags=list(item.tags) if item.tags is not None else None,
            duration=duration,
            readiness=readiness,
            timeout=timeout,
            overwrite=overwrite,
        )

    book = Journal(journal) if journal is not None else None
    bar = _progress_bar(len(raw_items)) if progress else None
    run = _Run(client, len(raw_items), book, bar, call)
    try:
        chains: dict[str, list[tuple[int, BulkItem]]] = {}
        for index, raw in enumerate(raw_items):
            try:
                item = as_item(raw)
            except InvalidInput as exc:
                run.finish(
                    BulkOutcome(
                        index=index,
                        item=None,
                        status="failed",
                        error=exc,
                        conversation_id=_raw_conversation_id(raw),
                    )
                )
                continue
            if book is not None and item.key in book.done:
                run.finish(BulkOutcome(index=index, item=item, status="skipped"))
                continue
            chains.setdefault(str(item.conversation_id), []).append((index, item))
        with limiter.installed(client) if limiter is not None else contextlib.nullcontext():
            _run_chains(run, list(chains.values()), max_workers)
    finally:
        if bar is not None:
            bar.close()
        if book is not None:
            book.close()
    outcomes = tuple(o for o in run.outcomes if o is not None)
    report = BulkReport(outcomes=outcomes, elapsed=clock.monotonic() - started)
    log.info("wrapupkit: bulk run finished: %r", report)
    return report


def _run_chains(run: _Run, chains: list[list[tuple[int, BulkItem]]], max_workers: int) -> None:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="wrapupkit-bulk")
    try:
        futures = [pool.submit(run.run_chain, chain) for chain in chains]
        for future in concurrent.futures.as_completed(futures):
            future.result()  # re-raises a journal write failure: the run stops
    except BaseException:
        run.stop.set()  # Ctrl-C or a journal failure: finish the items in flight, start no more
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _limiter(rate_limit: RateLimiter | float | None) -> RateLimiter | None:
    if rate_limit is None or isinstance(rate_limit, RateLimiter):
        return rate_limit
    number: object = rate_limit
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not number >= 1:
        raise ConfigurationError(
            f"rate_limit must be a RateLimiter, requests per minute (>= 1) or None, not {rate_limit!r}"
        )
    return RateLimiter(round(rate_limit), 60.0)


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the `progress` extra is not installed: run without a bar
        log.debug("wrapupkit: tqdm is not installed; no progress bar")
        return None
    return tqdm(total=total, desc="wrap-ups", unit="item", dynamic_ncols=True)
