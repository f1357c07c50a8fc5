"""Notification channels, topic subscriptions and conversation events (genesys-api.md §3).

:class:`NotificationHub` holds the channels of one emulator.  Whenever the backend reports a
conversation change, every connected channel subscribed to a matching
``v2.users.{id}.conversations`` or ``v2.routing.queues.{id}.conversations`` topic receives
``{"topicName", "version", "eventBody", "metadata"}`` whose body has only keys of the SDK's
``ConversationEventTopicConversation`` / ``QueueConversationEventTopicConversation`` models.
The WebSocket server (``_websocket``) starts with the first channel.  Faults: heartbeats on demand,
``v2.system.socket_closing``, forced drops, silent sockets, refused handshakes, held or delayed
events and channel expiry.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wrapupkit.emulator._backend import GenesysBackend
from wrapupkit.emulator._errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator._events import event_body, topics_of
from wrapupkit.emulator._model import iso
from wrapupkit.emulator._render import conversation_json


if TYPE_CHECKING:
    from wrapupkit.emulator._websocket import Socket, SocketServer

__all__ = ["TOPIC_TEMPLATES", "NotificationHub", "hub_for"]

USER_TOPIC = "v2.users.{id}.conversations"
QUEUE_TOPIC = "v2.routing.queues.{id}.conversations"
TOPIC_TEMPLATES = {
    USER_TOPIC: re.compile(r"v2\.users\.(?P<id>[^.\s]+)\.conversations"),
    QUEUE_TOPIC: re.compile(r"v2\.routing\.queues\.(?P<id>[^.\s]+)\.conversations"),
}
HEARTBEAT = {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}  # [3P]
SOCKET_CLOSING = {
    "topicName": "v2.system.socket_closing",
    "eventBody": {"message": "Socket closing"},
}  # [INF]


@dataclass
class EmuChannel:
    id: str
    owner: str
    expires: float  # epoch seconds on the emulator clock
    last_used: float  # monotonic
    topics: list[str] = field(default_factory=list)
    socket: Socket | None = None
    connections: int = 0


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

    def __init__(self, backend: GenesysBackend, host: str = "127.0.0.1") -> None:
        self.backend = backend
        self.clock = backend.clock
        self.host = host
        self.heartbeat_interval: float | None = 30.0
        self.channel_ttl = 86400.0
        self.max_channels = 20
        self.max_topics = 1000
        self.connections = 0
        self._permissions: dict[str, tuple[str, ...]] = {}
        self._lock = threading.RLock()
        self.channels: dict[str, EmuChannel] = {}
        self._server: SocketServer | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self._unhook: Callable[[], None] | None = None
        self._refuse: int | None = 0  # handshakes still to refuse; None = until accept_connections()
        self._hold = False
        self._held: list[tuple[Socket, dict[str, Any]]] = []
        self._delay = 0.0
        backend.on_change(self._changed)

    # -- lifecycle --------------------------------------------------------------------------------

    def _ensure_server(self) -> None:
        if self._server is not None:
            return
        try:
            from wrapupkit.emulator._websocket import SocketServer
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
        """``Channel``."""
        port = self._server.port if self._server is not None else 0
        uri = f"ws://{self.host}:{port}/channels/{channel.id}"
        return {"connectUri": uri, "id": channel.id, "expires": iso(channel.expires)}

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
        if not isinstance(body, list) or not all(
            isinstance(t, dict) and isinstance(t.get("id"), str) for t in body
        ):
            raise bad_request("The body must be a list of ChannelTopic objects with an id.")
        wanted = list(dict.fromkeys(t["id"] for t in body))
        rejected: list[dict[str, Any]] = []
        invalid = [t for t in wanted if not any(p.fullmatch(t) for p in TOPIC_TEMPLATES.values())]
        missing = {t: self._missing(t, permissions) for t in wanted if t not in invalid}
        missing = {t: perms for t, perms in missing.items() if perms}
        if not ignore_errors and invalid:
            raise bad_request(f"Invalid topic(s): {', '.join(invalid)}")
        if not ignore_errors and missing:
            names = ", ".join(sorted({p for perms in missing.values() for p in perms}))
            raise EmulatorError(
                403,
                "missing.any.permissions",
                f"You must have at least one of the following permissions assigned: {names}",
                {"permissions": names},
            )
        for topic in invalid:
            rejected.append({"id": topic, "state": "Rejected", "rejectionReason": "Invalid topic"})
        for topic, perms in missing.items():
            reason = "Missing permission"
            rejected.append(
                {"id": topic, "state": "Rejected", "rejectionReason": reason, "missingPermissions": perms}
            )
        permitted = [t for t in wanted if t not in invalid and t not in missing]
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

    def _missing(self, topic: str, permissions: frozenset[str] | None) -> list[str]:
        template = next(name for name, p in TOPIC_TEMPLATES.items() if p.fullmatch(topic))
        required = self._permissions.get(template, ())
        if not required or permissions is None or permissions.intersection(required):
            return []
        return list(required)

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

    def _changed(self, conversation_id: str) -> None:
        with self._lock:
            if not any(ch.socket is not None and ch.topics for ch in self.channels.values()):
                return
        with self.backend.lock:
            conv = self.backend.conversations.get(conversation_id)
            if conv is None:
                return
            body = event_body(conversation_json(conv, self.backend.rules))
        topics = topics_of(body)
        with self._lock:
            targets = [
                (ch.socket, topic)
                for ch in self.channels.values()
                if ch.socket is not None
                for topic in ch.topics
                if topic in topics
            ]
        for socket, topic in targets:
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
            return [
                {
                    "id": ch.id,
                    "owner": ch.owner,
                    "topics": list(ch.topics),
                    "expires": iso(ch.expires),
                    "connected": ch.socket is not None,
                    "connections": ch.connections,
                }
                for ch in self.channels.values()
            ]


_HUBS: weakref.WeakKeyDictionary[GenesysBackend, NotificationHub] = weakref.WeakKeyDictionary()
_HUBS_LOCK = threading.Lock()


def hub_for(backend: GenesysBackend) -> NotificationHub:
    """The notification hub of *backend* (created on first use)."""
    with _HUBS_LOCK:
        hub = _HUBS.get(backend)
        if hub is None:
            hub = _HUBS[backend] = NotificationHub(backend)
        return hub
