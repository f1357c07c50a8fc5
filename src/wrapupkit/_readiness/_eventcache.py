"""A notification channel's event cache: the latest event per conversation, for the current connection.

The cache is emptied whenever the socket goes down (events may have been lost while it was);
a wait blocks until a newer event for its conversation, a connection change, its horizon or
the channel's close.  Part of :class:`~wrapupkit._readiness._channel.Channel`.  Strictly private.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from wrapupkit._clock import Clock
from wrapupkit._readiness._reader import SLICE, Event, Options, Outcome


__all__ = ["EventCache"]

_CLOSING_TOPIC = "v2.system.socket_closing"


class EventCache:
    """The events of the current connection, and the waits on them (the channel's state)."""

    _clock: Clock
    _opts: Options
    _lock: threading.RLock
    _cond: threading.Condition
    server_topics: set[str]
    _refs: dict[str, int]
    _events: OrderedDict[str, Event]
    seq: int
    _generation: int
    connected: bool
    closed: bool
    _socket: Any
    counts: dict[str, int]
    waiting: int

    def _poke(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def generation(self) -> int | None:
        """The current connection's number, or None while disconnected."""
        with self._lock:
            return self._generation if self.connected and not self.closed else None

    def has_topic(self, topic: str) -> bool:
        with self._lock:
            return topic in self.server_topics

    def latest(self, conversation_id: str, after: int = 0) -> Event | None:
        """The newest event for the conversation on the current connection, if newer than *after*."""
        with self._lock:
            event = self._events.get(conversation_id)
            if event is None or event.seq <= after or not self.connected:
                return None
            return event

    def await_(
        self, conversation_id: str, *, after: int, generation: int | None, until: float
    ) -> tuple[Outcome, Event | None]:
        """Block until a newer event, a connection change, *until* (client clock) or close."""
        with self._cond:
            counted = generation is not None  # "waiting" counts waits listening for events
            self.waiting += counted
            self._cond.notify_all()  # status watchers (wait_until) see the new count
            try:
                while True:
                    outcome, left = self.outcome(
                        conversation_id, after=after, generation=generation, until=until
                    )
                    if outcome is not None:
                        return outcome
                    self._cond.wait(min(left, SLICE))
            finally:
                self.waiting -= counted
                self._cond.notify_all()

    def outcome(
        self, conversation_id: str, *, after: int, generation: int | None, until: float
    ) -> tuple[tuple[Outcome, Event | None] | None, float]:
        """How a wait for a newer event ends now, if it does, and the seconds left until *until*."""
        with self._lock:
            if self.closed:
                return (Outcome.CLOSED, None), 0.0
            now_gen = self._generation if self.connected else None
            if now_gen != generation:
                return (Outcome.CHANGED, None), 0.0
            event = self._events.get(conversation_id) if generation is not None else None
            if event is not None and event.seq > after:
                return (Outcome.EVENT, event), 0.0
            left = until - self._clock.monotonic()
            return ((Outcome.HORIZON, None) if left <= 0 else None), left

    def _connected(self, socket: Any, *, up: bool) -> None:
        """A connection began (*up*) or ended: a new generation, an empty event cache, every wait told."""
        with self._cond:
            self._socket, self.connected = socket, up
            if up:
                self._generation += 1
                self.counts["connections"] += 1
            elif not self.closed:
                self.counts["reconnects"] += 1
            self._events.clear()
            self._cond.notify_all()

    def _handle(self, raw: str | bytes) -> bool:
        """Record one frame; True when Genesys announced that the socket is closing."""
        try:
            message = json.loads(raw)
        except ValueError:
            return False
        if not isinstance(message, dict):
            return False
        topic = str(message.get("topicName") or "")
        body = message.get("eventBody")
        if topic == "channel.metadata":
            with self._cond:
                self.counts["heartbeats"] += 1
                self._cond.notify_all()
            return False
        if topic == _CLOSING_TOPIC:
            return True
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            return False
        with self._cond:
            if topic not in self.server_topics and topic not in self._refs:
                return False
            self.seq += 1
            cid = body["id"]
            self._events[cid] = Event(topic, self.seq, body)
            self._events.move_to_end(cid)
            while len(self._events) > self._opts.cache_size:
                self._events.popitem(last=False)
            self.counts["events"] += 1
            self._cond.notify_all()
        return False

    def _frame(self, raw: str | bytes) -> bool:
        """Record one frame (:meth:`_handle`); True when Genesys announced that the socket is closing."""
        return self._handle(raw)
