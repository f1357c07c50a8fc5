"""A notification channel's REST side: its subscriptions and the reference-counted topics waits take.

Waits take a reference on a topic (:meth:`Subscriptions.acquire`) and give it back
(:meth:`Subscriptions.release`); unused topics linger, then go in one ``PUT``.  One subscription
request (or the channel's creation) runs at a time, and none outlives the call that waits for
it.  Part of :class:`~wrapupkit._readiness._channel.Channel`.  Strictly private.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from wrapupkit._clock import Clock
from wrapupkit._readiness._reader import CHANNEL_LIFETIME, SLICE, Event, Options
from wrapupkit.exceptions import DeadlineExceeded, GenesysAPIError, NotFound, TransportError


if TYPE_CHECKING:
    from wrapupkit._http import Caller
    from wrapupkit._http._sdk import TopicResult

__all__ = ["Subscriptions"]

log = logging.getLogger("wrapupkit")


class Subscriptions:
    """The channel id, the server's topics and the waits' references on them (the channel's state)."""

    _http: weakref.ref[Caller]
    _clock: Clock
    _opts: Options
    _lock: threading.RLock
    _cond: threading.Condition
    _sub_lock: threading.Lock
    channel_id: str | None
    _uri: str | None
    expires: float | None
    server_topics: set[str]
    _refs: dict[str, int]
    _idle: dict[str, float]
    rejected: dict[str, tuple[str, ...]]
    _events: OrderedDict[str, Event]
    _socket: Any
    closed: bool

    def ensure_open(self) -> None:
        raise NotImplementedError

    def acquire(self, topic: str) -> str:
        """Take a reference on *topic*: ``"ok"``, ``"rejected"``, ``"full"`` or ``"unavailable"``.

        Every answer but ``"full"`` holds a reference that :meth:`release` must give back.
        """
        with self._lock:
            if topic in self.rejected:
                self._refs[topic] = self._refs.get(topic, 0) + 1
                return "rejected"
            if topic not in self._refs and len(self._refs) >= self._opts.max_topics:
                return "full"
            self._refs[topic] = self._refs.get(topic, 0) + 1
            self._idle.pop(topic, None)
            known = topic in self.server_topics and self.channel_id is not None
        if not known:
            self.ensure_open()
            try:
                self.sync()
            except (GenesysAPIError, TransportError) as exc:
                log.warning("could not subscribe to %s (%s); polling instead", topic, exc)
        with self._lock:
            if topic in self.server_topics:
                return "ok"
            return "rejected" if topic in self.rejected else "unavailable"

    def release(self, topic: str) -> None:
        with self._lock:
            left = self._refs.get(topic, 0) - 1
            if left > 0:
                self._refs[topic] = left
                return
            self._refs.pop(topic, None)
            if topic not in self.rejected:
                self._idle[topic] = self._clock.monotonic()
        if self._opts.linger <= 0:
            try:
                self.sync()
            except (GenesysAPIError, TransportError) as exc:
                log.debug("unsubscribing failed (%s); will retry", exc)

    def _desired(self) -> set[str]:
        with self._lock:
            now, cap = self._clock.monotonic(), self._opts.max_topics
            for topic in [t for t, since in self._idle.items() if now - since >= self._opts.linger]:
                del self._idle[topic]
            active = [t for t in self._refs if t not in self.rejected][:cap]
            recent = sorted(self._idle, key=self._idle.__getitem__, reverse=True)
            return set(active + recent[: max(0, cap - len(active))])

    def sync(self, *, renew: bool = False) -> None:
        """Make the server's topics what the waits need (one PUT or POST, or nothing).

        Raises:
            DeadlineExceeded: the channel stayed busy (being created, say) until the call's deadline.
        """
        if not self._sub_lock_within_call():
            raise DeadlineExceeded(
                "the notification channel was busy until the call's deadline; nothing was sent"
            )
        try:
            if self.channel_id is None or self.closed:
                return
            desired = self._desired()
            with self._lock:
                current = set(self.server_topics)
            if desired == current and not renew:
                return
            replace = renew or bool(current - desired)
            channel_id, topics = self.channel_id, sorted(desired if replace else desired - current)
            try:
                result = self._live_http().subscribe(channel_id, topics, replace=replace)
            except NotFound:
                self._forget_channel()
                raise
            self._apply(result, current if not replace else set())
        finally:
            self._sub_lock.release()

    def _sub_lock_within_call(self) -> bool:
        """Take the subscription lock, giving up at the current call's deadline."""
        http = self._http()
        while not self._sub_lock.acquire(timeout=SLICE):
            if http is None or http.remaining() <= 0:
                return False
        return True

    def _apply(self, result: TopicResult, kept: set[str]) -> None:
        with self._cond:
            self.server_topics = kept | set(result.subscribed)
            self.expires = self._clock.time() + CHANNEL_LIFETIME  # resubscribing renews the channel
            for topic, (reason, missing) in result.rejected.items():
                if topic not in self.rejected:
                    log.warning(
                        "Genesys rejected notification topic %s (%s%s); waits on it poll",
                        topic,
                        reason,
                        f"; missing permission: {', '.join(missing)}" if missing else "",
                    )
                self.rejected[topic] = missing
            for cid in [c for c, e in self._events.items() if e.topic not in self.server_topics]:
                del self._events[cid]
            self._cond.notify_all()

    def _live_http(self) -> Caller:
        http = self._http()
        if http is None:
            self.closed = True
            raise TransportError("the WrapupClient is gone", maybe_sent=False)
        return http

    def _forget_channel(self) -> None:
        with self._cond:
            self.channel_id = self._uri = self.expires = None
            self.server_topics = set()
            self._events.clear()
            socket = self._socket
            self._cond.notify_all()
        if socket is not None:
            socket.close()
