"""Notification channels, topic subscriptions and event delivery (genesys-api.md §3).

:class:`NotificationHub` holds the channels of one emulator.  Services :meth:`~NotificationHub.publish`
events by concrete topic; every connected channel subscribed to that topic receives
``{"topicName", "version", "eventBody", "metadata"}``.  The hub knows nothing of conversations.
The WebSocket server (``websocket``) starts with the first channel.  Faults: heartbeats on demand,
``v2.system.socket_closing``, forced drops, silent sockets, refused handshakes, held or delayed
events and channel expiry.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from wrapupkit import Clock
from wrapupkit.emulator.core.errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator.notifications.models import (
    HEARTBEAT,
    SOCKET_CLOSING,
    EmuChannel,
    Socket,
    SocketServerLike,
)
from wrapupkit.emulator.notifications.topics import TOPIC_TEMPLATES, screen


__all__ = ["NotificationHub"]


class NotificationHub:
    """The notification service of one emulator (``emu.notifications``).  Thread-safe.

    Attributes:
        heartbeat_interval: real seconds between ``channel.metadata`` heartbeats on every socket
            (Genesys: 30); None sends them only on :meth:`heartbeat`.
        channel_ttl: seconds a channel lives after creation or its last subscription change (24 h).
        max_channels: channels per OAuth client; a new one evicts the least recently used,
            unconnected ones first (20).
        max_topics: topics per channel; more is a 400 (1,000).
        connections: WebSocket connections accepted so far.

    .. versionadded:: 0.1.0
    """

    def __init__(self, clock: Clock, host: str = "127.0.0.1") -> None:
        self.clock = clock
        self.host = host
        self.heartbeat_interval: float | None = 30.0
        self.channel_ttl = 86400.0
        self.max_channels = 20
        self.max_topics = 1000
        self.connections = 0
        self._permissions: dict[str, tuple[str, ...]] = {}
        self._lock = threading.RLock()
        self.channels: dict[str, EmuChannel] = {}
        self._server: SocketServerLike | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self._unhook: Callable[[], None] | None = None
        self._refuse: int | None = 0  # handshakes still to refuse; None = until accept_connections()
        self._hold = False
        self._held: list[tuple[Socket, dict[str, Any]]] = []
        self._delay = 0.0

    # -- lifecycle --------------------------------------------------------------------------------

    def _ensure_server(self) -> None:
        if self._server is not None:
            return
        try:
            from wrapupkit.emulator.notifications.websocket import SocketServer
        except ImportError:
            raise EmulatorError(
                501, "not.implemented", "Notifications need websockets: pip install 'wrapupkit[emulator]'"
            ) from None
        server = SocketServer(
            self.host, admit=self._admit, attach=self._attach, detach=self._detach, on_text=self._on_text
        )
        server.start()
        self._server = server
        self._stop.clear()
        self._beat = threading.Thread(target=self._beat_loop, name="wrapupkit-emulator-beat", daemon=True)
        self._beat.start()
        on_advance = getattr(self.clock, "on_advance", None)
        if on_advance is not None:
            self._unhook = on_advance(lambda _now: self.expire_due())

    def stop(self) -> None:
        """Close every socket and stop the WebSocket server (channels are forgotten)."""
        with self._lock:
            server, self._server = self._server, None
            self.channels.clear()
            self._held.clear()
        self._stop.set()
        if self._unhook is not None:
            self._unhook()
            self._unhook = None
        if server is not None:
            server.stop()
        if self._beat is not None:
            self._beat.join(timeout=5)
            self._beat = None

    def reset(self) -> None:
        """Forget channels (closing their sockets), faults and settings."""
        with self._lock:
            sockets = [ch.socket for ch in self.channels.values() if ch.socket is not None]
            self.channels.clear()
            self._held.clear()
            self._refuse, self._hold, self._delay = 0, False, 0.0
            self._permissions.clear()
            self.heartbeat_interval, self.channel_ttl = 30.0, 86400.0
            self.max_channels, self.max_topics = 20, 1000
        for socket in sockets:
            socket.close(1000, "Emulator reset")

    def _beat_loop(self) -> None:
        next_beat = time.monotonic() + (self.heartbeat_interval or 0.0)
        while not self._stop.wait(0.02 if (self.heartbeat_interval or 1) < 0.25 else 0.25):
            self.expire_due()
            interval = self.heartbeat_interval
            if interval is not None and time.monotonic() >= next_beat:
                self.heartbeat()
                next_beat = time.monotonic() + interval

    # -- channels and subscriptions (the API handlers call these) ----------------------------------

    def create_channel(self, owner: str) -> dict[str, Any]:
        self._ensure_server()
        self.expire_due()
        evicted: list[Socket] = []
        with self._lock:
            mine = sorted(
                (ch for ch in self.channels.values() if ch.owner == owner),
                key=lambda ch: (ch.socket is not None, ch.last_used),
            )
            while len(mine) >= self.max_channels:
                gone = mine.pop(0)
                del self.channels[gone.id]
                if gone.socket is not None:
                    evicted.append(gone.socket)
            channel = EmuChannel(
                str(uuid.uuid4()), owner, self.clock.time() + self.channel_ttl, self.clock.monotonic()
            )
            self.channels[channel.id] = channel
            result = self._channel_json(channel)
        for socket in evicted:
            socket.close(1000, "Channel removed: too many channels")
        return result

    def _channel_json(self, channel: EmuChannel) -> dict[str, Any]:
        return channel.json(self.host, self._server.port if self._server is not None else 0)

    def list_channels(self, owner: str) -> dict[str, Any]:
        """``ChannelEntityListing``."""
        self.expire_due()
        with self._lock:
            return {"entities": [self._channel_json(c) for c in self.channels.values() if c.owner == owner]}

    def _channel(self, channel_id: str, owner: str) -> EmuChannel:
        channel = self.channels.get(channel_id)
        if channel is None or channel.owner != owner:
            raise not_found(f"Channel {channel_id} not found")
        return channel

    def check_channel(self, channel_id: str, owner: str) -> None:
        """``HEAD /channels/{id}``: nothing when the caller's channel exists, else a 404."""
        self.expire_due()
        with self._lock:
            self._channel(channel_id, owner)

    def required_permissions(self) -> dict[str, tuple[str, ...]]:
        """Template -> the permissions (ANY of) subscribing needs (see :meth:`require_permissions`)."""
        with self._lock:
            return dict(self._permissions)

    def subscriptions(self, channel_id: str, owner: str) -> dict[str, Any]:
        """``ChannelTopicEntityListing`` of the channel's topics."""
        self.expire_due()
        with self._lock:
            return {"entities": [{"id": t} for t in self._channel(channel_id, owner).topics]}

    def subscribe(
        self,
        channel_id: str,
        owner: str,
        body: Any,
        permissions: frozenset[str] | None,
        *,
        replace: bool,
        ignore_errors: bool,
    ) -> dict[str, Any]:
        """PUT (replace) or POST (add) topics; rejected ones are errors unless *ignore_errors*."""
        self.expire_due()
        permitted, rejected = screen(
            body, self.required_permissions(), permissions, ignore_errors=ignore_errors
        )
        with self._lock:
            channel = self._channel(channel_id, owner)
            topics = permitted if replace else list(dict.fromkeys([*channel.topics, *permitted]))
            if len(topics) > self.max_topics:
                raise bad_request(f"A channel can hold at most {self.max_topics} topics.")
            channel.topics = topics
            channel.expires = self.clock.time() + self.channel_ttl  # resubscribing keeps a channel alive
            channel.last_used = self.clock.monotonic()
            entities = [{"id": t, "state": "Permitted"} for t in topics]
        return {"entities": entities + rejected}

    def unsubscribe_all(self, channel_id: str, owner: str) -> None:
        self.expire_due()
        with self._lock:
            self._channel(channel_id, owner).topics = []

    def require_permissions(self, template: str, permissions: list[str] | tuple[str, ...]) -> None:
        """Make subscribing to *template* (e.g. ``"v2.users.{id}.conversations"``) need ANY of *permissions*.

        By default no topic needs more than a valid token: Genesys lists each topic's real
        requirement in ``GET /api/v2/notifications/availabletopics`` [INF].
        """
        if template not in TOPIC_TEMPLATES:
            raise bad_request(f"template must be one of {', '.join(TOPIC_TEMPLATES)}")
        with self._lock:
            self._permissions[template] = tuple(permissions)

    def expire_due(self) -> None:
        """Remove channels whose time is up, closing their sockets."""
        now = self.clock.time()
        with self._lock:
            expired = [ch for ch in self.channels.values() if ch.expires <= now]
            for channel in expired:
                del self.channels[channel.id]
        for channel in expired:
            if channel.socket is not None:
                channel.socket.close(1000, "Channel expired")

    # -- sockets ----------------------------------------------------------------------------------

    def _admit(self, channel_id: str) -> tuple[int, str] | None:
        self.expire_due()
        with self._lock:
            if self._refuse is None or self._refuse > 0:
                if self._refuse is not None:
                    self._refuse -= 1
                return 503, "Service unavailable"
            if channel_id not in self.channels:
                return 404, "Channel not found"
        return None

    def _attach(self, socket: Socket) -> None:
        with self._lock:
            channel = self.channels.get(socket.channel_id)
            previous = None
            if channel is not None:
                previous, channel.socket = channel.socket, socket
                channel.connections += 1
                channel.last_used = self.clock.monotonic()
                self.connections += 1
        if channel is None:
            socket.close(1000, "Channel not found")
        elif previous is not None:  # one WebSocket per channel: the first one is disconnected [FORUM]
            previous.close(1000, "Another WebSocket connected to this channel")

    def _detach(self, socket: Socket) -> None:
        with self._lock:
            channel = self.channels.get(socket.channel_id)
            if channel is not None and channel.socket is socket:
                channel.socket = None

    def _on_text(self, socket: Socket, text: str) -> None:
        if '"ping"' in text:  # {"message": "ping"} → a pong on channel.metadata [3P]
            socket.send({"topicName": "channel.metadata", "eventBody": {"message": "pong"}})

    def _sockets(self, channel_id: str | None) -> list[Socket]:
        with self._lock:
            if channel_id is not None:
                channel = self.channels.get(channel_id)
                if channel is None:
                    raise not_found(f"Channel {channel_id} not found")
                return [channel.socket] if channel.socket is not None else []
            return [ch.socket for ch in self.channels.values() if ch.socket is not None]

    # -- events -----------------------------------------------------------------------------------

    def listening(self) -> bool:
        """Whether any connected channel has a subscription (else publishing can be skipped)."""
        with self._lock:
            return any(ch.socket is not None and ch.topics for ch in self.channels.values())

    def publish(self, events: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Send each ``(topic, body)`` to every connected channel subscribed to that topic."""
        with self._lock:
            targets = [
                (ch.socket, topic, body)
                for topic, body in events
                for ch in self.channels.values()
                if ch.socket is not None and topic in ch.topics
            ]
        for socket, topic, body in targets:
            event = {
                "topicName": topic,
                "version": "2",
                "eventBody": body,
                "metadata": {"CorrelationId": str(uuid.uuid4())},
            }
            self._deliver(socket, event)

    def _deliver(self, socket: Socket, event: dict[str, Any]) -> None:
        with self._lock:
            if self._hold:
                self._held.append((socket, event))
                return
            delay = self._delay
        if delay > 0:
            timer = threading.Timer(delay, socket.send, (event,))
            timer.daemon = True
            timer.start()
        else:
            socket.send(event)

    # -- faults -----------------------------------------------------------------------------------

    def heartbeat(self, channel_id: str | None = None) -> int:
        """Send a ``channel.metadata`` heartbeat now; returns how many sockets got it."""
        return sum(s.send(HEARTBEAT) for s in self._sockets(channel_id))

    def socket_closing(self, channel_id: str | None = None) -> int:
        """Send ``v2.system.socket_closing`` (maintenance: the client should reconnect)."""
        return sum(s.send(SOCKET_CLOSING) for s in self._sockets(channel_id))

    def drop(self, channel_id: str | None = None) -> int:
        """Cut sockets without a close frame (the client sees 1006); channels stay."""
        sockets = self._sockets(channel_id)
        for socket in sockets:
            socket.drop()
        return len(sockets)

    def silence(self, channel_id: str | None = None) -> int:
        """Keep sockets open but send nothing more on them: no heartbeats, no events."""
        sockets = self._sockets(channel_id)
        for socket in sockets:
            socket.silent = True
        return len(sockets)

    def refuse_connections(self, times: int | None = None) -> None:
        """Answer the next *times* handshakes (None: all until :meth:`accept_connections`) with 503."""
        with self._lock:
            self._refuse = times

    def accept_connections(self) -> None:
        with self._lock:
            self._refuse = 0

    def hold_events(self) -> None:
        """Keep conversation events back until :meth:`release_events` (heartbeats still flow)."""
        with self._lock:
            self._hold = True

    def release_events(self) -> int:
        """Send every held event, in order; returns how many."""
        with self._lock:
            held, self._held, self._hold = self._held, [], False
        for socket, event in held:
            socket.send(event)
        return len(held)

    def delay_events(self, seconds: float) -> None:
        """Send each later conversation event *seconds* of real time after it happened (0: at once)."""
        if seconds < 0:
            raise bad_request("seconds must not be negative")
        with self._lock:
            self._delay = float(seconds)

    def expire(self, channel_id: str | None = None) -> None:
        """Make channels (all by default) expire now: their sockets close, their ids answer 404."""
        with self._lock:
            targets = [channel_id] if channel_id is not None else list(self.channels)
            for cid in targets:
                channel = self.channels.get(cid)
                if channel is None:
                    raise not_found(f"Channel {cid} not found")
                channel.expires = self.clock.time()
        self.expire_due()

    def info(self) -> list[dict[str, Any]]:
        """Every channel: id, owner, topics, expires, connected, connections."""
        self.expire_due()
        with self._lock:
            return [ch.info() for ch in self.channels.values()]
