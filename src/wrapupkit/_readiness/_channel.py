"""One notification channel and its WebSocket, shared by every wait of one client. Strictly private.

The channel is created on first use (``POST /api/v2/notifications/channels``); a daemon thread
connects to its ``connectUri``, reads frames, watches heartbeats and reconnects.  The channel is
four parts, a module each: this one (the socket and its reader thread), ``_subscriptions`` (the
channel's REST side and the reference-counted topics waits take), ``_eventcache`` (the latest
event per conversation on the current connection, and the waits on it) and ``_reader`` (the
reconnect policy and the reading loop, free of I/O, shared with the asyncio reader).  Imports
``websockets`` only in the reader thread.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wrapupkit._clock import Clock, SystemClock
from wrapupkit._readiness._eventcache import EventCache
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
from wrapupkit._readiness._subscriptions import Subscriptions
from wrapupkit.exceptions import (
    ConfigurationError,
    GenesysAPIError,
    NotFound,
    TransportError,
)


if TYPE_CHECKING:
    from wrapupkit._http import Caller

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


class Channel(Subscriptions, EventCache, ReaderSteps):
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
