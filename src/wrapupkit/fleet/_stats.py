"""What a worker tells its observers, and the plain counters every worker keeps (``worker.stats``)."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Protocol

import attrs


__all__ = ["Observer", "ResponseGate", "Stats"]


class Observer(Protocol):
    """Told of what a :class:`~wrapupkit.fleet.Worker` does (``FleetMetrics`` exports it to Prometheus).

    .. versionadded:: 0.1.0
    """

    def event(self, kind: str) -> None:
        """An event was received (``user.end``, ``acw``, ``conversation`` or ``malformed``)."""

    def ignored(self, reason: str) -> None:
        """An event concerned no pending intent (``malformed``, ``no intent``, ``not ready`` ...)."""

    def claim_conflict(self) -> None:
        """Another holder had the intent."""

    def transition(self, state: str) -> None:
        """An intent reached *state* (``applied``, ``already``, ``failed``, ``expired``)."""

    def latency(self, seconds: float) -> None:
        """Seconds from the event's time to the write that followed it."""

    def response(self, status: int) -> None:
        """Genesys answered a request with *status*."""


@attrs.define
class Stats:
    """A worker's counters, in memory (for tests, benchmarks and ``--json`` summaries).

    .. versionadded:: 0.1.0
    """

    events: collections.Counter[str] = attrs.field(factory=collections.Counter)
    ignored_events: collections.Counter[str] = attrs.field(factory=collections.Counter)
    transitions: collections.Counter[str] = attrs.field(factory=collections.Counter)
    claim_conflicts: int = 0
    requests: int = 0
    rate_limited: int = 0
    latencies: collections.deque[float] = attrs.field(factory=lambda: collections.deque(maxlen=10_000))
    """The latest event-to-write latencies (the last 10,000)."""

    def event(self, kind: str) -> None:
        self.events[kind] += 1

    def ignored(self, reason: str) -> None:
        self.ignored_events[reason] += 1

    def claim_conflict(self) -> None:
        self.claim_conflicts += 1

    def transition(self, state: str) -> None:
        self.transitions[state] += 1

    def latency(self, seconds: float) -> None:
        self.latencies.append(seconds)

    def response(self, status: int) -> None:
        self.requests += 1
        if status == 429:
            self.rate_limited += 1


@attrs.define
class ResponseGate:
    """A transport gate that only tells the observers of responses (requests and 429s)."""

    observers: tuple[Observer, ...]

    def acquire(self, deadline: float | None = None) -> None:
        return None

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        for observer in self.observers:
            observer.response(status)
