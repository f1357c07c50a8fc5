"""Readiness: when may the wrap-up be written?

A :class:`ReadinessStrategy` judges a :class:`~wrapupkit.CommunicationSnapshot`
and answers with a :class:`Decision`: ready, wait (optionally how long), or
fail.  The wait loop that asks it (:mod:`wrapupkit._readiness._flow`) owns time
and I/O through its driver; strategies own judgement only.  An event-driven
strategy also hands the driver a per-call :class:`~wrapupkit.EventSource`.
Polling and retrying are separate: each readiness check is one (retried) read.
"""

from __future__ import annotations

import abc
import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from wrapupkit._readiness._decision import MIN_POLL_DELAY, Decision, ReadinessContext
from wrapupkit._readiness._judge import is_not_yet, is_unclear, judge, may_enter_acw, not_yet
from wrapupkit._validate import in_range, whole
from wrapupkit.exceptions import ConfigurationError, InvalidType


if TYPE_CHECKING:
    from wrapupkit._readiness._events import AsyncEventSource, CallInfo, EventSource


__all__ = [
    "MIN_POLL_DELAY",
    "Decision",
    "FunctionStrategy",
    "Immediate",
    "Optimistic",
    "Polling",
    "Readiness",
    "ReadinessContext",
    "ReadinessStrategy",
    "is_not_yet",
    "is_unclear",
    "judge",
    "may_enter_acw",
]

_MAX_EXPONENT = 1000


class ReadinessStrategy(abc.ABC):
    """Decide when a wrap-up may be written.  Subclass and override :meth:`decide`.

    Optional overrides: :meth:`next_delay` (the wait when :meth:`decide` gives
    none), :meth:`on_rejected` (what to do when Genesys refuses the POST as not
    ready), and for event-driven strategies :meth:`events` (a per-call
    :class:`~wrapupkit.EventSource` that the driver waits on instead of sleeping).
    The loop that calls them is written once and shared by every client, so a
    subclass works unchanged wherever a strategy is accepted.

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
        The growth stops at ``max_delay`` however long the wait (no overflow), and no delay
        is shorter than ``MIN_POLL_DELAY`` (0.05 s), so zero delays never poll without pause.
        """
        base = self.max_delay
        exponent = max(0, ctx.state_attempt - 1)
        if exponent < _MAX_EXPONENT:  # beyond it the growth overflows a float: the cap applies anyway
            try:
                base = min(self.max_delay, self.initial_delay * self.factor**exponent)
            except OverflowError:
                base = self.max_delay
        if self.jitter > 0:
            base *= 1.0 - self.jitter * random.random()
        return max(base, MIN_POLL_DELAY)

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        """Genesys refused the POST with 400 or 409 although the strategy said ready.

        A refusal that says the participant is not in a valid state for a wrap-up *yet*
        (:func:`is_not_yet`) while the leg can still enter after-call work
        (:func:`may_enter_acw`) is a wait: time can lift it, so the call goes on until the
        deadline.  Otherwise the default waits and tries again while no more than
        :attr:`~wrapupkit.ReadinessStrategy.max_rejections` refusals have been seen, then
        fails (the client then raises the API error).
        """
        if not_yet(ctx):
            return Decision.wait(
                reason=f"Genesys refused the wrap-up as not in a valid state yet (HTTP {_status(ctx)}); "
                "waiting for after-call work"
            )
        if ctx.rejections <= self.max_rejections:
            return Decision.wait(reason=f"Genesys refused the wrap-up as not ready (HTTP {_status(ctx)})")
        return Decision.fail(f"Genesys refused the wrap-up (HTTP {_status(ctx)})")

    def events(self, call: CallInfo) -> EventSource | None:
        """A source of conversation events for one call, or ``None`` (the default): sleep, then read.

        Called once per :meth:`~wrapupkit.WrapupClient.apply_wrapup`, before anything is read;
        the driver closes what it returns when the call ends, however it ends.
        """
        return None

    def async_events(self, call: CallInfo) -> AsyncEventSource | None:
        """:meth:`events` for :class:`~wrapupkit.AsyncWrapupClient`: an :class:`~wrapupkit.AsyncEventSource`.

        Called once per ``await AsyncWrapupClient.apply_wrapup()``, on the event loop; ``None``
        (the default) makes the async driver sleep (without blocking the loop), then read.

        .. versionadded:: 0.1.0
        """
        return None

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

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        return Decision.fail(f"Genesys refused the wrap-up (HTTP {_status(ctx)})")


# No delay or grace a strategy takes is longer than this (beyond it a float overflows).
_MAX_SECONDS = 366 * 86_400.0


def _check_number(name: str, value: object, *, low: float, high: float = _MAX_SECONDS) -> None:
    # `low <= value <= high` is False for NaN and compares huge ints without converting them
    if not in_range(value, low, high):
        raise ConfigurationError(
            f"{name} must be a finite number between {low:g} and {high:g}, not {value!r}"
        )


class Polling(ReadinessStrategy):
    """The default: check the conversation first, then back off until the agent is in after-call work.

    Checks once without waiting, then waits ``initial_delay`` growing by
    ``factor`` up to ``max_delay``, with jitter.  If Genesys still refuses the
    write as not ready (the platform may lag its own state), it retries up to
    ``max_rejections`` times within the deadline.

    When the state is unclear (:func:`is_unclear`: ACW ``skipped``, ``notApplicable`` or a
    lingering ``unknown``, or no ACW at all after the disconnect), it neither fails without
    asking Genesys nor waits out the deadline: it waits ``unclear_grace`` seconds for the
    state to settle (the ACW gap: ACW may show a moment after the disconnect), then tries
    the write and lets Genesys decide.  A refusal saying the participant is not in a valid
    state *yet* (:func:`is_not_yet`), while the call can still enter after-call work
    (:func:`may_enter_acw`: no ACW or ``unknown`` so far), is a wait, however late ACW opens:
    the write is tried again when the state changes, or ``unclear_grace`` after the refusal,
    until the deadline.  Any other refusal in an unclear state (ACW ``skipped`` or
    ``notApplicable``, a code not in the set) is raised as the API error it is.  Whether a
    write is accepted in these states is undocumented; an agent who transfers can still give a
    wrap-up (Resource Center: `transfer a voice interaction
    <https://help.mypurecloud.com/articles/transfer-voice-interaction/>`__).

    Args:
        unclear_grace: seconds an unclear state must last before a write, and between two
            writes Genesys refused as not ready yet (default 2).

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
        unclear_grace: float = 2.0,
    ) -> None:
        if max_rejections is None:
            max_rejections = type(self).max_rejections  # each subclass keeps its own default
        _check_number("initial_delay", initial_delay, low=0.0)
        _check_number("max_delay", max_delay, low=0.0)
        _check_number("factor", factor, low=1.0)
        _check_number("jitter", jitter, low=0.0, high=1.0)
        whole("max_rejections", max_rejections, low=0, high=10_000)
        _check_number("unclear_grace", unclear_grace, low=0.0)
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.factor = factor
        self.jitter = jitter
        self.max_rejections = max_rejections
        self.unclear_grace = float(unclear_grace)

    def decide(self, ctx: ReadinessContext) -> Decision:
        decision = judge(ctx.snapshot)
        if decision.kind != "wait" or not is_unclear(ctx.snapshot):
            return decision
        settled = ctx.now - ctx.state_since
        if settled < self.unclear_grace:
            return Decision.wait(min(self.next_delay(ctx), self.unclear_grace - settled), decision.reason)
        refused = ctx.rejected_at is not None and ctx.rejected_at >= ctx.state_since
        since_refusal = ctx.now - ctx.rejected_at if refused and ctx.rejected_at is not None else math.inf
        if since_refusal < self.unclear_grace:
            return Decision.wait(
                min(self.next_delay(ctx), self.unclear_grace - since_refusal),
                f"{decision.reason}; refused as not ready yet, trying again",
            )
        return Decision.ready(f"{decision.reason}; tried after {self.unclear_grace:g}s")

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        if not_yet(ctx):
            return super().on_rejected(ctx)  # a wait: time may lift it
        if is_unclear(ctx.snapshot) and ctx.now - ctx.state_since >= self.unclear_grace:
            # a refusal time cannot lift, after the grace in an unclear state: Genesys has decided
            return Decision.fail(f"Genesys refused the wrap-up in an unclear state (HTTP {_status(ctx)})")
        return super().on_rejected(ctx)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(initial_delay={self.initial_delay}, max_delay={self.max_delay}, "
            f"factor={self.factor}, jitter={self.jitter}, max_rejections={self.max_rejections}, "
            f"unclear_grace={self.unclear_grace:g})"
        )


class Optimistic(Polling):
    """Try the write at once; when Genesys refuses it as not ready, back off and try again.

    Writes right after the first read of the conversation (that read chooses the participant
    and communication, so it is never saved), without waiting for the predicate: GET + POST
    when the agent is already in after-call work, as for :class:`Polling`, but no wait for an
    ACW state the conversation has not shown yet.  After a refusal it reads the conversation
    (to notice a wrap-up the agent applied meanwhile) and writes again as :class:`Polling`
    would: a refusal saying "not in a valid state yet" while ACW may still open is a wait
    until the deadline; other refusals are tolerated up to ``max_rejections`` (default 10).

    .. versionadded:: 0.1.0
    """

    max_rejections = 10

    def decide(self, ctx: ReadinessContext) -> Decision:
        if ctx.rejections == 0:
            return Decision.ready("optimistic first try")
        return super().decide(ctx)


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


Readiness = ReadinessStrategy | Callable[[ReadinessContext], "bool | Decision"]
"""What ``readiness=`` accepts: a strategy, or a callable ``fn(ctx) -> bool | Decision``."""


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
    raise InvalidType(f"readiness must be a ReadinessStrategy or a callable, not {type(value).__name__}")
