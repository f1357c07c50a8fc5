"""One notification channel and its WebSocket, shared by every wait of one client. Strictly private.

The channel is created on first use (``POST /api/v2/notifications/channels``); a daemon thread
connects to its ``connectUri``, reads frames, watches heartbeats and reconnects.  Waits take
reference-counted topics; unused topics linger, then go in one ``PUT``.  Conversation events are
kept per conversation (latest only) for the current connection: the cache is emptied whenever the
socket goes down, because events may have been lost while it was.  Imports ``websockets`` only in
the reader thread.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wrapupkit._clock import Clock, SystemClock
from wrapupkit._readiness._reader import (
    CHANNEL_LIFETIME,
    SLICE,
    Event,
    Gone,
    Options,
    Outcome,
    ReaderSteps,
    Received,
)
from wrapupkit.exceptions import (
    ConfigurationError,
    DeadlineExceeded,
    GenesysAPIError,
    NotFound,
    TransportError,
)


if TYPE_CHECKING:
    from wrapupkit._http import Caller
    from wrapupkit._http._sdk import TopicResult

__all__ = ["CHANNEL_LIFETIME", "Channel", "Event", "Options", "Outcome", "Received", "require_websockets"]

log = logging.getLogger("wrapupkit")
_CLOSING_TOPIC = "v2.system.socket_closing"


def require_websockets() -> None:
    """Raise a clear error when the ``websockets`` package (the notifications extra) is missing."""
    try:
        import websockets.sync.client  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "The Notifications strategy needs websockets: pip install 'wrapupkit[notifications]'"
        ) from None


class Channel(ReaderSteps):
    """A channel, its subscriptions, its socket and the latest event per conversation.  Thread-safe.

    Two clocks: *clock* (the client's) times everything the library decides (deadlines,
    linger, expiry); *wall* times the socket itself (heartbeat silence, reconnect pauses),
    which waits on real network I/O and so must count real seconds.
    """

    def __init__(self, http: Caller, options: Options, *, wall: Clock | None = None) -> None:
        self._http = weakref.ref(http)
        self._clock = http.clock
        self._wall: Clock = wall or SystemClock()
        self._opts = options
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._sub_lock = threading.Lock()  # one subscription request (or channel creation) at a time
        self.channel_id: str | None = None
        self._uri: str | None = None
        self.expires: float | None = None  # epoch seconds (client clock)
        self.server_topics: set[str] = set()
        self._refs: dict[str, int] = {}
        self._idle: dict[str, float] = {}
        self.rejected: dict[str, tuple[str, ...]] = {}
        self._events: OrderedDict[str, Event] = OrderedDict()
        self.seq = 0
        self._generation = 0
        self.connected = False
        self.closed = False
        self._socket: Any = None
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._stop = threading.Event()
        self.counts = {"connections": 0, "reconnects": 0, "channels": 0, "heartbeats": 0, "events": 0}
        self.waiting = 0
        self._next_check = 0.0
        on_advance = getattr(self._clock, "on_advance", None)
        self._unhook = on_advance(lambda _now: self._poke()) if on_advance is not None else None

    # -- waits ------------------------------------------------------------------------------------

    def _poke(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def ensure_open(self) -> None:
        """Start the reader on first use and wait for its first attempt.

        The wait ends at ``connect_timeout`` or at the current call's deadline, whichever
        comes first: a stalled channel creation never keeps a call past its timeout (the
        call then polls, and the reader keeps trying in the background).
        """
        with self._lock:
            if self.closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wrapupkit-notifications", daemon=True)
                self._thread.start()
        http = self._http()
        give_up_at = self._wall.monotonic() + self._opts.connect_timeout  # real seconds: socket I/O
        while not self._opened.is_set():
            left = give_up_at - self._wall.monotonic()
            call_left = http.remaining() if http is not None else left
            if left <= 0 or call_left <= 0:
                return
            self._opened.wait(min(left, call_left, SLICE))

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

    # -- topics -----------------------------------------------------------------------------------

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

    # -- the reader thread ------------------------------------------------------------------------

    def _run(self) -> None:
        """The reader thread: :meth:`lifecycle`'s steps done with blocking calls."""
        steps = self.lifecycle()
        try:
            step = next(steps)
            while True:
                if step is not None:
                    self._stop.wait(step)  # real seconds: a reconnect pause, interrupted by close()
                    step = next(steps)
                    continue
                try:
                    uri = self._prepare()
                    started = self._wall.monotonic()
                    reason = self._read(uri)
                except Exception as exc:  # noqa: BLE001 - the lifecycle decides what a failure means
                    step = steps.throw(exc)
                else:
                    step = steps.send((reason, self._wall.monotonic() - started))
        except StopIteration:
            return

    def _attempted(self) -> None:
        """A connection attempt ended (or the socket opened): release a first wait in :meth:`ensure_open`."""
        self._opened.set()

    def _prepare(self) -> str:
        with self._sub_lock:
            if self.channel_id is None:
                info = self._live_http().create_channel()
                with self._cond:
                    self._cond.notify_all()
                    self.channel_id, self._uri = info.id, info.connect_uri
                    self.expires = info.expires or self._clock.time() + CHANNEL_LIFETIME
                    self.counts["channels"] += 1
                log.info("created notification channel %s", info.id)
            desired = self._desired()
            channel_id, uri = self.channel_id, self._uri
            if desired and desired != self.server_topics:
                result = self._live_http().subscribe(channel_id, sorted(desired), replace=True)
                self._apply(result, set())
        if uri is None:
            raise Gone
        return uri

    def _read(self, uri: str) -> str:
        from websockets.exceptions import ConnectionClosed, InvalidStatus
        from websockets.sync.client import connect

        loopback = urlsplit(uri).hostname in ("127.0.0.1", "localhost", "::1")
        try:
            ws_cm = connect(
                uri,
                open_timeout=self._opts.connect_timeout,
                close_timeout=1.0,
                proxy=None if loopback else True,
                max_size=None,
            )
            ws = ws_cm.__enter__()
        except InvalidStatus as exc:
            if exc.response.status_code in (404, 410):
                raise Gone from exc
            raise
        reason = "closed"
        try:
            self._connected(ws, up=True)
            self._attempted()
            log.info("notification socket connected (channel %s)", self.channel_id)
            steps = self.reading()
            try:
                step = next(steps)
                while True:
                    if step is None:
                        step = steps.send(self._maintain())
                        continue
                    try:
                        raw: str | bytes | Received = ws.recv(timeout=step)
                    except TimeoutError:
                        raw = Received.NOTHING
                    except ConnectionClosed:
                        raw = Received.CLOSED
                    step = steps.send(raw)
            except StopIteration as done:
                reason = str(done.value)
        finally:
            self._connected(None, up=False)
            ws_cm.__exit__(None, None, None)
        if not self.closed:
            log.info("notification socket %s; reconnecting", reason)
        return reason

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

    def _frame(self, raw: str | bytes) -> bool:
        """Record one frame (:meth:`_handle`); True when Genesys announced that the socket is closing."""
        return self._handle(raw)

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

    def _maintain(self) -> str | None:
        """Renew the channel before it expires and drop lingering topics (at most every 0.2 s)."""
        now = self._wall.monotonic()
        if now < self._next_check:
            return None
        self._next_check = now + 0.2
        expires = self.expires
        left = None if expires is None else expires - self._clock.time()
        try:
            if left is not None and left <= 0:
                return "expired"
            if left is not None and left < self._opts.renew_before:
                log.info("renewing notification channel %s", self.channel_id)
                self.sync(renew=True)
            elif self._idle and self._desired() != self.server_topics:
                self.sync()
        except NotFound:
            return "expired"
        except (GenesysAPIError, TransportError) as exc:
            self._next_check = now + 5.0
            log.warning("notification subscription update failed (%s)", exc)
        return None

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the reader and close the socket; blocked waits see ``CLOSED``.  Idempotent."""
        with self._cond:
            if self.closed and self._thread is None:
                return
            self.closed = True
            socket = self._socket
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        self._stop.set()
        self._opened.set()
        if self._unhook is not None:
            self._unhook()
            self._unhook = None
        if socket is not None:
            socket.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until *predicate* (evaluated under the channel's lock) holds, or *timeout* real seconds."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "channel_id": self.channel_id,
                "connected": self.connected and not self.closed,
                "topics": frozenset(self.server_topics),
                "active_topics": frozenset(self._refs),
                "rejected_topics": dict(self.rejected),
                "waiting": self.waiting,
                "expires": self.expires,
                **self.counts,
            }
