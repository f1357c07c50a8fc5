"""What an event-driven strategy hands the driver: a per-call source of conversation views.

A strategy's :meth:`~wrapupkit.ReadinessStrategy.events` returns an :class:`EventSource`
for one call (in the spirit of httpx's ``Auth.auth_flow``, whose generator carries one
request's state).  The driver asks it for the first view of the conversation and, at
every wait, for the next one; a source answers with a conversation body (from an event),
``None`` (nothing usable: the driver reads the conversation), or :data:`DEADLINE`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, runtime_checkable

import attrs

from wrapupkit._clock import Clock


if TYPE_CHECKING:
    from wrapupkit._http import Caller

__all__ = ["DEADLINE", "AsyncEventSource", "CallInfo", "Deadline", "EventSource", "Offload", "WaitRequest"]

T = TypeVar("T")


class Offload(Protocol):
    """Run a blocking callable on the async client's worker pool and await its result."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


class Deadline(enum.Enum):
    """The type of :data:`DEADLINE`."""

    DEADLINE = "deadline"


DEADLINE: Final = Deadline.DEADLINE
"""An event source's answer when the call's deadline came and nothing new arrived."""


@attrs.frozen
class CallInfo:
    """One :meth:`~wrapupkit.WrapupClient.apply_wrapup` call, as an event source sees it.

    Attributes:
        conversation_id: the conversation being wrapped up.
        participant_id: the caller's ``participant_id``, if given.
        user_id: the caller's ``user_id``, if given.
        deadline: the call's deadline on *clock*'s ``monotonic()``.
        clock: the client's clock.
        offload: in an :class:`~wrapupkit.AsyncWrapupClient` call, runs a blocking callable
            (an HTTP request, say) on the client's worker pool, with the call's context, and
            returns an awaitable; ``None`` in a sync call.

    The client's HTTP caller rides along privately (wrapupkit's own :class:`~wrapupkit.Notifications`
    creates its channel through it); it is not part of the API.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.1.0 *offload*.
    """

    conversation_id: str
    participant_id: str | None
    user_id: str | None
    deadline: float
    clock: Clock
    _http: Caller = attrs.field(repr=False, alias="http")
    offload: Offload | None = attrs.field(default=None, repr=False)


@attrs.frozen
class WaitRequest:
    """What the loop wants from a wait.

    Attributes:
        delay: the polling pace: how long to sleep before reading again when not listening.
        deadline: the call's deadline (client clock).
        user_id: the chosen participant's user.
        queue_id: the chosen participant's queue.
        participant_id: the chosen participant (an event without it is no view of the target).
        after_rejection: Genesys just refused the write as not ready: back off and read,
            rather than wait for an event that may already have come.

    .. versionadded:: 0.1.0
    """

    delay: float
    deadline: float
    user_id: str | None
    queue_id: str | None
    participant_id: str | None = None
    after_rejection: bool = False


@runtime_checkable
class EventSource(Protocol):
    """A per-call source of conversation views, handed out by :meth:`ReadinessStrategy.events`.

    .. versionadded:: 0.1.0
    """

    def first(self) -> Mapping[str, Any] | None:
        """A recent conversation body to start from, or ``None`` (the driver reads it)."""

    def wait(self, request: WaitRequest) -> Mapping[str, Any] | Deadline | None:
        """Wait for the next view: a conversation body, :data:`DEADLINE`, or ``None`` (the driver reads)."""

    def close(self) -> None:
        """Release what the call held (topics, references).  Called once, however the call ends."""


@runtime_checkable
class AsyncEventSource(Protocol):
    """:class:`EventSource` for the async client, handed out by :meth:`ReadinessStrategy.async_events`.

    Its methods are coroutines run on the event loop: they must never block it (wait with
    ``await``; run blocking I/O through :attr:`CallInfo.offload`).

    .. versionadded:: 0.1.0
    """

    async def first(self) -> Mapping[str, Any] | None:
        """A recent conversation body to start from, or ``None`` (the driver reads it)."""

    async def wait(self, request: WaitRequest) -> Mapping[str, Any] | Deadline | None:
        """Wait for the next view: a conversation body, :data:`DEADLINE`, or ``None`` (the driver reads)."""

    async def aclose(self) -> None:
        """Release what the call held.  Awaited once, however the call ends (cancellation too)."""
