"""One call's listening on a notification channel, written once for both drivers. Strictly private.

:class:`Listener` holds what one ``apply_wrapup()`` call has seen on its client's channel (its
topic, the newest event reflected, when it last synced) and decides, free of I/O, what to do at
the call's first look and at each wait.  Like the wait-and-write flow, its logic is a generator:
it yields a *step* (:class:`Open`, :class:`Acquire`, :class:`Sleep`, :class:`Await`) and a driver
performs it (the sync source in :mod:`._notifications` with blocking calls, the async source in
:mod:`._async_channel` with ``await``), so both clients listen the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, TypeVar

import attrs

from wrapupkit._readiness._channel import Channel, Event, Outcome
from wrapupkit._readiness._events import DEADLINE, CallInfo, Deadline, WaitRequest
from wrapupkit._snapshot import has_communication
from wrapupkit.exceptions import Forbidden


if TYPE_CHECKING:
    from wrapupkit._readiness._channel import Options

__all__ = ["Acquire", "Await", "Listener", "Open", "Sleep", "Step", "Steps"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")
View: TypeAlias = Mapping[str, Any] | Deadline | None


@attrs.frozen
class Open:
    """Start the channel's socket if it is not running; wait (``connect_timeout``) for a first attempt."""


@attrs.frozen
class Acquire:
    """Take a reference on *topic* (subscribing if needed); answered with ``Channel.acquire``'s word."""

    topic: str


@attrs.frozen
class Sleep:
    """Sleep *seconds* on the client's clock."""

    seconds: float


@attrs.frozen
class Await:
    """Wait for a newer event of the call's conversation; answered with ``(Outcome, Event | None)``."""

    after: int
    generation: int | None
    until: float


Step: TypeAlias = Open | Acquire | Sleep | Await
Steps: TypeAlias = Generator[Step, Any, T]


class Settings(Protocol):
    """What a listener reads of its strategy (:class:`~wrapupkit.Notifications`)."""

    topic: Literal["user", "queue"]
    resync_interval: float
    on_topic_rejected: Literal["fallback", "raise"]
    options: Options

    def topic_for(self, user_id: str | None, queue_id: str | None) -> str | None: ...


class Listener:
    """One call's view of the channel: its topic and what it has seen."""

    def __init__(self, strategy: Settings, channel: Channel | None, call: CallInfo) -> None:
        self.strategy = strategy
        self.channel = channel
        self.call = call
        self.clock = call.clock
        self.topic: str | None = None
        self.polling_only = False
        # the connection whose events this call has seen since its last sync
        self.synced_gen: int | None = None
        self.synced_at = 0.0
        self.seen = 0  # the newest event sequence number already reflected

    def first_steps(self) -> Steps[Mapping[str, Any] | None]:
        """The call's first look: subscribe the user topic early; an event already there saves the GET."""
        channel, call = self.channel, self.call
        if channel is None:
            return None
        yield Open()
        if self.strategy.topic == "user" and call.user_id:
            yield from self._subscribe(f"v2.users.{call.user_id}.conversations")
        generation = channel.generation()
        event = channel.latest(call.conversation_id) if generation is not None else None
        now = self.clock.monotonic()
        if event is not None:  # it happened before this call: no GET needed
            self.seen, self.synced_gen, self.synced_at = event.seq, generation, now
            return dict(event.body)
        if generation is not None and self.topic is not None and channel.has_topic(self.topic):
            # the driver's GET comes next: that is the check of the state after subscribing
            self.seen, self.synced_gen, self.synced_at = channel.seq, generation, now
        return None

    def _subscribe(self, topic: str) -> Steps[None]:
        if self.channel is None:
            return
        answer = yield Acquire(topic)
        if answer == "full":
            log.warning("%d notification topics in use; this wait polls", self.strategy.options.max_topics)
            self.polling_only = True
            return
        self.topic = topic
        if answer != "rejected":
            return
        self.polling_only = True
        if self.strategy.on_topic_rejected == "raise":
            missing = self.channel.rejected.get(topic, ())
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

    def wait_steps(self, request: WaitRequest) -> Steps[View]:
        """One wait: an event's view, ``DEADLINE``, or ``None`` (the driver reads the conversation)."""
        channel = self.channel
        if channel is None or channel.closed or self.polling_only or request.after_rejection:
            # the platform may lag its own state after a refusal: back off and read, like Polling
            yield Sleep(request.delay)
            return self._will_poll()
        if self.topic is None:
            topic = self.strategy.topic_for(request.user_id, request.queue_id)
            if topic is None:
                self.polling_only = True
            else:
                yield from self._subscribe(topic)
            if self.polling_only:
                yield Sleep(request.delay)
                return self._will_poll()
        generation = channel.generation()
        if generation is None or self.topic is None or not channel.has_topic(self.topic):
            # socket down (or not subscribed): Polling's pace, but back to events once it reconnects
            yield Await(self.seen, generation, self.clock.monotonic() + request.delay)
            return self._will_poll()
        if self.synced_gen != generation:  # events may have been missed: use a newer one, or read once
            event = channel.latest(self.call.conversation_id, self.seen)
            return self._will_poll() if event is None else self._from_event(request, event, generation)
        until = min(self.synced_at + self.strategy.resync_interval, request.deadline)
        outcome, event = yield Await(self.seen, generation, until)
        if outcome is Outcome.EVENT and event is not None:
            return self._from_event(request, event, generation)
        if outcome is Outcome.HORIZON and self.clock.monotonic() >= request.deadline:
            return DEADLINE  # the loop raises ReadinessTimeout without another request
        return self._will_poll()  # the socket changed, the strategy closed, or time to resync

    def _will_poll(self) -> Mapping[str, Any] | None:
        """The driver reads the conversation next (so: ``None``); that read is this call's sync point."""
        channel = self.channel
        if channel is not None:
            subscribed = self.topic is not None and channel.has_topic(self.topic)
            self.synced_gen = channel.generation() if subscribed else None
            self.seen = max(self.seen, channel.seq)
        self.synced_at = self.clock.monotonic()
        return None

    def _from_event(self, request: WaitRequest, event: Event, generation: int) -> Mapping[str, Any] | None:
        self.seen, self.synced_gen = event.seq, generation
        self.synced_at = self.clock.monotonic()
        if request.participant_id and not has_communication(event.body, request.participant_id):
            return self._will_poll()  # the event lacks our participant: read the conversation instead
        return dict(event.body)

    def release(self) -> str | None:
        """Forget the call's topic; returns it (the driver gives the channel reference back), or None."""
        topic, self.topic = self.topic, None
        return topic if self.channel is not None else None
