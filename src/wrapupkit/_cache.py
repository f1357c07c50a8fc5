"""A per-client TTL cache of code sets with one fetch for concurrent misses."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import cachetools

from wrapupkit._clock import Clock
from wrapupkit.exceptions import DeadlineExceeded


__all__ = ["SingleFlightCache"]

V = TypeVar("V")

# Real seconds between looks at the clock while waiting for another thread's fetch
# (the clock may be a fake one that only moves when a test advances it).
_SLICE = 0.05


class _Flight(Generic[V]):
    """One fetch in progress: the threads that missed the same key wait for its value."""

    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: V | None = None


class SingleFlightCache(Generic[V]):
    """``cachetools.TTLCache`` behind a lock, timed by the client's clock.

    When several threads miss the same key at once, one fetches and the others
    wait for its result and take it, whatever the TTL (so ``ttl=0`` still fetches
    once for concurrent misses).  If that fetch fails, each waiter tries in turn.
    A waiter never waits past its own deadline.  Strictly private.
    """

    def __init__(self, *, ttl: float, maxsize: int, clock: Clock) -> None:
        self._cache: cachetools.TTLCache[Hashable, V] = cachetools.TTLCache(
            maxsize=maxsize, ttl=ttl, timer=clock.monotonic
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, _Flight[V]] = {}
        self.fetches = 0

    def get(
        self,
        key: Hashable,
        fetch: Callable[[], V],
        *,
        refresh: bool = False,
        deadline: float | None = None,
    ) -> tuple[V, bool]:
        """The cached value for *key*, fetching it on a miss; also whether it was fetched by this call.

        Args:
            deadline: on the cache's clock; waiting for another thread's fetch stops there.

        Raises:
            DeadlineExceeded: *deadline* passed while another thread's fetch was still running.
        """
        while True:
            with self._lock:
                if not refresh and key in self._cache:
                    return self._cache[key], False
                flight = self._inflight.get(key)
                leader = flight is None
                if flight is None:
                    flight = self._inflight[key] = _Flight()
            if not leader:
                self._wait(flight, deadline)
                if flight.ok:
                    return flight.value, False  # type: ignore[return-value]
                refresh = False  # that fetch failed: look again, and maybe fetch ourselves
                continue
            try:
                value = fetch()
                with self._lock:
                    self.fetches += 1
                    self._cache[key] = value
                    flight.value, flight.ok = value, True
                return value, True
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
                flight.done.set()

    def _wait(self, flight: _Flight[V], deadline: float | None) -> None:
        while not flight.done.is_set():
            if deadline is None:
                flight.done.wait(_SLICE)
                continue
            left = deadline - self._clock.monotonic()
            if left <= 0:
                raise DeadlineExceeded(
                    "the call's deadline passed while waiting for another thread to fetch the code set"
                )
            flight.done.wait(min(left, _SLICE))

    def cached(self, key: Hashable) -> V | None:
        """The value cached for *key*, without fetching (``None`` when absent or expired)."""
        with self._lock:
            return self._cache.get(key)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
