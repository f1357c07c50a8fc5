"""One retry budget for every HTTP call wrapupkit makes.

The SDK's hidden urllib3 retry is switched off (see :mod:`wrapupkit._http._transport`),
so this is the only layer that re-sends anything:

* 429: wait ``Retry-After`` (or the backoff delay when absent) unless it exceeds
  :attr:`RetryPolicy.retry_after_max`; then :class:`~wrapupkit.exceptions.RateLimited`.
* 5xx and transport failures: capped exponential backoff with full jitter.
* other 4xx: never retried.
* a write is read back before every re-send (see :meth:`Caller.write_wrapup
  <wrapupkit._http._caller.Caller.write_wrapup>` and docs/retries.md for what that does
  and does not guarantee).

Delays come from :func:`backoff.expo` and :func:`backoff.full_jitter`; the loop
sleeps on the client's :class:`~wrapupkit.Clock`, so tests never sleep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import attrs

from wrapupkit._clock import Clock
from wrapupkit._validate import in_range
from wrapupkit.exceptions import (
    ConfigurationError,
    DeadlineExceeded,
    GenesysAPIError,
    InvalidType,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
)


__all__ = ["RetryPolicy"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")


# Bounds on numbers a policy takes: beyond these a float overflows or a wait never ends.
MAX_TRIES = 1000
MAX_SECONDS = 86_400.0


def _positive(_inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if not in_range(value, 0, MAX_SECONDS):
        raise ConfigurationError(
            f"RetryPolicy.{attr.name} must be a number between 0 and {MAX_SECONDS:g}, not {value!r}"
        )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How wrapupkit retries one HTTP call.

    Attributes:
        max_tries: attempts per call, the first included.
        initial_delay: the first backoff delay in seconds.
        factor: growth of the delay per attempt.
        max_delay: the cap on one backoff delay.
        jitter: spread delays over ``[0, delay]`` (full jitter).
        retry_after_max: the longest ``Retry-After`` honoured; a longer one is raised at once
            as :class:`~wrapupkit.exceptions.RateLimited` (Genesys sends long ones for daily limits).
        settle_window: after a write whose outcome is unknown (a timeout, a reset, a 5xx), how
            long at least to keep reading it back before sending it again (the request timeout
            if longer); the write is not re-sent when the call's deadline leaves no room for
            this window (see docs/retries.md).

    Raises:
        ConfigurationError: a number out of range (NaN, infinite, negative, over a day), or
            a *jitter* that is not ``True`` or ``False``.

    .. versionadded:: 0.1.0
    """

    max_tries: int = attrs.field(default=5)
    initial_delay: float = attrs.field(default=0.5, validator=_positive)
    factor: float = attrs.field(default=2.0, validator=_positive)
    max_delay: float = attrs.field(default=8.0, validator=_positive)
    jitter: bool = attrs.field(default=True)
    retry_after_max: float = attrs.field(default=60.0, validator=_positive)
    settle_window: float = attrs.field(default=3.0, validator=_positive)

    @max_tries.validator
    def _check_tries(self, _attr: attrs.Attribute[int], value: object) -> None:
        if not isinstance(value, int) or not in_range(value, 1, MAX_TRIES):
            raise ConfigurationError(
                f"RetryPolicy.max_tries must be a whole number in 1..{MAX_TRIES}, not {value!r}"
            )

    @jitter.validator
    def _check_jitter(self, _attr: attrs.Attribute[bool], value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidType(f"RetryPolicy.jitter must be True or False, not {value!r}")

    @classmethod
    def no_retry(cls) -> RetryPolicy:
        """One attempt, no waiting: every failure is raised at once."""
        return cls(max_tries=1)

    @classmethod
    def no_wait(cls, max_tries: int = 5) -> RetryPolicy:
        """Retry without delays (``Retry-After`` is still honoured, on the client's clock)."""
        return cls(max_tries=max_tries, initial_delay=0.0, max_delay=0.0, jitter=False)

    def delays(self) -> Generator[float, None, None]:
        """The backoff delays for attempts 2, 3 ... (jittered when :attr:`jitter`)."""
        import backoff  # imported here: it pulls in asyncio, which `import wrapupkit` must not pay for

        gen = backoff.expo(base=self.factor or 1.0, factor=self.initial_delay, max_value=self.max_delay)
        gen.send(None)  # backoff's generators are primed with one empty send
        for value in gen:
            yield backoff.full_jitter(value) if self.jitter and value > 0 else value


def retryable(exc: BaseException) -> bool:
    """The retry predicate, in terms of wrapupkit's exception tree.

    A refused connection is not retried: nothing listens there, and waiting out the retry
    budget on a closed port only delays the error.  Nor is a local wait that met the deadline.
    """
    if isinstance(exc, DeadlineExceeded) or (isinstance(exc, TransportError) and exc.refused):
        return False
    return isinstance(exc, (RateLimited, ServerError, TransportError))


def outcome_unknown(exc: BaseException) -> bool:
    """A write that failed this way may still have been applied."""
    if isinstance(exc, TransportError):
        return exc.maybe_sent
    return isinstance(exc, ServerError) and not isinstance(exc, ServiceUnavailable)


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    clock: Clock,
    deadline: float,
    what: str,
    reauthenticate: Callable[[], bool] | None = None,
    settle: Callable[[BaseException, bool], T | None] | None = None,
) -> T:
    """Run *fn* under *policy* until it succeeds, fails for good, or the *deadline* is near.

    Args:
        what: a short description for logs ("GET conversation").
        reauthenticate: called on 401; returns whether the request should be sent again
            (with a token obtained on the next attempt).  At most once in a row.
        settle: for writes.  Called before every re-send, and on giving up after a
            failure whose outcome is unknown (its second argument is then ``True``);
            returns the result when nothing needs sending (the write is in place),
            ``None`` to send again; raises to stop (a different code found, say).

    Returns:
        What *fn* (or *settle*) returned.
    """
    delays = policy.delays()
    attempt = 0
    reauthenticated = False
    while True:
        attempt += 1
        try:
            result = fn()
        except Unauthorized:
            if reauthenticated or reauthenticate is None or not reauthenticate():
                raise
            reauthenticated = True
            attempt -= 1
            log.info("token rejected; logging in again", extra={"wrapupkit_call": what})
            continue
        except (GenesysAPIError, TransportError) as exc:
            if not retryable(exc):
                raise
            reauthenticated = False
            why = ""
            delay = next(delays)
            if attempt >= policy.max_tries:
                why = "the retry policy's max_tries is reached"
            elif isinstance(exc, RateLimited) and exc.retry_after is not None:
                if exc.retry_after > policy.retry_after_max:
                    why = f"Retry-After {exc.retry_after:g}s exceeds the {policy.retry_after_max:g}s cap"
                delay = exc.retry_after
            if not why and clock.monotonic() + delay >= deadline:
                why = "the call's deadline leaves no time for another attempt"
            if why:
                if settle is not None and outcome_unknown(exc):
                    settled = settle(exc, True)  # raises, with a note, if the outcome cannot be read
                    if settled is not None:
                        log.info("%s had been applied before the failure", what)
                        return settled
                    if hasattr(exc, "add_note"):
                        exc.add_note("wrapupkit: read back after the failure: the write was not applied")
                _note(exc, attempt, why)
                raise
            log.warning(
                "%s failed (%s); retrying in %.2fs (attempt %d of %d)",
                what,
                _short(exc),
                delay,
                attempt + 1,
                policy.max_tries,
                extra={"wrapupkit_call": what, "wrapupkit_delay": delay, "wrapupkit_attempt": attempt},
            )
            clock.sleep(delay)
            if settle is not None:
                settled = settle(exc, False)  # every re-send of a write is preceded by a read
                if settled is not None:
                    log.info("%s is in place; not re-sending", what)
                    return settled
        else:
            return result


def _short(exc: BaseException) -> str:
    if isinstance(exc, GenesysAPIError):
        return f"HTTP {exc.status}" + (f" {exc.code}" if exc.code else "")
    return type(exc).__name__


def _note(exc: BaseException, attempts: int, why: str = "") -> None:
    text = f"gave up after {attempts} attempt(s)" + (f"; {why}" if why else "")
    if hasattr(exc, "add_note"):  # Python 3.11+: the note says who speaks, a log record has its logger
        exc.add_note(f"wrapupkit: {text}")
    exc.attempts = attempts  # type: ignore[attr-defined]
    log.warning(text)
