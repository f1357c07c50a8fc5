"""Fault injection (per route = method + path regex), the rate limiter and the request log."""

from __future__ import annotations

import math
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import attrs

from wrapupkit import Clock
from wrapupkit.emulator.core.errors import bad_request


__all__ = ["Faults", "RateState", "RecordedRequest", "RequestLog"]

# Genesys' default for a client-credentials token: 300 requests per minute (genesys-api.md 4.1).
DEFAULT_LIMIT = (300, 60.0)


@attrs.frozen
class RecordedRequest:
    """One API request the emulator answered (control-plane requests are not recorded).

    Attributes:
        method: the HTTP method.
        path: the path without the query string.
        query: query parameters (repeated names joined with ``","``).
        body: parsed JSON, the form dict for ``/oauth/token``, or None.
        status: the status sent; 0 when the connection was reset without a response.
        headers: request headers; the ``Authorization`` value is ``"<redacted>"``.

    .. versionadded:: 0.1.0
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    headers: dict[str, str]


class RequestLog:
    """A thread-safe list of :class:`RecordedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._added = threading.Condition(self._lock)
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._added:
            self._items.append(item)
            self._added.notify_all()

    def wait_for(self, method: str | None, path: str | None, count: int, timeout: float) -> bool:
        """Block until at least *count* logged requests match, or *timeout* real seconds pass."""
        pattern = re.compile(path) if path is not None else None

        def enough() -> bool:
            found = [
                r
                for r in self._items
                if (method is None or r.method == method.upper())
                and (pattern is None or pattern.search(r.path))
            ]
            return len(found) >= count

        with self._added:
            return self._added.wait_for(enough, timeout)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Drop scheduled faults, latency and the rate limit."""
        with self._lock:
            self._items.clear()

    def matching(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        pattern = re.compile(path) if path is not None else None
        return [
            r
            for r in self.snapshot()
            if (method is None or r.method == method.upper()) and (pattern is None or pattern.search(r.path))
        ]


@dataclass
class _Matcher:
    method: str  # upper case, or "*"
    pattern: re.Pattern[str] | None

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and (
            self.pattern is None or self.pattern.search(path) is not None
        )


def _matcher(method: str | None, path: str | None) -> _Matcher:
    try:
        pattern = re.compile(path) if path is not None else None
    except re.error as exc:
        raise bad_request(f"invalid path regex {path!r}: {exc}") from None
    return _Matcher((method or "*").upper(), pattern)


@dataclass
class Fault:
    """One scheduled fault; *kind* is ``fail``, ``stall``, ``reset``, ``hold``, ``trickle`` or ``corrupt``."""

    kind: str
    matcher: _Matcher
    times: int
    status: int = 503
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None
    seconds: float = 0.0
    after_processing: bool = False
    body: bytes | None = None  # corrupt: the body sent instead
    headers: tuple[tuple[str, str], ...] = ()  # corrupt: headers set on the answer
    head: bool = False  # trickle: the status line and headers trickle too


@dataclass(frozen=True)
class RateState:
    """The rate-limit window after a request: what the ``inin-ratelimit-*`` headers say."""

    allowed: int
    count: int
    reset: int
    retry_after: int | None  # set when the request is refused
    per: float = DEFAULT_LIMIT[1]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _times(times: object) -> int:
    if not _is_int(times) or int(str(times)) < 1:
        raise bad_request("times must be a positive integer")
    return int(str(times))


def _seconds(value: object, name: str) -> float:
    if not (_is_int(value) or isinstance(value, float)) or float(str(value)) < 0:
        raise bad_request(f"{name} must be a non-negative number")
    return float(str(value))


class Faults:
    """Scheduled failures, stalls, resets, latency and the per-token rate limit."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Drop scheduled faults, latency and the rate limit."""
        with self._lock:
            self._faults: list[Fault] = []
            self._latency: list[tuple[_Matcher, float]] = []
            self._limit: tuple[int, float] | None = None
            self._windows: dict[str, deque[float]] = {}

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 503,
        times: int = 1,
        retry_after: float | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next *times* requests matching *method* and the regex *path* with an ErrorBody."""
        if not _is_int(status) or not 400 <= status <= 599:
            raise bad_request("status must be an HTTP error status (400-599)")
        if retry_after is not None:
            _seconds(retry_after, "retry_after")
        fault = Fault("fail", _matcher(method, path), _times(times), status, retry_after, code, message)
        with self._lock:
            self._faults.append(fault)

    def stall_next(
        self, method: str, path: str, seconds: float, *, times: int = 1, after_processing: bool = True
    ) -> None:
        """Hold matching responses *seconds* real seconds; with *after_processing* the effect lands first."""
        fault = Fault("stall", _matcher(method, path), _times(times), seconds=_seconds(seconds, "seconds"))
        fault.after_processing = bool(after_processing)
        with self._lock:
            self._faults.append(fault)

    def reset_next(self, method: str, path: str, *, times: int = 1, after_processing: bool = False) -> None:
        """Close matching connections without a response (TCP RST), optionally after applying the effect."""
        fault = Fault("reset", _matcher(method, path), _times(times), after_processing=bool(after_processing))
        with self._lock:
            self._faults.append(fault)

    # -- faults for reliability tests (hold, trickle, corrupt) --------------------------------

    @property
    def clock(self) -> Clock:
        """The clock holds are timed on."""
        return self._clock

    def hold_next(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Hold matching requests before processing until *seconds* pass on the emulator's clock.

        On a fake clock the request lands when a test (or a client sharing the clock)
        advances it that far; the effect is applied then, after the client may have given up.
        """
        fault = Fault("hold", _matcher(method, path), _times(times), seconds=_seconds(seconds, "seconds"))
        with self._lock:
            self._faults.append(fault)

    def trickle_next(
        self, method: str, path: str, *, interval: float = 0.05, times: int = 1, head: bool = False
    ) -> None:
        """Send matching answers (after processing) one byte every *interval* real seconds.

        With *head*, the status line and the headers trickle too, not only the body.
        """
        if not isinstance(head, bool):
            raise bad_request("head must be a boolean")
        fault = Fault(
            "trickle", _matcher(method, path), _times(times), seconds=_seconds(interval, "interval")
        )
        fault.head = head
        with self._lock:
            self._faults.append(fault)

    def corrupt_next(
        self,
        method: str,
        path: str,
        *,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Process matching requests normally, then send *body* (raw bytes, or text as UTF-8)
        instead of the real body and/or set *headers* (replacing same-named ones) on the answer.

        For answers a client cannot read: ``b"\\xff\\xfe"`` (not UTF-8),
        ``'{"pageCount": "x"}'`` (valid JSON the SDK cannot deserialise), or
        ``{"inin-ratelimit-reset": "86400"}``.
        """
        if body is not None and not isinstance(body, (bytes, str)):
            raise bad_request("body must be bytes or text")
        pairs: list[tuple[object, object]] = list((headers or {}).items())
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs):
            raise bad_request("headers must map names to text values")
        raw = body.encode() if isinstance(body, str) else body
        fault = Fault(
            "corrupt", _matcher(method, path), _times(times), body=raw, headers=tuple((headers or {}).items())
        )
        with self._lock:
            self._faults.append(fault)

    def add_latency(self, seconds: float, *, method: str | None = None, path: str | None = None) -> None:
        """Delay matching responses by *seconds* of real time (adds up with other latencies)."""
        entry = (_matcher(method, path), _seconds(seconds, "seconds"))
        with self._lock:
            self._latency.append(entry)

    def rate_limit(self, requests: int | None, per_seconds: float = 60.0) -> None:
        """Allow *requests* per *per_seconds* per token (on the clock); None disables the limit."""
        if requests is not None and (not _is_int(requests) or requests < 1):
            raise bad_request("requests must be a positive integer or null")
        if _seconds(per_seconds, "per_seconds") <= 0:
            raise bad_request("per_seconds must be positive")
        with self._lock:
            self._limit = None if requests is None else (requests, float(per_seconds))
            self._windows.clear()

    def take(self, kind: str, method: str, path: str) -> Fault | None:
        """Consume one use of the first *kind* fault matching the request."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.matcher.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def latency(self, method: str, path: str) -> float:
        with self._lock:
            return sum(seconds for matcher, seconds in self._latency if matcher.matches(method, path))

    def admit(self, key: str | None) -> RateState:
        """Count a request against *key*'s window; ``retry_after`` is set when it must be refused."""
        with self._lock:
            requests, per = self._limit or DEFAULT_LIMIT
            now = self._clock.monotonic()
            window = self._windows.setdefault(key or "", deque())
            while window and window[0] + per <= now:
                window.popleft()
            refused = self._limit is not None and key is not None and len(window) >= requests
            if not refused and key is not None:
                window.append(now)
            reset = math.ceil(window[0] + per - now) if window else math.ceil(per)
            retry_after = max(1, reset) if refused else None
            return RateState(requests, len(window), max(reset, 0), retry_after, per)

    def peek(self) -> dict[str, Any]:
        """The configured faults, for the control plane."""
        with self._lock:
            return {
                "faults": [
                    {"kind": f.kind, "method": f.matcher.method, "times": f.times, "status": f.status}
                    for f in self._faults
                ],
                "rate_limit": None if self._limit is None else list(self._limit),
            }
