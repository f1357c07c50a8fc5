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
from typing import TYPE_CHECKING, Literal

import attrs

from wrapupkit._models import CommunicationSnapshot
from wrapupkit._validate import in_range, whole
from wrapupkit.exceptions import ConfigurationError, InvalidType


if TYPE_CHECKING:
    from wrapupkit._readiness._events import AsyncEventSource, CallInfo, EventSource
    from wrapupkit.exceptions import GenesysAPIError


__all__ = [
    "Decision",
    "FunctionStrategy",
    "Immediate",
    "Optimistic",
    "Polling",
    "Readiness",
    "ReadinessContext",
    "ReadinessStrategy",
    "is_unclear",
    "judge",
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
        value: object = delay
        if value is not None and not (isinstance(value, (int, float)) and 0 <= value < math.inf):
            raise ConfigurationError(f"Decision.wait delay must be a finite number >= 0, not {delay!r}")
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
        now: the client clock's ``monotonic()`` when the strategy is asked (compare it with
            ``snapshot.taken_at``; a fake clock in tests gives fake times here too).
        state_since: the client clock's ``monotonic()`` when the communication's state (its
            ``state``, after-call work state, ``wrapupRequired``, or the chosen communication)
            was first seen as it is now.

    .. versionadded:: 0.1.0
    """

    snapshot: CommunicationSnapshot
    attempt: int = 1
    elapsed: float = 0.0
    remaining: float = float("inf")
    rejections: int = 0
    last_error: GenesysAPIError | None = None
    state_attempt: int = 1
    now: float = 0.0
    state_since: float = 0.0


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

        The default waits and tries again while fewer than
        :attr:`~wrapupkit.ReadinessStrategy.max_rejections` refusals have been seen, then
        fails (the client then raises the API error).
        """
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


# No delay or grace a strategy takes is longer than this (beyond it a float overflows).
_MAX_SECONDS = 366 * 86_400.0
# The shortest pause between two readiness checks: zero delays must not poll without pause.
MIN_POLL_DELAY = 0.05


def _check_number(name: str, value: object, *, low: float, high: float = _MAX_SECONDS) -> None:
    # `low <= value <= high` is False for NaN and compares huge ints without converting them
    if not in_range(value, low, high):
        raise ConfigurationError(
            f"{name} must be a finite number between {low:g} and {high:g}, not {value!r}"
        )


def judge(snapshot: CommunicationSnapshot) -> Decision:
    """The built-in readiness predicate, as a Decision.

    Built from the SDK models' field semantics (`Participant
    <https://github.com/MyPureCloud/platform-client-sdk-python/blob/master/build/docs/Participant.md>`__,
    `AfterCallWork
    <https://github.com/MyPureCloud/platform-client-sdk-python/blob/master/build/docs/AfterCallWork.md>`__)
    and the Resource Center's `after-call work settings
    <https://help.mypurecloud.com/articles/configure-call-work-settings/>`__.

    Public so that a strategy can build on it (``return judge(ctx.snapshot)`` after its own checks).

    * Waits while the communication is connected (or still ringing).
    * Ready once it is disconnected and after-call work is ``pending``; also when ACW ended
      (``complete``, or the participant's ``endAcwTime``) with no code yet, and when the
      communication reports no ACW but the participant says a wrap-up is due
      (``wrapupRequired``, ``wrapupExpected``, or a ``startAcwTime``).
    * Otherwise the state is *unclear* (:func:`is_unclear`): ACW ``skipped``,
      ``notApplicable`` or ``unknown``, or no ACW and no ``wrapupRequired``.  Whether Genesys
      accepts a write then is undocumented, so ``judge`` waits and says why;
      :class:`Polling` tries the write once after its ``unclear_grace``.
    """
    if not snapshot.is_disconnected:
        return Decision.wait(reason=f"communication is {snapshot.state}")
    acw = snapshot.acw_state
    if acw == "pending":
        return Decision.ready("disconnected, after-call work pending")
    if acw == "complete" or (acw is None and snapshot.acw_end_time is not None):
        return Decision.ready("disconnected, after-call work ended without a code")
    if acw is None and _says_wrapup(snapshot):
        return Decision.ready("disconnected, wrap-up required")
    shown = f"after-call work {acw}" if acw else "no after-call work reported"
    return Decision.wait(reason=f"disconnected, {shown} (unclear)")


def _says_wrapup(snapshot: CommunicationSnapshot) -> bool:
    """With no ``afterCallWork`` on the communication, the participant still says a wrap-up is due."""
    expected = snapshot.wrapup_expected and snapshot.connected_time is not None  # "once the call connects"
    return bool(snapshot.wrapup_required or expected or snapshot.acw_start_time is not None)


def is_unclear(snapshot: CommunicationSnapshot) -> bool:
    """Disconnected, but nothing says whether Genesys takes a wrap-up now (see :func:`judge`)."""
    if not snapshot.is_disconnected:
        return False
    acw = snapshot.acw_state
    if acw is None:
        return not _says_wrapup(snapshot) and snapshot.acw_end_time is None
    return acw in ("skipped", "notApplicable", "unknown")


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
    the write once and lets Genesys decide; a refusal then is raised as the API error it is.
    Whether a write is accepted in these states is undocumented; an agent who transfers can
    still give a wrap-up (Resource Center: `transfer a voice interaction
    <https://help.mypurecloud.com/articles/transfer-voice-interaction/>`__).

    Args:
        unclear_grace: seconds an unclear state must last before the one write (default 2).

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
        if settled >= self.unclear_grace:
            return Decision.ready(f"{decision.reason}; tried once after {self.unclear_grace:g}s")
        return Decision.wait(min(self.next_delay(ctx), self.unclear_grace - settled), decision.reason)

    def on_rejected(self, ctx: ReadinessContext) -> Decision:
        if is_unclear(ctx.snapshot) and ctx.now - ctx.state_since >= self.unclear_grace:
            # the one write after the grace in an unclear state: Genesys has decided
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
