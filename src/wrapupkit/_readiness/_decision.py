"""What a strategy decides with and what it answers: :class:`ReadinessContext` and :class:`Decision`.

Both are plain values, built by the wait loop (:mod:`wrapupkit._readiness._flow`) and by tests
(:func:`wrapupkit.testing.make_context`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Literal

import attrs

from wrapupkit._models import CommunicationSnapshot
from wrapupkit.exceptions import InvalidInput, InvalidType


if TYPE_CHECKING:
    from wrapupkit.exceptions import GenesysAPIError

__all__ = ["MIN_POLL_DELAY", "Decision", "ReadinessContext"]

# The shortest pause between two readiness checks: zero delays must not poll without pause.
MIN_POLL_DELAY = 0.05

_KINDS = ("ready", "wait", "fail")


def _check_kind(_inst: Any, _attr: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"Decision kind must be one of {', '.join(_KINDS)}, not {type(value).__name__}")
    if value not in _KINDS:
        raise InvalidInput("Decision kind", f"{value!r} is not one of {', '.join(_KINDS)}")


def _check_delay(_inst: Any, _attr: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidType(
            f"Decision.wait delay must be a number of seconds or None, not {type(value).__name__}"
        )
    if not 0 <= value < math.inf:
        raise InvalidInput("Decision.wait delay", f"must be a finite number >= 0, not {value!r}")


def _check_reason(_inst: Any, _attr: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"Decision reason must be a str, not {type(value).__name__}")


@attrs.frozen
class Decision:
    """A strategy's verdict: ``ready``, ``wait`` or ``fail``, with a reason.

    Build one with :meth:`ready`, :meth:`wait` or :meth:`fail`.  Anything else is refused when
    the decision is made: a *kind* other than the three is an
    :class:`~wrapupkit.exceptions.InvalidInput`, a *delay* that is not a number (``True``, ``"1"``)
    an :class:`~wrapupkit.exceptions.InvalidType`.  Every delay, ``0`` included, is waited at least
    ``MIN_POLL_DELAY`` (0.05 s): no strategy can make the loop poll without pause.

    .. versionadded:: 0.1.0
    """

    kind: Literal["ready", "wait", "fail"] = attrs.field(validator=_check_kind)
    delay: float | None = attrs.field(default=None, validator=_check_delay)
    reason: str = attrs.field(default="", validator=_check_reason)

    @classmethod
    def ready(cls, reason: str = "ready") -> Decision:
        """Write the wrap-up now."""
        return cls("ready", None, reason)

    @classmethod
    def wait(cls, delay: float | None = None, reason: str = "") -> Decision:
        """Check again after *delay* seconds (``None``: use :meth:`~ReadinessStrategy.next_delay`).

        The loop waits at least 0.05 s (``MIN_POLL_DELAY``), however short *delay* is.
        """
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
        wall_now: the client clock's ``time()`` at the same moment as *now*, as a timezone-aware
            UTC ``datetime``: the time base of the snapshot's ``disconnected_time``,
            ``acw_start_time`` ... (``None`` when the caller gave no wall clock).  Against a
            real Genesys the two clocks differ by the skew between Genesys and this machine.
        rejected_at: the client clock's ``monotonic()`` when Genesys last refused the wrap-up
            POST, or ``None``.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.1.0 *wall_now*, *rejected_at*, :attr:`since_disconnected`,
       :attr:`since_acw_start` and :meth:`seconds_since`.
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
    wall_now: dt.datetime | None = None
    rejected_at: float | None = None

    def seconds_since(self, when: dt.datetime | None) -> float | None:
        """Seconds from *when* (a snapshot time) to :attr:`wall_now`, or ``None`` when either is unknown."""
        if when is None or self.wall_now is None:
            return None
        return (self.wall_now - when).total_seconds()

    @property
    def since_disconnected(self) -> float | None:
        """Seconds since the communication's ``disconnectedTime`` (``None``: not disconnected, or unknown)."""
        return self.seconds_since(self.snapshot.disconnected_time)

    @property
    def since_acw_start(self) -> float | None:
        """Seconds since after-call work started (``None``: it has not, or the time is unknown)."""
        return self.seconds_since(self.snapshot.acw_start_time)
