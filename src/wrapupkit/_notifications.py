"""Readiness from the Genesys Cloud Notifications API, falling back to polling.

:class:`Notifications` listens on one notification channel per client (a WebSocket at the
channel's ``connectUri``) to ``v2.users.{id}.conversations`` (or per queue) and is ready the moment
an event shows the agent's communication disconnected with after-call work pending.  The event
carries the participant, communication and queue, so a wrap-up whose event already arrived costs
one request: the POST.  While the socket is down the wait polls like :class:`~wrapupkit.Polling`.

Importing this module imports neither the SDK nor ``websockets``.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import attrs

from wrapupkit._channel import CHANNEL_LIFETIME, Channel, Event, Options, Outcome
from wrapupkit._readiness import Decision, Polling, ReadinessContext, Waiter
from wrapupkit.exceptions import ConfigurationError, Forbidden, WrapupkitError


if TYPE_CHECKING:
    from wrapupkit._models import CommunicationSnapshot

__all__ = ["NotificationStatus", "Notifications"]

log = logging.getLogger("wrapupkit")


@attrs.frozen
class NotificationStatus:
    """The state of a :class:`Notifications` channel for one client (for monitoring and tests).

    Attributes:
        channel_id: the Genesys channel id, or None before one exists.
        connected: whether the WebSocket is open.
        topics: topics subscribed on the channel now (in use or lingering).
        active_topics: topics some running wait needs.
        rejected_topics: topics Genesys refused, with the permissions it said were missing.
        waiting: waits blocked on an event right now.
        connections: WebSocket connections opened so far.
        reconnects: connections lost so far (drops, silence, ``v2.system.socket_closing``).
        channels_created: channels created so far (more than one after expiry or eviction).
        heartbeats: ``channel.metadata`` frames received.
        events: conversation events received.
        expires: when the channel expires unless renewed (epoch seconds on the client's clock).

    .. versionadded:: 0.1.0
    """

    channel_id: str | None = None
    connected: bool = False
    topics: frozenset[str] = frozenset()
    active_topics: frozenset[str] = frozenset()
    rejected_topics: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    waiting: int = 0
    connections: int = 0
    reconnects: int = 0
    channels_created: int = 0
    heartbeats: int = 0
    events: int = 0
    expires: float | None = None


@attrs.define
class _Wait:
    """One apply_wrapup() call's view of the channel. Strictly private."""

    waiter: Waiter
    channel: Channel | None = None
    topic: str | None = None
    polling_only: bool = False
    synced_gen: int | None = None  # the connection whose events this wait has seen since its last sync
    synced_at: float = 0.0
    seen: int = 0  # the newest event sequence number already reflected
    last: CommunicationSnapshot | None = None
    after_rejection: bool = False


class Notifications(Polling):
    """Ready the moment a notification event shows after-call work pending; polls while the socket is down.

    One channel and one WebSocket per client, shared by every concurrent wait of that client
    through this strategy object.  Each wait takes a topic (``v2.users.{userId}.conversations``,
    or ``v2.routing.queues.{queueId}.conversations``); a topic nobody needs stays subscribed for
    *linger* seconds, so the next wrap-up for the same agent finds its event already there and
    needs no GET.  Needs the ``websockets`` package (``pip install 'wrapupkit[notifications]'``).

    Args:
        topic: ``"user"`` (the agent's conversations; subscribed before the first read when
            ``user_id`` is passed to ``apply_wrapup``) or ``"queue"`` (the participant's queue,
            known after the first read; participants without a queue use the user topic).
        heartbeat_timeout: real seconds without any frame before the socket is deemed dead and
            replaced (Genesys sends a heartbeat every 30 s).
        connect_timeout: real seconds the first wait gives the channel and socket to open.
        reconnect_delay: the first pause before reconnecting after a failure; doubles up to
            *max_reconnect_delay*.
        max_reconnect_delay: the longest such pause.
        resync_interval: a wait that hears nothing for this long reads the conversation once,
            in case an event was lost.
        linger: seconds an unused topic stays subscribed (0: unsubscribe when the wait ends).
        renew_before: re-subscribe when the channel has less than this left of its 24 hours.
        max_topics: topics per socket (Genesys allows 1,000); waits beyond it poll.
        on_topic_rejected: ``"fallback"`` (log a warning, poll) or ``"raise"``
            (:class:`~wrapupkit.exceptions.Forbidden` naming the missing permission).
        initial_delay, max_delay, factor, jitter, max_rejections: as for
            :class:`~wrapupkit.Polling`, used while polling.

    Use it as a context manager, or call :meth:`close`, to close the sockets; after
    :meth:`close` the strategy only polls.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        topic: Literal["user", "queue"] = "user",
        heartbeat_timeout: float = 70.0,
        connect_timeout: float = 10.0,
        reconnect_delay: float = 0.5,
        max_reconnect_delay: float = 30.0,
        resync_interval: float = 60.0,
        linger: float = 300.0,
        renew_before: float = 3600.0,
        max_topics: int = 1000,
        on_topic_rejected: Literal["fallback", "raise"] = "fallback",
        initial_delay: float = 0.25,
        max_delay: float = 2.0,
        factor: float = 2.0,
        jitter: float = 0.5,
        max_rejections: int | None = None,
    ) -> None:
        super().__init__(
            initial_delay=initial_delay,
            max_delay=max_delay,
            factor=factor,
            jitter=jitter,
            max_rejections=max_rejections,
        )
        if topic not in ("user", "queue"):
            raise ConfigurationError(f"topic must be 'user' or 'queue', not {topic!r}")
        if on_topic_rejected not in ("fallback", "raise"):
            raise ConfigurationError("on_topic_rejected must be 'fallback' or 'raise'")
        positive = {
            "heartbeat_timeout": heartbeat_timeout,
            "connect_timeout": connect_timeout,
            "reconnect_delay": reconnect_delay,
            "max_reconnect_delay": max_reconnect_delay,
            "resync_interval": resync_interval,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ConfigurationError(f"{name} must be > 0, not {value!r}")
        if linger < 0 or not 0 <= renew_before < CHANNEL_LIFETIME:
            raise ConfigurationError("linger must be >= 0 and renew_before within [0, 86400)")
        if not 1 <= max_topics <= 1000:
            raise ConfigurationError("max_topics must be between 1 and 1000 (the Genesys limit per socket)")
        self.topic = topic
        self.resync_interval = resync_interval
        self.on_topic_rejected = on_topic_rejected
        self.options = Options(
            heartbeat_timeout=heartbeat_timeout,
            connect_timeout=connect_timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
            linger=linger,
            renew_before=renew_before,
            max_topics=max_topics,
        )
        self._channels: weakref.WeakKeyDictionary[Any, Channel] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._closed = False

    # -- the channel of a client ------------------------------------------------------------------

    def _open(self, client: Any) -> Channel | None:
        try:
            import websockets.sync.client  # noqa: F401 - fail here, clearly, not in a thread
        except ImportError:
            raise ConfigurationError(
                "The Notifications strategy needs websockets: pip install 'wrapupkit[notifications]'"
            ) from None
        with self._lock:
            if self._closed:
                return None
            channel = self._channels.get(client)
            if channel is None or channel.closed:
                channel = self._channels[client] = Channel(client, self.options)
                weakref.finalize(client, channel.close)
            return channel

    def status(self, client: Any) -> NotificationStatus:
        """The channel state for *client* (all defaults before its first wait)."""
        with self._lock:
            channel = self._channels.get(client)
        if channel is None:
            return NotificationStatus()
        data = channel.snapshot()
        return NotificationStatus(
            channel_id=data["channel_id"],
            connected=data["connected"],
            topics=data["topics"],
            active_topics=data["active_topics"],
            rejected_topics=data["rejected_topics"],
            waiting=data["waiting"],
            connections=data["connections"],
            reconnects=data["reconnects"],
            channels_created=data["channels"],
            heartbeats=data["heartbeats"],
            events=data["events"],
            expires=data["expires"],
        )

    def close(self) -> None:
        """Close every socket and stop the reader threads; waits in progress go on by polling."""
        with self._lock:
            self._closed = True
            channels = list(self._channels.values())
            self._channels.clear()
        for channel in channels:
            channel.close()

    def __enter__(self) -> Notifications:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        o = self.options
        return (
            f"Notifications(topic={self.topic!r}, heartbeat_timeout={o.heartbeat_timeout}, "
            f"resync_interval={self.resync_interval}, linger={o.linger}, "
            f"on_topic_rejected={self.on_topic_rejected!r})"
        )

    # -- the hooks --------------------------------------------------------------------------------

    def _current(self, waiter: Waiter | None = None) -> _Wait | None:
        rec: _Wait | None = getattr(self._local, "wait", None)
        if rec is None or (waiter is not None and rec.waiter is not waiter):
            return None
        return rec

    def begin(self, waiter: Waiter) -> Mapping[str, Any] | None:
        rec = _Wait(waiter)
        self._local.wait = rec
        channel = rec.channel = self._open(waiter.client)
        if channel is None:
            return None
        channel.ensure_open()
        if self.topic == "user" and waiter.user_id:
            self._subscribe(rec, f"v2.users.{waiter.user_id}.conversations")
        generation = channel.generation()
        event = channel.latest(waiter.conversation_id) if generation is not None else None
        now = waiter.client.clock.monotonic()
        if event is not None:  # it happened before this wait: no GET needed
            rec.seen, rec.synced_gen, rec.synced_at = event.seq, generation, now
            return dict(event.body)
        if generation is not None and rec.topic is not None and channel.has_topic(rec.topic):
            # the client's GET comes next: that is the check of the state after subscribing
            rec.seen, rec.synced_gen, rec.synced_at = channel.seq, generation, now
        return None

    def _subscribe(self, rec: _Wait, topic: str) -> None:
        if rec.channel is None:
            return
        answer = rec.channel.acquire(topic)
        if answer == "full":
            log.warning("wrapupkit: %d notification topics in use; this wait polls", self.options.max_topics)
            rec.polling_only = True
            return
        rec.topic = topic
        if answer != "rejected":
            return
        rec.polling_only = True
        if self.on_topic_rejected == "raise":
            missing = rec.channel.rejected.get(topic, ())
            names = ", ".join(missing)
            message = f"Genesys rejected notification topic {topic}" + (
                f": you are missing the following permission(s): {names}" if missing else ""
            )
            raise Forbidden(
                403,
                code="missing.permissions",
                message=message,
                body={"messageParams": {"permissions": names}},
            )

    def decide(self, ctx: ReadinessContext) -> Decision:
        rec = self._current()
        if rec is not None:
            rec.last = ctx.snapshot
        return super().decide(ctx)

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        rec = self._current()
        if rec is not None:
            rec.after_rejection = True  # the platform lags its own state: back off, do not wait for an event
        return super().on_rejected(ctx)

    def next_delay(self, ctx: ReadinessContext) -> float:
        rec = self._current()
        if rec is not None and not rec.after_rejection and self._listening(rec):
            return 0.0  # an event wait: the loop only times out at the deadline
        return super().next_delay(ctx)

    def _listening(self, rec: _Wait) -> bool:
        channel = rec.channel
        if channel is None or rec.polling_only or channel.generation() is None:
            return False
        return rec.topic is None or channel.has_topic(rec.topic)

    def wait(self, waiter: Waiter, delay: float) -> CommunicationSnapshot:
        rec = self._current(waiter)
        if (
            rec is None
            or rec.channel is None
            or rec.channel.closed
            or rec.polling_only
            or rec.after_rejection
        ):
            if rec is not None:
                rec.after_rejection = False
            return waiter.sleep_then_poll(delay)
        channel, cid = rec.channel, waiter.conversation_id
        if rec.topic is None:
            topic = self._topic_for(waiter)
            if topic is None:
                rec.polling_only = True
            else:
                self._subscribe(rec, topic)
            if rec.polling_only:
                return waiter.sleep_then_poll(delay)
        generation = channel.generation()
        if generation is None or rec.topic is None or not channel.has_topic(rec.topic):
            # socket down (or not subscribed): Polling's pace, but back to events once it reconnects
            until = waiter.client.clock.monotonic() + delay
            channel.await_(cid, after=rec.seen, generation=generation, until=until)
            return self._poll(rec)
        if rec.synced_gen != generation:  # events may have been missed: use a newer one, or read once
            event = channel.latest(cid, rec.seen)
            return self._poll(rec) if event is None else self._from_event(rec, event, generation)
        until = min(rec.synced_at + self.resync_interval, waiter.deadline)
        outcome, event = channel.await_(cid, after=rec.seen, generation=generation, until=until)
        if outcome is Outcome.EVENT and event is not None:
            return self._from_event(rec, event, generation)
        if outcome is Outcome.HORIZON and rec.last is not None and waiter.remaining() <= 0:
            return rec.last  # the deadline: the loop raises ReadinessTimeout without another request
        return self._poll(rec)  # the socket changed, the strategy closed, or time to resync

    def _topic_for(self, waiter: Waiter) -> str | None:
        if self.topic == "queue" and waiter.queue_id:
            return f"v2.routing.queues.{waiter.queue_id}.conversations"
        return f"v2.users.{waiter.user_id}.conversations" if waiter.user_id else None

    def _poll(self, rec: _Wait) -> CommunicationSnapshot:
        channel = rec.channel
        generation = channel.generation() if channel is not None else None
        seen = channel.seq if channel is not None else 0
        snapshot = rec.waiter.poll()
        subscribed = channel is not None and rec.topic is not None and channel.has_topic(rec.topic)
        rec.synced_gen = generation if subscribed else None
        rec.synced_at = rec.waiter.client.clock.monotonic()
        rec.seen = max(rec.seen, seen)
        return snapshot

    def _from_event(self, rec: _Wait, event: Event, generation: int) -> CommunicationSnapshot:
        rec.seen, rec.synced_gen = event.seq, generation
        rec.synced_at = rec.waiter.client.clock.monotonic()
        try:
            return rec.waiter.snapshot_from(event.body)
        except WrapupkitError:  # the event lacks our communication: read the conversation instead
            return self._poll(rec)

    def end(self, waiter: Waiter) -> None:
        rec = self._current(waiter)
        self._local.wait = None
        if rec is not None and rec.channel is not None and rec.topic is not None:
            rec.channel.release(rec.topic)
