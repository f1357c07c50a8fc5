"""Readiness: when may the wrap-up be written?

A :class:`ReadinessStrategy` judges a :class:`~wrapupkit.CommunicationSnapshot`
and answers with a :class:`Decision`: ready, wait (optionally how long), or
fail.  The wait loop that asks it lives in :mod:`wrapupkit._client` and owns
time through the client's clock; strategies own judgement only.  Polling and
retrying are separate: each readiness check is one (retried) read.
"""

from __future__ import annotations

import abc
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from wrapupkit._models import CommunicationSnapshot


if TYPE_CHECKING:
    from wrapupkit.exceptions import GenesysAPIError


__all__ = [
    "Decision",
    "FunctionStrategy",
    "Immediate",
    "Optimistic",
    "Polling",
    "ReadinessContext",
    "ReadinessStrategy",
    "Waiter",
]


@attrs.frozen
class Decision:
    """A strategy's verdict: ``ready``, ``wait`` or ``fail``, with a reason.

    Build one with :meth:`ready`, :meth:`wait` or :meth:`fail`.

    .. versionadded:: 0.1.0
    """

    kind: Literal["ready", "wait", "fail"]
    delay: float | None = None
    reason: str = ""

    @classmethod
    def ready(cls, reason: str = "ready") -> Decision:
        """Write the wrap-up now."""
        return cls("ready", None, reason)

    @classmethod
    def wait(cls, delay: float | None = None, reason: str = "") -> Decision:
        """Check again after *delay* seconds (``None``: use :meth:`~ReadinessStrategy.next_delay`)."""
        if delay is not None and delay < 0:
            raise ValueError("delay must be >= 0")
        return cls("wait", delay, reason)

    @classmethod
    def fail(cls, reason: str) -> Decision:
        """Give up: the wrap-up cannot be applied (raises :class:`~wrapupkit.exceptions.ReadinessFailed`)."""
        return cls("fail", None, reason)

    @property
    def is_ready(self) -> bool:
        return self.kind == "ready"


@attrs.frozen
class ReadinessContext:
    """Everything a strategy may look at; new fields may be added, so read them by name.

    Attributes:
        snapshot: the agent's communication as last seen.
        attempt: 1 for the first check, then 2, 3 ...
        elapsed: seconds since the wait began.
        remaining: seconds left before the deadline.
        rejections: how many wrap-up POSTs Genesys has refused as not ready so far.
        last_error: the last such refusal, if any.
        state_attempt: checks since the communication's state or ACW state last changed
            (1 on the first check after a change); backoff restarts from it.

    .. versionadded:: 0.1.0
    """

    snapshot: CommunicationSnapshot
    attempt: int = 1
    elapsed: float = 0.0
    remaining: float = float("inf")
    rejections: int = 0
    last_error: GenesysAPIError | None = None
    state_attempt: int = 1


class Waiter(abc.ABC):
    """One :meth:`~wrapupkit.WrapupClient.apply_wrapup` call's view of the world, for strategies.

    The client creates one per call.  Strategies that only judge snapshots never touch it;
    event-driven strategies use it to know what to listen for and to turn an event body into
    a snapshot.

    Attributes:
        client: the :class:`~wrapupkit.WrapupClient` making the call.
        conversation_id: the conversation being wrapped up.
        participant_id: the caller's ``participant_id`` until the participant is chosen, then the chosen one.
        user_id: the caller's ``user_id`` until the participant is chosen, then the participant's user.
        queue_id: the participant's queue once chosen.
        deadline: the call's deadline on the client's clock (``client.clock.monotonic()``).

    .. versionadded:: 0.1.0
    """

    client: Any
    conversation_id: str
    participant_id: str | None
    user_id: str | None
    queue_id: str | None
    deadline: float

    @abc.abstractmethod
    def poll(self) -> CommunicationSnapshot:
        """Read a fresh snapshot now (one GET of the conversation)."""

    @abc.abstractmethod
    def sleep_then_poll(self, delay: float) -> CommunicationSnapshot:
        """Sleep *delay* seconds on the client's clock, then :meth:`poll`."""

    @abc.abstractmethod
    def snapshot_from(self, conversation: Mapping[str, Any]) -> CommunicationSnapshot:
        """The chosen communication's snapshot in conversation JSON (a GET body or an event body)."""

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return float(self.deadline - self.client.clock.monotonic())


class ReadinessStrategy(abc.ABC):
    """Decide when a wrap-up may be written.  Subclass and override :meth:`decide`.

    Optional overrides: :meth:`next_delay` (the wait when :meth:`decide` gives
    none), :meth:`on_rejected` (what to do when Genesys refuses the POST as not
    ready), and for event-driven strategies :meth:`wait` (how to wait; the default
    sleeps on the client's clock, then polls), :meth:`begin` and :meth:`end`.

    Attributes:
        initial_delay: the first wait, in seconds.
        max_delay: the cap on any wait.
        factor: growth per attempt.
        jitter: spread each wait uniformly over ``[delay * (1 - jitter), delay]``.
        max_rejections: not-ready refusals tolerated before the error is raised.

    .. versionadded:: 0.1.0
    """

    initial_delay: float = 0.25
    max_delay: float = 4.0
    factor: float = 2.0
    jitter: float = 0.5
    max_rejections: int = 0

    @abc.abstractmethod
    def decide(self, ctx: ReadinessContext) -> Decision:
        """Judge *ctx.snapshot*: :meth:`Decision.ready`, :meth:`Decision.wait` or :meth:`Decision.fail`."""

    def next_delay(self, ctx: ReadinessContext) -> float:
        """Capped exponential backoff with jitter, restarting whenever the observed state changes.

        A call that has just ended is about to enter after-call work, so the first checks
        after a change are quick ones again instead of the longest delay reached so far.
        """
        base = min(self.max_delay, self.initial_delay * self.factor ** max(0, ctx.state_attempt - 1))
        if self.jitter <= 0:
            return base
        return base * (1.0 - self.jitter * random.random())

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        """Genesys refused the POST with 400 or 409 although the strategy said ready.

        The default waits and tries again while fewer than :attr:`max_rejections`
        refusals have been seen, then fails (the client then raises the API error).
        """
        if ctx.rejections <= self.max_rejections:
            return Decision.wait(reason=f"Genesys refused the wrap-up as not ready (HTTP {_status(ctx)})")
        return Decision.fail(f"Genesys refused the wrap-up (HTTP {_status(ctx)})")

    def wait(self, waiter: Waiter, delay: float) -> CommunicationSnapshot:
        """Wait *delay* seconds and return a fresh snapshot."""
        return waiter.sleep_then_poll(delay)

    def begin(self, waiter: Waiter) -> Mapping[str, Any] | None:
        """Called once before anything is read; may return the conversation JSON to start from.

        The default returns ``None``: the client GETs the conversation.  An event-driven
        strategy returns the body of a recent conversation event instead, saving that GET.
        """
        return None

    def end(self, waiter: Waiter) -> None:  # noqa: B027 - an optional hook, empty by default
        """Called once when the call finishes, however it finishes (release subscriptions here)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _status(ctx: ReadinessContext) -> str:
    return str(ctx.last_error.status) if ctx.last_error is not None else "?"


class Immediate(ReadinessStrategy):
    """Write at once, without waiting; any refusal is raised.

    For callers who already know the agent is in after-call work.

    .. versionadded:: 0.1.0
    """

    def decide(self, ctx: ReadinessContext) -> Decision:
        return Decision.ready("immediate")


def judge(snapshot: CommunicationSnapshot) -> Decision:
    """The readiness predicate of genesys-api.md section 2.1, as a Decision.

    Ready when the agent's communication is disconnected and after-call work is
    pending (or is not reported at all, as for media without ACW).  Waits while
    the communication is connected or ACW has not started; fails when ACW was skipped.
    """
    if not snapshot.is_disconnected:
        return Decision.wait(reason=f"communication is {snapshot.state}")
    acw = snapshot.acw_state
    if acw is None or acw == "pending":
        return Decision.ready("disconnected, after-call work pending" if acw else "disconnected")
    if acw == "skipped":
        return Decision.fail("after-call work was skipped for this participant")
    if acw in ("complete", "notApplicable"):
        return Decision.ready(f"disconnected, after-call work {acw}")
    return Decision.wait(reason=f"disconnected, after-call work {acw}")


class Polling(ReadinessStrategy):
    """The default: check the conversation first, then back off until the agent is in after-call work.

    Checks once without waiting, then waits ``initial_delay`` growing by
    ``factor`` up to ``max_delay``, with jitter.  If Genesys still refuses the
    write as not ready (the platform may lag its own state), it retries up to
    ``max_rejections`` times within the deadline.

    .. versionadded:: 0.1.0
    """

    max_rejections = 3

    def __init__(
        self,
        *,
        initial_delay: float = 0.25,
        max_delay: float = 2.0,
        factor: float = 2.0,
        jitter: float = 0.5,
        max_rejections: int | None = None,
    ) -> None:
        if max_rejections is None:
            max_rejections = type(self).max_rejections  # each subclass keeps its own default
        if initial_delay < 0 or max_delay < 0 or factor < 1 or not 0 <= jitter <= 1 or max_rejections < 0:
            raise ValueError("delays must be >= 0, factor >= 1, 0 <= jitter <= 1, max_rejections >= 0")
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.factor = factor
        self.jitter = jitter
        self.max_rejections = max_rejections

    def decide(self, ctx: ReadinessContext) -> Decision:
        return judge(ctx.snapshot)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(initial_delay={self.initial_delay}, max_delay={self.max_delay}, "
            f"factor={self.factor}, jitter={self.jitter}, max_rejections={self.max_rejections})"
        )


class Optimistic(Polling):
    """Try the write at once; when Genesys refuses it as not ready, back off and try again.

    Costs no reads when the agent is already in after-call work.  After a
    refusal it reads the conversation (to notice a wrap-up the agent applied
    meanwhile) and writes again once the predicate allows, until ``max_rejections``
    (default 10).

    .. versionadded:: 0.1.0
    """

    max_rejections = 10

    def decide(self, ctx: ReadinessContext) -> Decision:
        if ctx.rejections == 0:
            return Decision.ready("optimistic first try")
        return judge(ctx.snapshot)


class FunctionStrategy(ReadinessStrategy):
    """Adapt a callable ``fn(ctx) -> bool | Decision`` (``True`` = ready, ``False`` = wait).

    .. versionadded:: 0.1.0
    """

    def __init__(self, fn: Callable[[ReadinessContext], bool | Decision]) -> None:
        self.fn = fn

    def decide(self, ctx: ReadinessContext) -> Decision:
        verdict = self.fn(ctx)
        if isinstance(verdict, Decision):
            return verdict
        return (
            Decision.ready("callable said ready") if verdict else Decision.wait(reason="callable said wait")
        )

    def __repr__(self) -> str:
        return f"FunctionStrategy({getattr(self.fn, '__qualname__', self.fn)!r})"


def as_strategy(
    value: ReadinessStrategy | Callable[[ReadinessContext], bool | Decision] | None,
) -> ReadinessStrategy:
    """Normalise the ``readiness=`` argument. Strictly private."""
    if value is None:
        return Polling()
    if isinstance(value, ReadinessStrategy):
        return value
    if callable(value):
        return FunctionStrategy(value)
    raise TypeError(f"readiness must be a ReadinessStrategy or a callable, not {type(value).__name__}")
