"""The one retry loop: what it retries, how long it waits (on a fake clock), and when it stops."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from wrapupkit import RetryPolicy
from wrapupkit._http._errors import error_from_response
from wrapupkit._http._retry import call_with_retries
from wrapupkit.exceptions import (
    BadRequest,
    ConfigurationError,
    GenesysAPIError,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
)
from wrapupkit.testing import FakeClock


def failing(*errors: BaseException, result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return fn, calls


def run(
    fn: Callable[[], str],
    clock: FakeClock,
    policy: RetryPolicy | None = None,
    *,
    deadline: float = 1e9,
    **kw: object,
) -> str:
    return call_with_retries(
        fn,
        policy=policy or RetryPolicy(jitter=False),
        clock=clock,
        deadline=deadline,
        what="test",
        **kw,  # type: ignore[arg-type]
    )


def test_5xx_and_transport_errors_back_off_exponentially(clock: FakeClock) -> None:
    """Server errors and lost connections are retried with the policy's delays."""
    fn, calls = failing(ServiceUnavailable(503), TransportError("reset", maybe_sent=False), ServerError(500))
    assert run(fn, clock) == "ok"
    assert len(calls) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_429_waits_retry_after(clock: FakeClock) -> None:
    """Retry-After is honoured exactly, instead of the backoff delay."""
    fn, calls = failing(RateLimited(429, retry_after=3.0))
    assert run(fn, clock) == "ok"
    assert clock.sleeps == [3.0]
    assert len(calls) == 2


def test_429_beyond_the_cap_is_raised_at_once(clock: FakeClock) -> None:
    """A Retry-After longer than retry_after_max is not waited out."""
    fn, calls = failing(RateLimited(429, retry_after=3600.0))
    with pytest.raises(RateLimited) as info:
        run(fn, clock, RetryPolicy(retry_after_max=60.0))
    assert len(calls) == 1
    assert clock.sleeps == []
    assert info.value.retry_after == 3600.0


@pytest.mark.parametrize("status", [400, 403, 404, 409], ids=str)
def test_other_4xx_are_never_retried(clock: FakeClock, status: int) -> None:
    """Client errors fail on the first attempt."""
    fn, calls = failing(error_from_response(status, '{"code":"x"}'))
    with pytest.raises(GenesysAPIError):
        run(fn, clock)
    assert len(calls) == 1


def test_gives_up_after_max_tries_and_records_attempts(clock: FakeClock) -> None:
    """The last error escapes after max_tries, carrying the attempt count."""
    fn, calls = failing(*[ServiceUnavailable(503)] * 10)
    with pytest.raises(ServiceUnavailable) as info:
        run(fn, clock, RetryPolicy(max_tries=3, jitter=False))
    assert len(calls) == 3
    assert info.value.attempts == 3  # type: ignore[attr-defined]


def test_deadline_stops_retries(clock: FakeClock) -> None:
    """No retry starts when its wait would cross the call's deadline."""
    fn, calls = failing(*[ServiceUnavailable(503)] * 10)
    with pytest.raises(ServiceUnavailable):
        run(fn, clock, deadline=1.2)
    assert clock.sleeps == [0.5]
    assert len(calls) == 2


def test_401_reauthenticates_once(clock: FakeClock) -> None:
    """A rejected token triggers one new login, and the call is repeated."""
    logins: list[int] = []
    fn, calls = failing(Unauthorized(401), Unauthorized(401))
    with pytest.raises(Unauthorized):
        run(fn, clock, reauthenticate=lambda: logins.append(1) or True)
    assert logins == [1]
    assert len(calls) == 2


def test_unknown_outcome_is_settled_before_resending(clock: FakeClock) -> None:
    """After a timeout on a write, settle() is asked first; a positive answer stops the re-send."""
    fn, calls = failing(TransportError("read timeout", maybe_sent=True))
    settled: list[BaseException] = []
    result = run(fn, clock, settle=lambda exc, _final: settled.append(exc) or "was applied")
    assert result == "was applied"
    assert len(calls) == 1
    assert len(settled) == 1


def test_refused_connections_are_read_back_then_resent(clock: FakeClock) -> None:
    """A request that never left (connection refused, 503) is read back before each re-send."""
    fn, calls = failing(TransportError("refused", maybe_sent=False), ServiceUnavailable(503))
    settled: list[BaseException] = []
    assert run(fn, clock, settle=lambda exc, _final: settled.append(exc)) == "ok"
    assert len(settled) == 2
    assert len(calls) == 3


def test_settle_returning_none_resends(clock: FakeClock) -> None:
    """When the read-back shows nothing applied, the write is sent again."""
    fn, calls = failing(ServerError(500))
    assert run(fn, clock, settle=lambda exc, _final: None) == "ok"
    assert len(calls) == 2


def test_policy_validation_and_presets() -> None:
    """RetryPolicy rejects nonsense and offers no_retry / no_wait presets."""
    with pytest.raises(ConfigurationError, match="max_tries"):
        RetryPolicy(max_tries=0)
    with pytest.raises(ConfigurationError, match="initial_delay"):
        RetryPolicy(initial_delay=-1)
    assert RetryPolicy.no_retry().max_tries == 1
    assert list(itertools.islice(RetryPolicy.no_wait().delays(), 3)) == [0.0, 0.0, 0.0]
    assert list(itertools.islice(RetryPolicy(jitter=False).delays(), 6)) == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = list(itertools.islice(RetryPolicy().delays(), 50))
    assert all(0 <= d <= 8.0 for d in jittered)


def test_bad_request_is_not_retryable(clock: FakeClock) -> None:
    """BadRequest escapes untouched."""
    fn, calls = failing(BadRequest(400))
    with pytest.raises(BadRequest):
        run(fn, clock)
    assert len(calls) == 1


def test_giving_up_on_an_unknown_outcome_reads_it_back(clock: FakeClock) -> None:
    """When retries run out after a timeout, one read-back decides: applied is success, else the error."""
    fn, calls = failing(*[TransportError("timeout", maybe_sent=True)] * 5)
    assert run(fn, clock, RetryPolicy.no_retry(), settle=lambda exc, _final: "was applied") == "was applied"
    assert len(calls) == 1
    fn, calls = failing(*[TransportError("timeout", maybe_sent=True)] * 5)
    with pytest.raises(TransportError) as info:
        run(fn, clock, RetryPolicy.no_retry(), settle=lambda exc, _final: None)
    assert any("not applied" in note for note in getattr(info.value, "__notes__", ["not applied"]))
