"""The thread pool of a bulk run, and its end on Ctrl-C: every item in flight finishes and is journaled."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any


__all__ = ["close_all", "run_chains"]

log = logging.getLogger("wrapupkit")


def run_chains(
    run_chain: Callable[[Any], None], chains: list[Any], max_workers: int, stop: Callable[[], None]
) -> None:
    """Run *run_chain* on each chain on *max_workers* threads.

    On Ctrl-C (or a journal failure re-raised from a worker) *stop* is called (no item starts
    after it), the chains not yet started are cancelled, and this waits until every item in
    flight has ended before raising again.
    """
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="wrapupkit-bulk")
    futures: list[concurrent.futures.Future[None]] = []
    try:
        futures.extend(pool.submit(run_chain, chain) for chain in chains)
        for future in concurrent.futures.as_completed(futures):
            future.result()  # re-raises a journal write failure: the run stops
    except BaseException:
        stop()
        for future in futures:
            future.cancel()
        _settle(futures, pool)
        raise
    pool.shutdown(wait=True)


def _settle(futures: list[concurrent.futures.Future[None]], pool: concurrent.futures.Executor) -> None:
    """Wait until the items in flight have ended and been journaled, whatever Ctrl-C comes meanwhile.

    A worker thread cannot be stopped from outside, and the interpreter waits for it at exit
    anyway: so a second Ctrl-C does not cut this wait short (the journal would be closed under
    a worker, and the report would miss a write that landed); it is logged and the wait goes on.
    """
    pending = set(futures)
    while pending:
        try:
            pending = concurrent.futures.wait(pending)[1]
        except KeyboardInterrupt:
            running = sum(not f.done() for f in pending)
            log.warning("still finishing %d item chain(s) in flight; each is journaled and reported", running)
    while True:
        try:
            pool.shutdown(wait=True)  # every worker is idle: this returns at once
        except KeyboardInterrupt:
            continue
        return


def close_all(*things: Any) -> None:
    """Close each of *things* (``None`` is skipped), all of them even through Ctrl-C (raised again after)."""
    interrupted = False
    for thing in things:
        done = thing is None
        while not done:
            try:
                thing.close()
                done = True
            except KeyboardInterrupt:
                interrupted = True
    if interrupted:
        raise KeyboardInterrupt
