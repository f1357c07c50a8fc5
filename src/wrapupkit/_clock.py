"""Time as an injected dependency.

Every loop in wrapupkit that waits (readiness, retries, rate limiting) and the
emulator's timeline read time from a :class:`Clock`.  Production code uses
:class:`SystemClock`; tests use :class:`wrapupkit.testing.FakeClock`, which
advances instantly when something sleeps on it, so no test sleeps for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable


__all__ = ["Clock", "FakeClock", "SystemClock", "asleep"]


@runtime_checkable
class Clock(Protocol):
    """What wrapupkit needs from time.

    .. versionadded:: 0.1.0
    """

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for deadlines and delays)."""

    def time(self) -> float:
        """Seconds since the Unix epoch (for timestamps)."""

    def sleep(self, seconds: float) -> None:
        """Block for *seconds* (a fake clock advances instead)."""


class SystemClock:
    """The real clock: :func:`time.monotonic`, :func:`time.time` and :func:`time.sleep`.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Wait *seconds* without blocking the event loop (:func:`asyncio.sleep`)."""
        import asyncio  # not at import time: ``import wrapupkit`` stays cheap

        await asyncio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


async def asleep(clock: Clock, seconds: float) -> None:
    """Wait *seconds* on *clock* without blocking the event loop.

    A clock with an ``async asleep(seconds)`` method (:class:`SystemClock`, :class:`FakeClock`)
    is asked to wait; any other clock is real time, so :func:`asyncio.sleep` waits.

    Args:
        clock: the client's clock.
        seconds: how long; ``<= 0`` only yields to the loop once.
    """
    method = getattr(clock, "asleep", None)
    if method is not None:
        await method(seconds)
    else:
        await SystemClock().asleep(seconds)


# 2026-01-01T10:00:00Z: a fixed, readable epoch for fake timelines.
DEFAULT_FAKE_EPOCH = 1767261600.0


class FakeClock:
    """A manual clock for tests: ``sleep()`` advances time instead of blocking.

    Thread-safe.  Listeners registered with :meth:`on_advance` run after every
    advance (the emulator uses this to play its timeline), outside the lock.

    Args:
        start: the initial :meth:`monotonic` reading.
        epoch: the :meth:`time` reading when :meth:`monotonic` reads *start*.

    .. versionadded:: 0.1.0
    """

    def __init__(self, start: float = 0.0, *, epoch: float = DEFAULT_FAKE_EPOCH) -> None:
        self._now = float(start)
        self._offset = epoch - float(start)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[float], None]] = []
        self.sleeps: list[float] = []
        """Every duration passed to :meth:`sleep`, in order (for assertions)."""

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def time(self) -> float:
        with self._lock:
            return self._now + self._offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        """Like :meth:`sleep` (record, advance at once), then yield to the event loop once."""
        self.sleep(seconds)
        await SystemClock().asleep(0)

    def advance(self, seconds: float) -> None:
        """Move time forward by *seconds* and notify listeners."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds
            now = self._now
            listeners = list(self._listeners)
        for listener in listeners:
            listener(now)

    def on_advance(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """Call *listener(monotonic_now)* after every advance; returns an unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def __repr__(self) -> str:
        return f"FakeClock(monotonic={self.monotonic():.3f})"
