"""A client-side rate limiter shared by every request of a bulk run.

Genesys Cloud allows 300 requests a minute per client-credentials token
(genesys-api.md 4.1) and answers 429 beyond that.  Retrying 429s one by one
works, but many threads hitting the limit together waste requests and time.
:class:`RateLimiter` keeps a whole process under the limit instead:

* a token bucket (``burst`` requests at once, refilled at ``requests / per_seconds``)
  smooths the pace;
* a sliding window guarantees that no ``per_seconds`` interval ever sees more than
  ``requests`` requests, whatever window Genesys counts in;
* ``headroom`` stretches that window a little (5 % by default): the server counts
  requests when they arrive, and arrival times jitter, so a limiter that runs exactly
  at the limit gets the odd 429, and each 429 stalls every thread for ``Retry-After``;
* the ``inin-ratelimit-*`` response headers say how much of the server's window is
  used: when the server has counted more than this limiter sent (another process
  shares the token) or allows fewer than ``requests``, the window's budget shrinks
  to what is left until the server's window resets;
* a 429 pauses every thread for ``Retry-After`` seconds, unless its own
  ``inin-ratelimit-*`` headers show the token's window still has room (a limit on
  one resource): then only that request waits, in the retry policy;
* a ``reset`` it learns is trusted for at most ``max(window, max_pause)`` (one odd
  header cannot stall a run for a day), and its own requests are counted over the
  server's window (at least the longest reset seen), so a window shorter than the
  server's does not take its own earlier requests for another process's.

Time spent queued here counts against the calling request's deadline: the transport
passes the call's deadline to :meth:`RateLimiter.acquire`, which refuses (nothing is
sent) rather than wait for a turn after it.

It waits on an injected :class:`~wrapupkit.Clock`, so tests never sleep.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import math
import threading
from collections.abc import Iterator, Mapping
from typing import Protocol

from wrapupkit._clock import Clock, SystemClock
from wrapupkit._validate import in_range, is_whole
from wrapupkit.exceptions import ConfigurationError, DeadlineExceeded


__all__ = ["RateLimiter"]

log = logging.getLogger("wrapupkit")

# Waits shorter than this are float noise, not a reason to sleep again.
_EPSILON = 1e-9
# The pause after a 429 that carries no usable Retry-After header.
_DEFAULT_PAUSE = 1.0
# Bounds on the constructor's numbers (beyond them floats overflow or a wait never ends).
MAX_REQUESTS = 1_000_000
MAX_SECONDS = 86_400.0


class RateLimiter:
    """A thread-safe limit on requests per time window, shared by every thread that calls :meth:`acquire`.

    Install it on a client for a block with :meth:`installed`;
    :func:`~wrapupkit.apply_many` does that for the length of a bulk run.

    Args:
        requests: requests allowed per window (Genesys: 300 per client-credentials token).
        per_seconds: the window's length in seconds.
        headroom: the share of the window kept in reserve against network and scheduling
            jitter: the limiter counts its window as ``per_seconds * (1 + headroom)``.
        burst: requests that may go out back to back after a quiet spell (default:
            a tenth of *requests*, at least 1); never more than *requests*.
        max_pause: the longest ``Retry-After`` that pauses every thread; a longer one
            (Genesys sends hours for daily limits) is left to the retry policy, which
            gives up with :class:`~wrapupkit.exceptions.RateLimited`.
        clock: where time comes from.  ``None``: the clock of the client it is first
            installed on, else the system clock.

    Raises:
        ConfigurationError: a limit or window out of range (NaN, infinite, huge, not positive).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        requests: int = 300,
        per_seconds: float = 60.0,
        *,
        burst: int | None = None,
        headroom: float = 0.05,
        max_pause: float = 60.0,
        clock: Clock | None = None,
    ) -> None:
        if not is_whole(requests, 1, MAX_REQUESTS):
            raise ConfigurationError(
                f"RateLimiter requests must be a whole number in 1..{MAX_REQUESTS}, not {requests!r}"
            )
        if not in_range(per_seconds, 0.0, MAX_SECONDS) or per_seconds == 0:
            raise ConfigurationError(
                f"RateLimiter per_seconds must be in (0, {MAX_SECONDS:g}], not {per_seconds!r}"
            )
        if burst is None:
            burst = max(1, requests // 10)
        if not is_whole(burst, 1, requests):
            raise ConfigurationError(f"RateLimiter burst must be between 1 and {requests}, not {burst!r}")
        if not in_range(headroom, 0.0, 1.0) or headroom == 1:
            raise ConfigurationError(f"RateLimiter headroom must be in [0, 1), not {headroom!r}")
        if not in_range(max_pause, 0.0, MAX_SECONDS):
            raise ConfigurationError(
                f"RateLimiter max_pause must be in [0, {MAX_SECONDS:g}], not {max_pause!r}"
            )
        self.requests = requests
        self.per_seconds = float(per_seconds)
        self.headroom = float(headroom)
        self._window = self.per_seconds * (1.0 + self.headroom)
        self.burst = burst
        self.max_pause = float(max_pause)
        self._clock = clock
        self._lock = threading.Lock()
        self._rate = requests / self._window
        self._tokens = float(burst)
        self._updated: float | None = None
        self._sent: collections.deque[float] = collections.deque()
        # Our own sends over the server's window, which may be longer than ours (see _learn_window).
        self._history: collections.deque[float] = collections.deque()
        self._server_window = self._window
        self._paused_until = -math.inf
        # The window's budget while another user of the token takes part of it (see _learn_window).
        self._budget = requests
        self._budget_until = -math.inf
        self._acquired = 0
        self._waited = 0.0
        self._throttled = 0

    # -- configuration --------------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The clock it waits on (the system clock until it is installed on a client, if none was given)."""
        return self._clock or SystemClock()

    def _bind_clock(self, clock: Clock) -> None:
        """Adopt *clock* if none was given. Strictly private."""
        with self._lock:
            if self._clock is None:
                self._clock = clock

    def __repr__(self) -> str:
        return (
            f"RateLimiter(requests={self.requests}, per_seconds={self.per_seconds:g}, "
            f"burst={self.burst}, headroom={self.headroom:g})"
        )

    # -- statistics -----------------------------------------------------------------------------------

    @property
    def acquired(self) -> int:
        """Requests let through so far."""
        with self._lock:
            return self._acquired

    @property
    def waited(self) -> float:
        """Seconds spent waiting in :meth:`acquire`, summed over all threads."""
        with self._lock:
            return self._waited

    @property
    def throttled(self) -> int:
        """429 responses observed."""
        with self._lock:
            return self._throttled

    # -- the gate -------------------------------------------------------------------------------------

    def acquire(self, deadline: float | None = None) -> None:
        """Block (on :attr:`clock`) until one more request may be sent, then count it.

        Args:
            deadline: the calling request's deadline on :attr:`clock`; time queued here
                counts against it.

        Raises:
            DeadlineExceeded: the request could not go out before *deadline* (nothing was
                sent; ``maybe_sent`` is false).  It does not wait for a turn it cannot use.
        """
        clock = self.clock
        slept = 0.0
        while True:
            with self._lock:
                now = clock.monotonic()
                wait = self._wait_time(now)
                if wait <= _EPSILON:
                    self._grant(now)
                    self._waited += slept
                    return
                if deadline is not None and now + wait >= deadline:
                    self._waited += slept
                    raise DeadlineExceeded(
                        f"the rate limiter's next turn ({wait:.2f}s away) comes after the call's deadline; "
                        "nothing was sent"
                    )
            clock.sleep(wait)
            slept += wait

    def _wait_time(self, now: float) -> float:
        """Seconds until a request may go out (0 when it may go now). Called with the lock held."""
        if self._updated is None:
            self._updated = now
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        wait = 0.0
        if now < self._paused_until:
            wait = self._paused_until - now
        if self._tokens < 1.0 - _EPSILON:
            wait = max(wait, (1.0 - self._tokens) / self._rate)
        self._prune(now)
        budget = self.requests
        if now < self._budget_until:
            budget = self._budget
            if budget <= 0:
                return max(wait, self._budget_until - now)
        if len(self._sent) >= budget:
            # The budget-th most recent request must leave the window first.
            wait = max(wait, self._sent[len(self._sent) - budget] + self._window - now)
        return wait

    def _prune(self, now: float) -> None:
        while self._sent and self._sent[0] + self._window <= now:
            self._sent.popleft()

    def _grant(self, now: float) -> None:
        self._tokens -= 1.0
        self._sent.append(now)
        self._history.append(now)
        self._acquired += 1

    # -- feedback -------------------------------------------------------------------------------------

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response: its ``inin-ratelimit-*`` headers, and ``Retry-After`` on a 429."""
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        now = self.clock.monotonic()
        with self._lock:
            if status == 429:
                self._throttled += 1
                retry_after = _number(lowered.get("retry-after"))
                pause = _DEFAULT_PAUSE if retry_after is None else max(0.0, retry_after)
                if not _window_used_up(lowered):
                    # Not the token's window (a limit on one resource, say): only this request
                    # waits, in the retry policy; the other threads carry on.
                    log.info("429 while the token's window has room; not pausing others")
                elif pause <= self.max_pause:
                    self._paused_until = max(self._paused_until, now + pause)
                    self._tokens = min(self._tokens, 0.0)
                    log.info("rate limited (429); pausing all requests for %.2fs", pause)
                else:
                    log.info("429 with Retry-After %.0fs, beyond max_pause; not pausing", pause)
            self._learn_window(now, lowered)

    def _learn_window(self, now: float, headers: Mapping[str, str]) -> None:
        """Shrink the window's budget to what the server says is left. Called with the lock held.

        The server counts every request made with the token, ours and any other
        process's.  What it counted beyond what we sent in our own window is someone
        else's use: our budget shrinks by that much until the server's window resets.
        """
        allowed = _number(headers.get("inin-ratelimit-allowed"))
        count = _number(headers.get("inin-ratelimit-count"))
        reset = _number(headers.get("inin-ratelimit-reset"))
        if allowed is None or count is None or reset is None or allowed < 1 or count < 0 or reset < 0:
            return
        self._prune(now)
        # The server's window may be longer than ours: what it counts of our own requests is
        # what we sent over its window, whose length is at least the longest reset it announced
        # (bounded, so that one odd header cannot make us remember for a day).
        reset = min(reset, max(self._window, self.max_pause))
        self._server_window = max(self._server_window, reset)
        while self._history and self._history[0] + self._server_window <= now:
            self._history.popleft()
        ours = max(len(self._sent), len(self._history))
        # One request of slack: the server's window and ours are read a response apart.
        foreign = max(0, min(int(count), 10 * self.requests) - ours - 1)
        budget = min(self.requests, int(allowed)) - foreign
        if budget >= self.requests:
            self._budget, self._budget_until = self.requests, -math.inf
            return
        if budget < self._budget or now >= self._budget_until:
            log.debug(
                "the server counts %d of %d requests (we sent %d); budget %d for %.1fs",
                int(count),
                int(allowed),
                len(self._sent),
                budget,
                reset,
            )
        self._budget = max(0, budget)
        self._budget_until = now + max(reset, 0.0)

    # -- installation ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def installed(self, client: Gated) -> Iterator[RateLimiter]:
        """Gate every request *client* sends inside the block, and learn from every response.

        The limiter installs on the client's transport, beside any other limiter already
        there (each block removes only its own).  If the limiter has no clock yet, it
        adopts the client's.

        .. versionadded:: 0.1.0
        """
        self._bind_clock(client.clock)
        with client.gated(self):
            yield self


class Gated(Protocol):
    """What :meth:`RateLimiter.installed` needs of a client: its clock, and a gate on its requests.

    :class:`~wrapupkit.WrapupClient` and :class:`~wrapupkit.AsyncWrapupClient` have both.
    """

    @property
    def clock(self) -> Clock:
        """Where the client's time comes from (the limiter adopts it if it has none)."""
        ...

    def gated(self, gate: RateLimiter) -> contextlib.AbstractContextManager[None]:
        """Pass every request the client sends inside the block through *gate*."""
        ...


def _window_used_up(headers: Mapping[str, str]) -> bool:
    """A 429's headers blame the token's window, or say nothing (then assume they do)."""
    allowed = _number(headers.get("inin-ratelimit-allowed"))
    count = _number(headers.get("inin-ratelimit-count"))
    return allowed is None or count is None or count >= allowed


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
