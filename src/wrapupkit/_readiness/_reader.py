"""The notification socket's reader, written once and free of I/O, and its values. Strictly private.

:class:`ReaderSteps` holds the reader's two loops as generators: :meth:`~ReaderSteps.lifecycle`
(create the channel, connect, read, back off and reconnect) and :meth:`~ReaderSteps.reading` (one
connection: frames, heartbeat silence, upkeep).  They yield what they need and a driver does it: the
reader thread of :class:`~wrapupkit._readiness._channel.Channel` with blocking calls, the reader task
of :class:`~wrapupkit._readiness._async_channel.AsyncChannel` with ``await``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Generator, Mapping
from typing import Any

import attrs

from wrapupkit._clock import Clock
from wrapupkit._validate import in_range
from wrapupkit.exceptions import ConfigurationError


__all__ = [
    "CHANNEL_LIFETIME",
    "SLICE",
    "Event",
    "Gone",
    "Options",
    "Outcome",
    "ReaderSteps",
    "Received",
]

log = logging.getLogger("wrapupkit")
CHANNEL_LIFETIME = 86400.0  # "Channels remain active for 24 hours" [FORUM]
SLICE = 0.25  # longest real-time nap before a loop looks at its clock again


class Received(enum.Enum):
    """What a receive gave besides a frame."""

    NOTHING = "nothing"  # the receive timed out
    CLOSED = "closed"  # the socket closed


class Outcome(enum.Enum):
    EVENT = "event"
    CHANGED = "changed"  # the socket went down or came back
    HORIZON = "horizon"
    CLOSED = "closed"


@attrs.frozen
class Event:
    topic: str
    seq: int
    body: Mapping[str, Any]


def _seconds(_inst: object, attr: attrs.Attribute[float], value: object) -> None:
    """A finite number of seconds, at most a year: NaN, inf and huge ints are refused."""
    if not in_range(value, 0, 366 * 86_400):
        raise ConfigurationError(f"{attr.name} must be a finite number of seconds, not {value!r}")


@attrs.frozen(kw_only=True)
class Options:
    heartbeat_timeout: float = attrs.field(validator=_seconds)
    connect_timeout: float = attrs.field(validator=_seconds)
    reconnect_delay: float = attrs.field(validator=_seconds)
    max_reconnect_delay: float = attrs.field(validator=_seconds)
    linger: float = attrs.field(validator=_seconds)
    renew_before: float = attrs.field(validator=_seconds)
    max_topics: int
    cache_size: int = 10_000


class Gone(Exception):
    """The channel no longer exists on the server: create a new one."""


class ReaderSteps:
    """The reader's loops for a channel (the channel supplies the hooks and the attributes)."""

    closed: bool
    _opts: Options
    _wall: Clock

    def _forget_channel(self) -> None:
        raise NotImplementedError

    def _attempted(self) -> None:
        raise NotImplementedError

    def _frame(self, raw: str | bytes) -> bool:
        raise NotImplementedError

    def lifecycle(self) -> Generator[float | None, tuple[str, float], None]:
        """The reader's reconnect policy, free of I/O, for the thread and the asyncio reader alike.

        Yields ``None`` for "create the channel if needed, connect and read until the socket
        ends" (answered with the reason it ended and the seconds it was connected, or the
        failure thrown in), or a pause in real seconds before the next attempt.
        """
        delay, failures = self._opts.reconnect_delay, 0
        while not self.closed:
            try:
                reason, seconds = yield None
                if reason == "expired":
                    self._forget_channel()
                if reason in ("closing", "expired") or seconds > 1.0:
                    failures, delay = 0, self._opts.reconnect_delay
                    continue
                # a socket that died within a second: do not spin, back off as after a failure
            except Gone:
                self._forget_channel()
                failures += 1
                if failures == 1:  # expired or evicted: make a new channel at once
                    continue
            except Exception as exc:  # noqa: BLE001 (any failure: back off and try again)
                failures += 1
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "notification channel unavailable (%s); polling meanwhile", exc)
                if failures >= 3:
                    self._forget_channel()
            finally:
                self._attempted()
            yield delay
            delay = min(self._opts.max_reconnect_delay, delay * 2)

    def reading(self) -> Generator[float | None, Any, str]:
        """One connection's read loop, free of I/O, for the thread and the asyncio reader alike.

        Yields a receive timeout in real seconds (answered with a frame, or a :class:`Received`
        when none came or the socket closed), or ``None`` for upkeep (answered with
        :meth:`_maintain`'s verdict); returns why the socket ended.
        """
        last = self._wall.monotonic()
        timeout = self._opts.heartbeat_timeout
        while not self.closed:
            raw = yield min(SLICE, timeout / 4)
            if raw is Received.CLOSED:
                return "dropped"
            if raw is not Received.NOTHING:
                last = self._wall.monotonic()
                if self._frame(raw):
                    return "closing"
            elif self._wall.monotonic() - last > timeout:
                return "silent"
            maintenance = yield None
            if maintenance:
                return str(maintenance)
        return "closed"
