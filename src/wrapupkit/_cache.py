"""A per-client TTL cache of code sets with one fetch for concurrent misses."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import cachetools

from wrapupkit._clock import Clock


__all__ = ["SingleFlightCache"]

V = TypeVar("V")


class SingleFlightCache(Generic[V]):
    """``cachetools.TTLCache`` behind a lock, timed by the client's clock.

    When several threads miss the same key at once, one fetches and the others
    wait for its result (no stampede of identical requests).  If that fetch
    fails, each waiter tries in turn.  Strictly private.
    """

    def __init__(self, *, ttl: float, maxsize: int, clock: Clock) -> None:
        self._cache: cachetools.TTLCache[Hashable, V] = cachetools.TTLCache(
            maxsize=maxsize, ttl=ttl, timer=clock.monotonic
        )
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Event] = {}
        self.fetches = 0

    def get(self, key: Hashable, fetch: Callable[[], V], *, refresh: bool = False) -> tuple[V, bool]:
        """The cached value for *key*, fetching it on a miss; also whether it was fetched by this call."""
        while True:
            with self._lock:
                if not refresh and key in self._cache:
                    return self._cache[key], False
                existing = self._inflight.get(key)
                leader = existing is None
                event = existing if existing is not None else threading.Event()
                if leader:
                    self._inflight[key] = event
            if not leader:
                event.wait()
                refresh = False  # another thread just fetched it: take that value
                continue
            try:
                value = fetch()
                with self._lock:
                    self.fetches += 1
                    self._cache[key] = value
                return value, True
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
                event.set()

    def cached(self, key: Hashable) -> V | None:
        """The value cached for *key*, without fetching (``None`` when absent or expired)."""
        with self._lock:
            return self._cache.get(key)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
