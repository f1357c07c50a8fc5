"""apply_many for asyncio: the same items, journal and report, with tasks instead of threads."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from wrapupkit._clock import Clock
from wrapupkit._http import RateLimiter
from wrapupkit._media import MediaType
from wrapupkit._models import WrapupResult
from wrapupkit._readiness import Readiness
from wrapupkit._validate import is_whole
from wrapupkit.bulk._items import BulkItem
from wrapupkit.bulk._journal import Journal
from wrapupkit.bulk._report import BulkReport
from wrapupkit.bulk._runner import _check_options, _progress_bar, _Run, arguments, listed, plan
from wrapupkit.exceptions import ConfigurationError


__all__ = ["AsyncBulkClient", "apply_many_async"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")


class AsyncBulkClient(Protocol):
    """What an async bulk run needs of a client (:class:`~wrapupkit.AsyncWrapupClient` has it all)."""

    @property
    def clock(self) -> Clock:
        """Where time comes from."""
        ...

    def gated(self, gate: RateLimiter) -> contextlib.AbstractContextManager[None]:
        """Pass every request sent inside the block through *gate* (the run's rate limiter)."""
        ...

    async def apply_wrapup(
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
        """Apply one wrap-up (see :meth:`wrapupkit.AsyncWrapupClient.apply_wrapup`)."""
        ...


async def apply_many_async(
    client: AsyncBulkClient,
    items: Iterable[BulkItem | Sequence[Any] | Mapping[str, Any]],
    *,
    max_concurrency: int = 100,
    rate_limit: RateLimiter | float | None = 300,
    journal: str | os.PathLike[str] | None = None,
    progress: bool = True,
    readiness: Readiness | None = None,
    timeout: float | dt.timedelta | None = None,
    overwrite: bool = False,
    duration: float | dt.timedelta | None = None,
) -> BulkReport:
    """:func:`wrapupkit.apply_many` on an event loop: at most *max_concurrency* conversations at once.

    The items, the journal (written off the loop), the rate limit, the outcomes and the
    :class:`~wrapupkit.BulkReport` are those of :func:`~wrapupkit.apply_many`; a pending item
    is a suspended task, not a thread.  Cancelling the run cancels the items in flight (see
    :meth:`~wrapupkit.AsyncWrapupClient.apply_wrapup` on cancellation); the journal shows
    them as started, so a rerun with the same journal checks them before writing anything.

    Args:
        client: the :class:`~wrapupkit.AsyncWrapupClient` to apply them with.
        max_concurrency: conversations being applied at once.

    The other arguments are :func:`~wrapupkit.apply_many`'s.

    Returns:
        A :class:`~wrapupkit.BulkReport`.

    Raises:
        ConfigurationError: a bad option or an unusable journal; raised before any item runs.

    .. versionadded:: 0.1.0
    """
    import asyncio  # here, not at import time: ``import wrapupkit`` stays cheap

    if not is_whole(max_concurrency, 1):
        raise ConfigurationError(f"max_concurrency must be a whole number >= 1, not {max_concurrency!r}")
    limiter = _check_options(1, rate_limit, journal, progress, readiness, timeout, overwrite, duration)
    raw_items = listed(items)
    clock = client.clock
    started = clock.monotonic()
    options: dict[str, Any] = {
        "duration": duration,
        "readiness": readiness,
        "timeout": timeout,
        "overwrite": overwrite,
    }
    book = await asyncio.to_thread(lambda: Journal(journal)) if journal is not None else None
    bar = _progress_bar(len(raw_items)) if progress else None
    run = _Run(clock, len(raw_items), book, bar)
    gate = asyncio.Semaphore(max_concurrency)

    async def run_chain(chain: list[tuple[int, BulkItem]]) -> None:
        async with gate:
            for index, item in chain:
                if run.stop.is_set():
                    return
                resumed, began = await asyncio.to_thread(functools.partial(run.begin, index, item))
                result: WrapupResult | None = None
                error: BaseException | None = None
                try:
                    result = await client.apply_wrapup(
                        item.conversation_id, item.code, **arguments(item), **options
                    )
                except Exception as exc:  # noqa: BLE001 - every item ends with an outcome
                    error = exc
                outcome = await asyncio.to_thread(
                    functools.partial(run.end, index, item, resumed, began, result, error)
                )
                run.finish(outcome)

    try:
        chains = plan(run, raw_items)
        installed = limiter.installed(client) if limiter is not None else contextlib.nullcontext()
        with installed:
            await _gather(run, [run_chain(chain) for chain in chains])
    finally:
        if bar is not None:
            bar.close()
        if book is not None:
            await asyncio.to_thread(book.close)
    outcomes = tuple(o for o in run.outcomes if o is not None)
    report = BulkReport(outcomes=outcomes, elapsed=clock.monotonic() - started)
    log.info("bulk run finished: %r", report)
    return report


async def _gather(run: _Run, chains: list[Any]) -> None:
    """Run every chain; on a failure (a journal write) finish those in flight, start no more."""
    import asyncio

    tasks = [asyncio.ensure_future(chain) for chain in chains]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION) if tasks else (set(), set())
        failed = [t for t in done if not t.cancelled() and t.exception() is not None]
        if failed:
            run.stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            failed[0].result()
    except asyncio.CancelledError:
        run.stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
