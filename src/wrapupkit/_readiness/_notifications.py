"""Readiness from the Genesys Cloud Notifications API, falling back to polling.

:class:`Notifications` listens on one notification channel per client (a WebSocket at the
channel's ``connectUri``) to ``v2.users.{id}.conversations`` (or per queue) and is ready the moment
an event shows the agent's communication disconnected with after-call work pending.  The event
carries the participant, communication and queue, so a wrap-up whose event already arrived costs
one request: the POST.  While the socket is down the wait polls like :class:`~wrapupkit.Polling`.

Importing this module imports neither the SDK nor ``websockets``.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

import attrs

from wrapupkit._clock import SystemClock
from wrapupkit._readiness._channel import CHANNEL_LIFETIME, Channel, Options, require_websockets
from wrapupkit._readiness._events import CallInfo, Deadline, WaitRequest
from wrapupkit._readiness._listener import Acquire, Listener, Open, Sleep, Step, Steps
from wrapupkit._readiness._strategy import Polling
from wrapupkit._validate import in_range
from wrapupkit.exceptions import ConfigurationError


if TYPE_CHECKING:
    from wrapupkit._http import Caller
    from wrapupkit._readiness._async_channel import AsyncChannel, AsyncChannelEvents

__all__ = ["NotificationStatus", "Notifications", "rejected_topics"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")


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
        initial_delay, max_delay, factor, jitter, max_rejections, unclear_grace: as for
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
        unclear_grace: float = 2.0,
    ) -> None:
        super().__init__(
            initial_delay=initial_delay,
            max_delay=max_delay,
            factor=factor,
            jitter=jitter,
            max_rejections=max_rejections,
            unclear_grace=unclear_grace,
        )
        if topic not in ("user", "queue"):
            raise ConfigurationError(f"topic must be 'user' or 'queue', not {topic!r}")
        if on_topic_rejected not in ("fallback", "raise"):
            raise ConfigurationError("on_topic_rejected must be 'fallback' or 'raise'")
        positive: dict[str, object] = {
            "heartbeat_timeout": heartbeat_timeout,
            "connect_timeout": connect_timeout,
            "reconnect_delay": reconnect_delay,
            "max_reconnect_delay": max_reconnect_delay,
            "resync_interval": resync_interval,
        }
        for name, value in positive.items():
            if not in_range(value, 0, 366 * 86_400) or value == 0:
                raise ConfigurationError(f"{name} must be a finite number of seconds > 0, not {value!r}")
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
        self._channels: weakref.WeakKeyDictionary[Caller, Channel] = weakref.WeakKeyDictionary()
        self._async_channels: weakref.WeakKeyDictionary[Caller, AsyncChannel] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._created = threading.Condition(self._lock)
        self._closed = False

    # -- the channel of a client ------------------------------------------------------------------

    def _open(self, http: Caller) -> Channel | None:
        require_websockets()  # fail here, clearly, not in the reader thread
        with self._lock:
            if self._closed:
                return None
            channel = self._channels.get(http)
            if channel is None or channel.closed:
                channel = self._channels[http] = Channel(http, self.options)
                weakref.finalize(http, channel.close)
                http.on_close(channel.close)  # WrapupClient.close() closes the socket and its thread
                self._created.notify_all()
            return channel

    def _open_async(self, call: CallInfo) -> AsyncChannel | None:
        """The channel of an async client: one per client, its socket read on the running loop."""
        from wrapupkit._readiness._async_channel import AsyncChannel

        require_websockets()
        with self._lock:
            if self._closed or call.offload is None:
                return None
            channel = self._async_channels.get(call._http)
            if channel is None or channel.closed:
                channel = AsyncChannel(call._http, self.options, offload=call.offload)
                self._async_channels[call._http] = channel
                weakref.finalize(call._http, channel.close)
                call._http.on_aclose(functools.partial(self._aclose_channel, channel))
            return channel

    async def _aclose_channel(self, channel: AsyncChannel) -> None:
        """Close an async client's channel as the client closes (its reader task ends on its loop)."""
        with self._lock:
            for http in [h for h, c in self._async_channels.items() if c is channel]:
                del self._async_channels[http]
        await channel.aclose()

    def _channel_of(self, client: _HasApiClient) -> Channel | AsyncChannel | None:
        """The channel of *client* (found by its SDK ``ApiClient``).  Called with the lock held."""
        return self._sync_channel_of(client) or next(
            (c for h, c in self._async_channels.items() if h.api_client is client.api_client), None
        )

    def _sync_channel_of(self, client: _HasApiClient) -> Channel | None:
        return next((c for h, c in self._channels.items() if h.api_client is client.api_client), None)

    def status(self, client: _HasApiClient) -> NotificationStatus:
        """The channel state for *client* (all defaults before its first wait)."""
        with self._lock:
            channel = self._channel_of(client)
        return NotificationStatus() if channel is None else _status(channel)

    def wait_for(
        self, client: _HasApiClient, predicate: Callable[[NotificationStatus], bool], timeout: float = 10.0
    ) -> bool:
        """Block until ``predicate(status)`` holds for *client*'s channel, or *timeout* real seconds pass.

        For tests and monitoring of the sync client: it waits on the channel's condition, woken by
        every change of state (a wait starting or ending, a connection, an event, a heartbeat),
        never by sleeping in a loop.  Returns whether the predicate held.

        .. versionadded:: 0.1.0
        """
        wall = SystemClock()  # real seconds: the reader thread and the emulator run in real time
        deadline = wall.monotonic() + timeout
        with self._created:
            found = self._created.wait_for(lambda: self._sync_channel_of(client) is not None, timeout)
            channel = self._sync_channel_of(client) if found else None
        if channel is None:
            return predicate(NotificationStatus())
        return channel.wait_until(lambda: predicate(_status(channel)), max(0.0, deadline - wall.monotonic()))

    def _check_topics(self, http: Caller, topics: list[str]) -> dict[str, tuple[str, ...]]:
        """Subscribe to *topics* on *http*'s channel and release them; the rejected ones, with what they lack.

        The subscriptions linger like any other (the next waits find them ready).
        """
        channel = self._open(http)
        if channel is None:
            return {}
        rejected: dict[str, tuple[str, ...]] = {}
        for topic in topics:
            if channel.acquire(topic) == "rejected":
                rejected[topic] = channel.rejected.get(topic, ())
            channel.release(topic)
        return rejected

    def close(self) -> None:
        """Close every socket and stop the readers (threads or tasks); waits in progress go on by polling."""
        with self._lock:
            self._closed = True
            channels = [*self._channels.values(), *self._async_channels.values()]
            self._channels.clear()
            self._async_channels.clear()
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

    # -- the per-call source ----------------------------------------------------------------------

    def events(self, call: CallInfo) -> _ChannelEvents:
        """Listen on the client's channel for this call (polling while the socket is down)."""
        return _ChannelEvents(self, self._open(call._http), call)

    def async_events(self, call: CallInfo) -> AsyncChannelEvents:
        """:meth:`events` for :class:`~wrapupkit.AsyncWrapupClient`: the same listening, awaited."""
        from wrapupkit._readiness._async_channel import AsyncChannelEvents

        return AsyncChannelEvents(self, self._open_async(call), call)

    def topic_for(self, user_id: str | None, queue_id: str | None) -> str | None:
        """The topic a wait for *user_id*'s (or, with ``topic="queue"``, *queue_id*'s) calls listens on.

        ``None`` when the call names neither (it is polled).

        .. versionadded:: 0.1.0
        """
        if self.topic == "queue" and queue_id:
            return f"v2.routing.queues.{queue_id}.conversations"
        return f"v2.users.{user_id}.conversations" if user_id else None


def rejected_topics(
    strategy: object, http: Caller, user_ids: Sequence[str], queue_ids: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The start-up check's probe of the topics *strategy*'s waits will use: those Genesys rejects.

    Empty for a strategy that listens on no channel.  With :class:`Notifications`, subscribes
    each user's topic (and each queue's, with ``topic="queue"``) on *http*'s channel and
    releases it, with the permissions Genesys said are missing.
    """
    if not isinstance(strategy, Notifications):
        return {}
    wanted = [strategy.topic_for(u, None) for u in user_ids]
    if strategy.topic == "queue":
        wanted += [strategy.topic_for(None, q) for q in queue_ids]
    return strategy._check_topics(http, [t for t in dict.fromkeys(wanted) if t is not None])


def _status(channel: Channel) -> NotificationStatus:
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


class _HasApiClient(Protocol):
    """A client, as :meth:`Notifications.status` finds its channel."""

    @property
    def api_client(self) -> Any: ...


class _ChannelEvents(Listener):
    """The sync driver of one call's :class:`Listener`: blocking waits on the channel. Strictly private."""

    def first(self) -> Mapping[str, Any] | None:
        return self._drive(self.first_steps())

    def wait(self, request: WaitRequest) -> Mapping[str, Any] | Deadline | None:
        return self._drive(self.wait_steps(request))

    def _drive(self, steps: Steps[T]) -> T:
        try:
            step = next(steps)
            while True:
                step = steps.send(self._do(step))
        except StopIteration as done:
            value: T = done.value
            return value

    def _do(self, step: Step) -> Any:
        if isinstance(step, Sleep):
            self.clock.sleep(step.seconds)
            return None
        channel = cast("Channel", self.channel)  # a listener yields other steps only with a channel
        if isinstance(step, Open):
            return channel.ensure_open()
        if isinstance(step, Acquire):
            return channel.acquire(step.topic)
        return channel.await_(
            self.call.conversation_id, after=step.after, generation=step.generation, until=step.until
        )

    def close(self) -> None:
        topic = self.release()
        if self.channel is not None and topic is not None:
            self.channel.release(topic)
