"""A request gate whose window lives in a store, so that every process of one OAuth client spends
one budget, and a 429's ``Retry-After`` pauses them all.

The window is kept on the wall clock in the store (SQLite on one machine, Redis across a fleet):
the processes share no other clock.  So this gate waits in real time, whatever clock the client
runs on; the client's clock serves only to compare with the calls' deadlines.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Protocol

from wrapupkit._clock import Clock
from wrapupkit._http._ratelimit import _DEFAULT_PAUSE, _number, _window_used_up
from wrapupkit.exceptions import StoreError, TransportError


__all__ = ["SharedGate", "SharedWindow"]

log = logging.getLogger("wrapupkit")

# The longest single wait before the window is asked again (a pause may be lifted early by none,
# but another process's requests may leave the window sooner than the estimate).
MAX_STEP = 1.0


class SharedWindow(Protocol):
    """A budget of requests per window, and a pause, kept in a store for many processes."""

    def take(self) -> float:
        """Count one request and return 0 if the window has room and no pause holds; else the
        seconds to wait before asking again (nothing is counted)."""

    def pause(self, seconds: float) -> None:
        """Hold every process's requests for *seconds* from now (a longer pause already set stays)."""


class SharedGate:
    """A :class:`~wrapupkit._http._transport.Gate` over a :class:`SharedWindow`.

    Args:
        window: the shared window.
        clock: the client's clock (for the calls' deadlines only).
        max_pause: the longest ``Retry-After`` that pauses every process.
    """

    def __init__(self, window: SharedWindow, *, clock: Clock, max_pause: float = 60.0) -> None:
        self.window = window
        self.clock = clock
        self.max_pause = max_pause
        self.waited = 0.0

    def __repr__(self) -> str:
        return f"SharedGate({self.window!r})"

    def acquire(self, deadline: float | None = None) -> None:
        """Block until the shared window lets one more request out, then count it.

        Raises:
            TransportError: the turn would come after *deadline* (nothing was sent).
        """
        while True:
            try:
                wait = self.window.take()
            except StoreError as exc:  # the store is away: this process's own limiter still applies
                log.warning("the shared request gate failed (%s); not waiting for it", exc)
                return
            if wait <= 0:
                return
            if deadline is not None and self.clock.monotonic() + wait >= deadline:
                raise TransportError(
                    f"the shared rate limit's next turn ({wait:.2f}s away) comes after the call's "
                    "deadline; nothing was sent",
                    maybe_sent=False,
                )
            step = min(wait, MAX_STEP)
            time.sleep(step)  # real time: the window is on the wall clock every process shares
            self.waited += step

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """A 429 for the token's window pauses every process for its ``Retry-After``."""
        if status != 429:
            return
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        retry_after = _number(lowered.get("retry-after"))
        pause = _DEFAULT_PAUSE if retry_after is None else max(0.0, retry_after)
        if not _window_used_up(lowered) or pause > self.max_pause:
            return
        try:
            self.window.pause(pause)
        except StoreError as exc:
            log.warning("the shared request gate could not pause the others (%s)", exc)
            return
        log.info("rate limited (429); pausing every process for %.2fs", pause)
