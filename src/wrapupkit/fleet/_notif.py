"""One notification channel for the whole machine, as a fleet :class:`EventSource`.

Genesys allows 20 channels per OAuth client; a 21st evicts the oldest (the SDK's
``NotificationsApi.post_notifications_channels``), so workers that each open a channel evict each
other under load.  :class:`NotificationEvents`
subscribes one channel to the conversation topics of the given queues
(``v2.routing.queues.{id}.conversations``) and users (``v2.users.{id}.conversations``): each event
carries the whole conversation view, which can prove after-call work without a read.  The
``v2.detail.events...`` topics are per conversation, so they are not subscribed here (use SQS).

**One process per machine.**  :meth:`NotificationEvents.start` takes an exclusive file lock
(``fcntl.flock``) named after the API host and the OAuth client; a second worker process on the
same machine gets a :class:`~wrapupkit.exceptions.ConfigurationError` telling the operator to run
one process with ``--concurrency N`` (or to read events from SQS).  It does not fall back to
sweeping alone: a silently degraded worker is the failure this source exists to prevent.  The
kernel drops the lock when the process dies, even by SIGKILL.

The channel is the client's notification channel machinery
(:class:`wrapupkit._readiness._channel.Channel`: creation, subscriptions, heartbeats, reconnects and
renewal); this module only adds a stream of the frames it reads.  Events lost while the socket
was down are not replayed: the worker's sweep is the safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from wrapupkit._readiness._channel import Channel, Options, require_websockets
from wrapupkit._validate import check_id, whole
from wrapupkit.exceptions import ConfigurationError, InvalidInput
from wrapupkit.fleet._envelope import parse_detail
from wrapupkit.fleet._events import Delivery, EventKind


if TYPE_CHECKING:
    from wrapupkit._aclient import AsyncWrapupClient
    from wrapupkit._client import WrapupClient
    from wrapupkit._http import Caller

__all__ = ["NotificationEvents", "lock_path_for"]

log = logging.getLogger("wrapupkit")
_MAX_TOPICS = 1000  # per WebSocket (Genesys)


def lock_path_for(http: Caller, directory: str | os.PathLike[str] | None = None) -> Path:
    """The lock file that makes one channel per machine for this API host and OAuth client."""
    client_id = getattr(http.credentials, "client_id", None) or "token"
    digest = hashlib.sha256(f"{http.host}\n{client_id}".encode()).hexdigest()[:16]
    base = directory or os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"wrapupkit-notifications-{digest}.lock"


class _MachineLock:
    """An exclusive, non-blocking ``flock`` on a file; released on close or when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        try:
            import fcntl
        except ImportError:  # not POSIX: nothing to coordinate with; say so once
            log.warning("no fcntl on this platform: one notification channel per machine is not enforced")
            return True
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the descriptor releases the flock


class _StreamChannel(Channel):
    """A :class:`Channel` that also hands every frame it reads to *on_frame* (from its reader thread)."""

    def __init__(self, http: Caller, options: Options, on_frame: Callable[[str | bytes], None]) -> None:
        super().__init__(http, options)
        self._on_frame = on_frame

    def _frame(self, raw: str | bytes) -> bool:
        closing = super()._frame(raw)
        self._on_frame(raw)
        return closing


class NotificationEvents:
    """Conversation events of some queues and users from one notification channel per machine.

    Args:
        client: a :class:`~wrapupkit.AsyncWrapupClient` (or :class:`~wrapupkit.WrapupClient`): its
            login creates the channel and its subscriptions.
        queue_ids: queues whose ``v2.routing.queues.{id}.conversations`` topic to subscribe.
        user_ids: users whose ``v2.users.{id}.conversations`` topic to subscribe.  With neither,
            nothing is subscribed (and no channel made) until :meth:`watch` names a user or queue.
        lock_dir: where the machine-wide lock file lives (default ``$XDG_RUNTIME_DIR`` or the
            temporary directory); every worker on the machine must use the same one.
        heartbeat_timeout, connect_timeout, reconnect_delay, max_reconnect_delay, renew_before:
            as for :class:`~wrapupkit.Notifications`.
        buffer: events kept while the worker is busy; beyond it the oldest are dropped (and
            counted): the sweep finds their conversations.

    Deliveries carry ``CONVERSATION`` events and need no acknowledgement (:meth:`ack` does nothing).

    Raises:
        ConfigurationError: a malformed id, more than 1,000 topics (at construction);
            ``websockets`` missing, another process on this machine holds the channel, or Genesys
            rejected every topic given (at :meth:`start`).

    .. versionadded:: 0.1.0
    """

    name = "notifications"

    def __init__(
        self,
        client: AsyncWrapupClient | WrapupClient,
        *,
        queue_ids: Iterable[str] = (),
        user_ids: Iterable[str] = (),
        lock_dir: str | os.PathLike[str] | None = None,
        heartbeat_timeout: float = 70.0,
        connect_timeout: float = 10.0,
        reconnect_delay: float = 0.5,
        max_reconnect_delay: float = 30.0,
        renew_before: float = 3600.0,
        buffer: int = 10_000,
    ) -> None:
        topics = [_topic(queue_id=q) for q in _listed("queue_ids", queue_ids)]
        topics += [_topic(user_id=u) for u in _listed("user_ids", user_ids)]
        self.topics: tuple[str, ...] = tuple(dict.fromkeys(topics))
        if len(self.topics) > _MAX_TOPICS:
            raise ConfigurationError(f"one notification channel holds at most {_MAX_TOPICS} topics")
        whole("buffer", buffer, low=1)
        self._options = Options(
            heartbeat_timeout=heartbeat_timeout,
            connect_timeout=connect_timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
            linger=0.0,
            renew_before=renew_before,
            max_topics=_MAX_TOPICS,
        )
        from wrapupkit._clientcore import caller_of  # the clients load on first use

        self._http = caller_of(client, user="NotificationEvents")
        self.lock_path = lock_path_for(self._http, lock_dir)
        self._lock = _MachineLock(self.lock_path)
        self._buffer = int(buffer)
        self._wanted = frozenset(self.topics)  # replaced, never mutated: the reader thread reads it
        self._channel: _StreamChannel | None = None
        self._queue: asyncio.Queue[Delivery] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.counts = {"received": 0, "dropped": 0}

    def __repr__(self) -> str:
        return f"NotificationEvents(topics={len(self.topics)}, lock={str(self.lock_path)!r})"

    @property
    def channel_status(self) -> dict[str, Any]:
        """The channel's state (id, connected, topics, counts), or ``{}`` before :meth:`start`."""
        return self._channel.snapshot() if self._channel is not None else {}

    async def start(self) -> None:
        """Take the machine's lock, create the channel and subscribe its topics."""
        require_websockets()
        if self._channel is not None:
            return
        if not self._lock.acquire():
            raise ConfigurationError(
                "another wrapupkit process on this machine already holds the notification channel "
                f"for this client (lock {self.lock_path}): run one worker process with --concurrency N, "
                "or read events from SQS (--events https://sqs...)"
            )
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._channel = _StreamChannel(self._http, self._options, self._from_reader)
        try:
            answers = await asyncio.to_thread(self._subscribe, self._channel)
        except BaseException:
            await self.close()
            raise
        rejected = [t for t, a in zip(self.topics, answers, strict=True) if a == "rejected"]
        if self.topics and len(rejected) == len(self.topics):
            await self.close()
            raise ConfigurationError("Genesys rejected every notification topic (see the warnings for why)")
        log.info("notification events: %d topic(s) on one channel", len(self.topics) - len(rejected))

    async def watch(self, *, user_id: str | None = None, queue_id: str | None = None) -> str:
        """Also receive the conversations of this user or queue (one of the two); idempotent.

        For a worker that learns whose conversations matter from its intents.  The first topic
        creates the channel.

        Returns:
            ``"ok"`` (subscribed), ``"unavailable"`` (the channel is not open yet: subscribed
            when it opens), ``"rejected"`` (Genesys refused the topic; logged) or ``"full"``
            (the channel already holds 1,000 topics: not watched).

        Raises:
            ConfigurationError: neither or both ids, a malformed id, or the source is not started.
        """
        topic = _topic(user_id=user_id, queue_id=queue_id)
        channel = self._channel
        if channel is None:
            raise ConfigurationError("the notification source is not started (call start() first)")
        if topic in self._wanted:
            return "ok" if channel.has_topic(topic) else "unavailable"
        self._wanted = self._wanted | {topic}
        answer = await asyncio.to_thread(channel.acquire, topic)
        if answer == "full":
            self._wanted = self._wanted - {topic}
        return answer

    async def unwatch(self, *, user_id: str | None = None, queue_id: str | None = None) -> None:
        """Stop receiving what :meth:`watch` added (topics given at construction stay)."""
        topic = _topic(user_id=user_id, queue_id=queue_id)
        channel = self._channel
        if channel is None or topic not in self._wanted or topic in self.topics:
            return
        self._wanted = self._wanted - {topic}
        await asyncio.to_thread(channel.release, topic)

    def _subscribe(self, channel: Channel) -> list[str]:
        # each reference stays held until close(); "unavailable" ones are subscribed on (re)connect
        return [channel.acquire(topic) for topic in self.topics]

    def _from_reader(self, raw: str | bytes) -> None:
        """A frame from the reader thread: a conversation event on our topics goes to the queue."""
        delivery = parse_detail(_decoded(raw))
        event = delivery.event
        if event is None or event.kind is not EventKind.CONVERSATION or event.topic not in self._wanted:
            return
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the worker is gone
                loop.call_soon_threadsafe(self._put, delivery)

    def _put(self, delivery: Delivery) -> None:
        queue = self._queue
        if queue is None:
            return
        if queue.qsize() >= self._buffer:
            queue.get_nowait()
            self.counts["dropped"] += 1
        queue.put_nowait(delivery)
        self.counts["received"] += 1

    async def receive(self, *, max_messages: int, wait: float) -> Sequence[Delivery]:
        """Up to *max_messages* events, waiting at most *wait* seconds (real time) for the first."""
        queue = self._queue
        if queue is None:
            raise ConfigurationError("the notification source is not started (call start() first)")
        try:
            first = (
                await asyncio.wait_for(queue.get(), max(0.0, wait)) if queue.empty() else queue.get_nowait()
            )
        except asyncio.TimeoutError:
            return []
        got = [first]
        while len(got) < max_messages and not queue.empty():
            got.append(queue.get_nowait())
        return got

    async def ack(self, delivery: Delivery) -> None:
        """Nothing to do: a notification event is not redelivered."""

    async def close(self) -> None:
        """Close the channel's socket and release the machine's lock.  Idempotent."""
        channel, self._channel = self._channel, None
        self._loop = None
        if channel is not None:
            await asyncio.to_thread(channel.close)
        self._lock.release()


def _topic(*, user_id: str | None = None, queue_id: str | None = None) -> str:
    """``v2.users.{id}.conversations`` or ``v2.routing.queues.{id}.conversations``."""
    if (user_id is None) == (queue_id is None):
        raise ConfigurationError("give exactly one of user_id and queue_id")
    field, value = ("user_id", user_id) if user_id is not None else ("queue_id", queue_id)
    checked = str(check_id(field, value))
    if "." in checked:  # a dot would make another topic
        raise InvalidInput(field, f"{checked!r} is not a Genesys id (no '.' in a topic's id)")
    if user_id is not None:
        return f"v2.users.{checked}.conversations"
    return f"v2.routing.queues.{checked}.conversations"


def _listed(name: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise ConfigurationError(f"{name} must be a list of ids, not one string")
    return list(values)


def _decoded(raw: str | bytes) -> Any:
    import json

    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None
