"""The run: items on a thread pool under one rate limit, one conversation's items in order."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from wrapupkit._clock import Clock
from wrapupkit._http import RateLimiter
from wrapupkit._media import MediaType
from wrapupkit._models import WrapupResult
from wrapupkit._readiness import Readiness, ReadinessStrategy
from wrapupkit._validate import is_whole, path, seconds
from wrapupkit.bulk._items import BulkItem, as_item, raw_conversation_id
from wrapupkit.bulk._journal import Journal
from wrapupkit.bulk._pool import close_all, run_chains
from wrapupkit.bulk._report import BulkOutcome, BulkReport, BulkStatus
from wrapupkit.exceptions import ConfigurationError, InvalidInput


__all__ = ["BulkClient", "BulkInterrupted", "apply_many"]

log = logging.getLogger("wrapupkit")

# The progress bar's colour once an item failed: amber (Okabe-Ito orange, legible to colour-blind
# readers), as a hex value that tqdm accepts for the notebook widget and for terminals alike.
WARNING_COLOUR = "#e69f00"


class BulkClient(Protocol):
    """What a bulk run needs of a client (:class:`~wrapupkit.WrapupClient` has it all)."""

    @property
    def clock(self) -> Clock:
        """Where time comes from."""
        ...

    def gated(self, gate: RateLimiter) -> contextlib.AbstractContextManager[None]:
        """Pass every request sent inside the block through *gate* (the run's rate limiter)."""
        ...

    def apply_wrapup(
        self,
        conversation_id: str,
        code: str,
        *,
        participant_id: str | None = ...,
        user_id: str | None = ...,
        media_type: MediaType | str | None = ...,
        notes: str | None = ...,
        tags: Sequence[str] | None = ...,
        duration: float | dt.timedelta | None = ...,
        readiness: Readiness | None = ...,
        timeout: float | dt.timedelta | None = ...,
        overwrite: bool = ...,
    ) -> WrapupResult:
        """Apply one wrap-up (see :meth:`wrapupkit.WrapupClient.apply_wrapup`)."""
        ...


class BulkInterrupted(KeyboardInterrupt):
    """Ctrl-C (``KeyboardInterrupt``) stopped :func:`~wrapupkit.apply_many`; carries what finished before.

    Items in flight when it came were finished and journaled, even through a second Ctrl-C
    (a thread cannot be stopped from outside; each item is bounded by its timeout); no item
    started after it.
    Rerunning with the same journal resumes safely: finished items are skipped, and an
    item the journal shows as started is checked before anything is written again.
    Catching ``KeyboardInterrupt`` catches it too.

    Attributes:
        report: the outcomes of the items that ended before the run stopped, in input order.
        total: how many items the run was given.

    .. versionadded:: 0.1.0
    """

    def __init__(self, report: BulkReport, total: int) -> None:
        self.report = report
        self.total = total
        super().__init__(f"bulk run interrupted after {len(report)} of {total} items")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.report, self.total))


class _Run:
    """The shared state of one apply_many() call. Strictly private."""

    def __init__(
        self,
        clock: Clock,
        total: int,
        journal: Journal | None,
        bar: Any,
        call: Callable[[BulkItem], WrapupResult] | None = None,
    ) -> None:
        self.clock = clock
        self.journal = journal
        self.bar = bar
        self.call = call
        self.outcomes: list[BulkOutcome | None] = [None] * total
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._failed = 0

    def ended(self) -> tuple[BulkOutcome, ...]:
        """The outcomes of the items that have ended, in input order."""
        with self._lock:
            return tuple(o for o in self.outcomes if o is not None)

    def finish(self, outcome: BulkOutcome) -> None:
        with self._lock:
            self.outcomes[outcome.index] = outcome
            if outcome.status == "failed":
                self._failed += 1
            if self.bar is not None:
                if self._failed:
                    self.bar.colour = WARNING_COLOUR  # the widget or bar turns amber once an item failed
                    self.bar.set_postfix_str(f"{self._failed} failed", refresh=False)
                self.bar.update(1)

    def run_chain(self, chain: list[tuple[int, BulkItem]]) -> None:
        """Apply one conversation's items, in input order."""
        for index, item in chain:
            if self.stop.is_set():
                return
            self.finish(self.apply_one(index, item))

    def apply_one(self, index: int, item: BulkItem) -> BulkOutcome:
        resumed, started = self.begin(index, item)
        result: WrapupResult | None = None
        error: BaseException | None = None
        try:
            result = self.call(item)  # type: ignore[misc]  # a thread run always has its call
        except Exception as exc:  # noqa: BLE001 - every item ends with an outcome; the error is kept, typed
            error = exc
        return self.end(index, item, resumed, started, result, error)

    def begin(self, index: int, item: BulkItem) -> tuple[bool, float]:
        """Journal the item as started; whether an earlier run left it in doubt, and when it began."""
        resumed = self.journal is not None and item.key in self.journal.in_doubt
        if self.journal is not None:
            self.journal.record("started", item, index, self.clock.time())
        return resumed, self.clock.monotonic()

    def end(  # noqa: PLR0917 - the item and how its call went
        self,
        index: int,
        item: BulkItem,
        resumed: bool,
        started: float,
        result: WrapupResult | None,
        error: BaseException | None,
    ) -> BulkOutcome:
        """The item's outcome from its call's result or error, journaled."""
        clock = self.clock
        seconds = clock.monotonic() - started
        if result is not None:
            status: BulkStatus = "already_applied" if result.already_applied else "applied"
        else:
            status = "failed"
            log.info("bulk item %d (conversation %s) failed: %r", index, item.conversation_id, error)
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
    client: BulkClient,
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
        JournalInUse: another run holds the journal (a ``ConfigurationError``).
        BulkInterrupted: Ctrl-C stopped the run (a ``KeyboardInterrupt``); it carries the
            partial report.

    .. versionadded:: 0.1.0
    """
    limiter = _check_options(
        max_workers, rate_limit, journal, progress, readiness, timeout, overwrite, duration
    )
    raw_items = listed(items)
    clock = client.clock
    started = clock.monotonic()
    options: dict[str, Any] = {
        "duration": duration,
        "readiness": readiness,
        "timeout": timeout,
        "overwrite": overwrite,
    }

    def call(item: BulkItem) -> WrapupResult:
        return client.apply_wrapup(item.conversation_id, item.code, **arguments(item), **options)

    book = Journal(journal) if journal is not None else None
    bar = _progress_bar(len(raw_items)) if progress else None
    run = _Run(clock, len(raw_items), book, bar, call)
    try:  # a Ctrl-C anywhere in here, closing included, ends as BulkInterrupted with what ended
        try:
            chains = plan(run, raw_items)
            # RateLimiter.installed() is still typed for WrapupClient; it reads only .clock and .transport.
            installed = limiter.installed(client) if limiter is not None else contextlib.nullcontext()
            with installed:
                run_chains(run.run_chain, chains, max_workers, run.stop.set)
        finally:
            close_all(bar, book)
        report = BulkReport(outcomes=run.ended(), elapsed=clock.monotonic() - started)
        log.info("bulk run finished: %r", report)
        return report  # noqa: TRY300 - inside: an interrupt while it is built still gets its report
    except KeyboardInterrupt as exc:
        partial = BulkReport(outcomes=run.ended(), elapsed=clock.monotonic() - started)
        log.warning("bulk run interrupted: %r", partial)
        raise BulkInterrupted(partial, len(raw_items)) from exc


def listed(items: Iterable[Any]) -> list[Any]:
    """The items as a list (read once, before any runs).

    Raises:
        ConfigurationError: *items* is not iterable.
    """
    try:
        return list(items)
    except TypeError as exc:
        raise ConfigurationError(f"items must be an iterable of items, not {type(items).__name__}") from exc


def arguments(item: BulkItem) -> dict[str, Any]:
    """The item's keyword arguments to ``apply_wrapup`` (besides the run's options)."""
    return {
        "participant_id": item.participant_id,
        "user_id": item.user_id,
        "media_type": item.media_type,
        "notes": item.notes,
        "tags": list(item.tags) if item.tags is not None else None,
    }


def plan(run: _Run, raw_items: list[Any]) -> list[list[tuple[int, BulkItem]]]:
    """One chain per conversation, in input order; malformed and journaled-done items end at once."""
    book = run.journal
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
                    conversation_id=raw_conversation_id(raw),
                )
            )
            continue
        if book is not None and item.key in book.done:
            run.finish(BulkOutcome(index=index, item=item, status="skipped"))
            continue
        chains.setdefault(str(item.conversation_id), []).append((index, item))
    return list(chains.values())


def _check_options(  # noqa: PLR0917 - apply_many's options, checked together
    max_workers: object,
    rate_limit: object,
    journal: object,
    progress: object,
    readiness: object,
    timeout: object,
    overwrite: object,
    duration: object,
) -> RateLimiter | None:
    """Refuse a bad option of :func:`apply_many` before any item runs; return the rate limiter.

    Raises:
        ConfigurationError: an option is of the wrong type or out of range (``InvalidInput``
            for *timeout* and *duration*, as :meth:`~wrapupkit.WrapupClient.apply_wrapup` says).
    """
    if not is_whole(max_workers, 1):
        raise ConfigurationError(f"max_workers must be a whole number >= 1, not {max_workers!r}")
    for name, flag in (("progress", progress), ("overwrite", overwrite)):
        if not isinstance(flag, bool):
            raise ConfigurationError(f"{name} must be True or False, not {type(flag).__name__}")
    if journal is not None:
        path("journal", journal)
    if timeout is not None:
        seconds("timeout", timeout)
    if duration is not None:
        seconds("duration", duration, allow_zero=True)
    if readiness is not None and not isinstance(readiness, ReadinessStrategy) and not callable(readiness):
        raise ConfigurationError(
            f"readiness must be a ReadinessStrategy, a callable or None, not {type(readiness).__name__}"
        )
    if rate_limit is None or isinstance(rate_limit, RateLimiter):
        return rate_limit
    if (
        isinstance(rate_limit, bool)
        or not isinstance(rate_limit, (int, float))
        or not 1 <= rate_limit < math.inf  # NaN fails too
    ):
        raise ConfigurationError(
            f"rate_limit must be a RateLimiter, finite requests per minute (>= 1) or None, not {rate_limit!r}"
        )
    try:
        return RateLimiter(round(rate_limit), 60.0)
    except (OverflowError, ConfigurationError) as exc:  # too large for the limiter's float arithmetic
        raise ConfigurationError("rate_limit is out of range: too many requests a minute") from exc


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the `progress` extra is not installed: run without a bar
        log.debug("tqdm is not installed; no progress bar")
        return None
    return tqdm(total=total, desc="wrap-ups", unit="item", dynamic_ncols=True)
