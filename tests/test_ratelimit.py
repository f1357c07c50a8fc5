"""RateLimiter: the pace it keeps, what it learns from responses, and how it is installed (fake clock)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wrapupkit import RateLimiter, WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.testing import FakeClock


def grant_times(
    limiter: RateLimiter, clock: FakeClock, n: int, gaps: list[float] | None = None
) -> list[float]:
    """Acquire *n* times from one thread, idling gaps[i] before the i-th; return the grant times."""
    times = []
    for i in range(n):
        if gaps:
            clock.advance(gaps[i % len(gaps)])
        limiter.acquire()
        times.append(clock.monotonic())
    return times


def max_in_window(times: list[float], window: float) -> int:
    """The most grants any half-open interval of length *window* holds (to within float noise)."""
    best = 0
    start = 0
    for end, t in enumerate(times):
        while times[start] <= t - window + 1e-6:
            start += 1
        best = max(best, end - start + 1)
    return best


class _Client:
    """The two things installed() reads from a client: its clock and its gate."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    @contextlib.contextmanager
    def gated(self, gate: object) -> Iterator[None]:
        yield


def test_default_shape_is_genesys_per_token_limit() -> None:
    """The defaults are 300 requests a minute, bursts of 30, 5 % headroom."""
    limiter = RateLimiter()
    assert (limiter.requests, limiter.per_seconds, limiter.burst, limiter.headroom) == (300, 60.0, 30, 0.05)
    assert repr(limiter) == "RateLimiter(requests=300, per_seconds=60, burst=30, headroom=0.05)"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"requests": 0},
        {"requests": 2.5},
        {"requests": True},
        {"per_seconds": 0},
        {"per_seconds": float("inf")},
        {"requests": 10, "burst": 11},
        {"burst": 0},
        {"max_pause": -1},
        {"headroom": 1.0},
        {"headroom": -0.1},
    ],
    ids=[
        "zero",
        "float",
        "bool",
        "zero-window",
        "infinite-window",
        "burst-over",
        "burst-zero",
        "pause",
        "headroom-one",
        "headroom-negative",
    ],
)
def test_bad_settings_raise_configuration_error(kwargs: dict[str, Any]) -> None:
    """Nonsense limits fail at construction, as ConfigurationError."""
    with pytest.raises(ConfigurationError):
        RateLimiter(**kwargs)


def test_burst_goes_out_at_once_then_the_pace_is_the_rate() -> None:
    """A fresh limiter lets *burst* requests through without waiting, then one per 1/rate."""
    clock = FakeClock()
    limiter = RateLimiter(60, 60.0, burst=3, headroom=0.0, clock=clock)
    times = grant_times(limiter, clock, 6)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3:] == pytest.approx([1.0, 2.0, 3.0])
    assert limiter.acquired == 6
    assert limiter.waited == pytest.approx(3.0)


def test_headroom_stretches_the_window() -> None:
    """With 10 % headroom, 10 requests a second go out one per 0.11 s, and the 11th waits 1.1 s."""
    clock = FakeClock()
    limiter = RateLimiter(10, 1.0, burst=10, headroom=0.1, clock=clock)
    times = grant_times(limiter, clock, 11)
    assert times[:10] == [0.0] * 10
    assert times[10] == pytest.approx(1.1)


def test_never_more_than_the_limit_in_any_window() -> None:
    """Even with burst == requests, no window holds more than *requests* grants."""
    clock = FakeClock()
    limiter = RateLimiter(10, 1.0, burst=10, clock=clock)
    times = grant_times(limiter, clock, 100)
    assert max_in_window(times, 1.0) == 10


@settings(max_examples=60, deadline=None)
@given(
    requests=st.integers(1, 40),
    per_seconds=st.sampled_from([0.5, 1.0, 60.0]),
    burst_fraction=st.floats(0.0, 1.0),
    headroom=st.sampled_from([0.0, 0.05, 0.5]),
    gaps=st.lists(st.sampled_from([0.0, 0.0, 0.01, 0.3, 2.0, 61.0]), min_size=1, max_size=8),
    n=st.integers(1, 120),
)
def test_window_and_pace_invariants_hold_for_any_traffic(
    *, requests: int, per_seconds: float, burst_fraction: float, headroom: float, gaps: list[float], n: int
) -> None:
    """No window exceeds the limit, and back-to-back requests are never slower than the reserved rate."""
    clock = FakeClock()
    burst = max(1, round(requests * burst_fraction))
    limiter = RateLimiter(requests, per_seconds, burst=burst, headroom=headroom, clock=clock)
    times = grant_times(limiter, clock, n, gaps)
    window = per_seconds * (1 + headroom)
    assert max_in_window(times, window) <= requests
    busy_clock = FakeClock()
    busy = RateLimiter(requests, per_seconds, burst=burst, headroom=headroom, clock=busy_clock)
    busy_times = grant_times(busy, busy_clock, n)
    assert busy_times[-1] <= (n - 1) * window / requests + 1e-6


def test_threads_share_one_limit() -> None:
    """Eight threads acquiring together get exactly what they asked for, no faster than the limit."""
    clock = FakeClock()
    limiter = RateLimiter(20, 1.0, burst=5, clock=clock)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(25):
                limiter.acquire()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert not any(t.is_alive() for t in threads)
    assert limiter.acquired == 200
    # 200 requests at 20 a second cannot finish before 9 s of (fake) time have passed.
    assert clock.monotonic() >= (200 - 20) / 20


def test_429_pauses_every_caller_for_retry_after() -> None:
    """After a 429 with Retry-After: 7, the next request waits at least 7 s."""
    clock = FakeClock()
    limiter = RateLimiter(100, 1.0, burst=100, clock=clock)
    limiter.acquire()
    limiter.observe(429, {"Retry-After": "7"})
    limiter.acquire()
    assert clock.monotonic() >= 7.0
    assert limiter.throttled == 1


def test_429_without_retry_after_pauses_briefly() -> None:
    """A 429 with no usable Retry-After still pauses (one second)."""
    clock = FakeClock()
    limiter = RateLimiter(100, 1.0, burst=100, clock=clock)
    limiter.observe(429, {"Retry-After": "soon"})
    limiter.acquire()
    assert clock.monotonic() == pytest.approx(1.0)


def test_429_with_room_in_the_window_pauses_no_one_else() -> None:
    """A 429 whose headers show the token's window has room (a per-resource limit) pauses only its caller."""
    clock = FakeClock()
    limiter = RateLimiter(100, 1.0, burst=100, clock=clock)
    limiter.observe(
        429,
        {
            "Retry-After": "30",
            "inin-ratelimit-allowed": "100",
            "inin-ratelimit-count": "3",
            "inin-ratelimit-reset": "1",
        },
    )
    limiter.acquire()
    assert clock.monotonic() == 0.0
    assert limiter.throttled == 1


def test_429_with_the_window_used_up_pauses_everyone() -> None:
    """A 429 whose headers show the window used up pauses for Retry-After."""
    clock = FakeClock()
    limiter = RateLimiter(100, 1.0, burst=100, clock=clock)
    limiter.observe(
        429,
        {
            "Retry-After": "3",
            "inin-ratelimit-allowed": "100",
            "inin-ratelimit-count": "100",
            "inin-ratelimit-reset": "1",
        },
    )
    limiter.acquire()
    assert clock.monotonic() >= 3.0


def test_retry_after_beyond_max_pause_is_left_to_the_retry_policy() -> None:
    """An hour-long Retry-After (a daily limit) does not freeze every thread for an hour."""
    clock = FakeClock()
    limiter = RateLimiter(100, 1.0, burst=100, max_pause=60.0, clock=clock)
    limiter.observe(429, {"retry-after": "3600"})
    limiter.acquire()
    assert clock.monotonic() == 0.0
    assert limiter.throttled == 1


def test_another_user_of_the_token_shrinks_the_budget_until_reset() -> None:
    """When the server counts more than we sent, only what is left goes out before the reset."""
    clock = FakeClock()
    limiter = RateLimiter(10, 60.0, burst=10, clock=clock)
    grant_times(limiter, clock, 2)
    # The server has counted 8 requests: our 2 and 6 from someone else (one of slack is allowed).
    limiter.observe(
        200, {"inin-ratelimit-allowed": "10", "inin-ratelimit-count": "8", "inin-ratelimit-reset": "30"}
    )
    times = grant_times(limiter, clock, 4)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3] >= 30.0


def test_server_allowing_fewer_than_configured_wins() -> None:
    """inin-ratelimit-allowed below our limit lowers the budget for the server's window."""
    clock = FakeClock()
    limiter = RateLimiter(100, 60.0, burst=100, clock=clock)
    limiter.observe(
        200, {"ININ-RATELIMIT-ALLOWED": "3", "ININ-RATELIMIT-COUNT": "0", "ININ-RATELIMIT-RESET": "60"}
    )
    times = grant_times(limiter, clock, 4)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3] >= 60.0


def test_our_own_traffic_in_the_headers_does_not_slow_us() -> None:
    """A server count that matches what we sent changes nothing."""
    clock = FakeClock()
    limiter = RateLimiter(10, 60.0, burst=10, clock=clock)
    grant_times(limiter, clock, 5)
    limiter.observe(
        200, {"inin-ratelimit-allowed": "10", "inin-ratelimit-count": "5", "inin-ratelimit-reset": "59"}
    )
    assert grant_times(limiter, clock, 5) == [0.0] * 5


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"inin-ratelimit-allowed": "x", "inin-ratelimit-count": "1", "inin-ratelimit-reset": "1"},
        {"inin-ratelimit-allowed": "0", "inin-ratelimit-count": "1", "inin-ratelimit-reset": "1"},
        {"inin-ratelimit-allowed": "10", "inin-ratelimit-count": "nan", "inin-ratelimit-reset": "1"},
    ],
    ids=["none", "garbage", "zero-allowed", "nan"],
)
def test_missing_or_malformed_headers_are_ignored(headers: dict[str, str]) -> None:
    """Responses without usable rate-limit headers leave the pace alone."""
    clock = FakeClock()
    limiter = RateLimiter(5, 60.0, burst=5, clock=clock)
    limiter.observe(200, headers)
    assert grant_times(limiter, clock, 5) == [0.0] * 5


def test_installed_gates_and_observes_then_restores(emu: Emulator, clock: FakeClock) -> None:
    """installed() gates every request of the block, learns from responses, and adopts the client's clock."""
    client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock)
    queue = emu.add_queue("Q", codes=[emu.add_code("Sale")])
    limiter = RateLimiter(60, 60.0, burst=1, headroom=0.0)
    with limiter.installed(client):
        assert limiter.clock is clock
        assert client._http.transport.gates == (limiter,)
        client.refresh_codes(queue)  # a login and a GET: the second waits a second for its token
    assert client._http.transport.gates == ()
    assert limiter.acquired == 2
    assert clock.monotonic() == pytest.approx(1.0)
    client.refresh_codes(queue)  # outside the block: not counted
    assert limiter.acquired == 2


def test_two_installed_limiters_both_gate_and_each_removes_its_own(emu: Emulator, clock: FakeClock) -> None:
    """Two runs' limiters on one client both see each request; leaving one block keeps the other."""
    client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock)
    queue = emu.add_queue("Q", codes=[emu.add_code("Sale")])
    first, second = RateLimiter(clock=clock), RateLimiter(clock=clock)
    with first.installed(client):
        with second.installed(client):
            client.refresh_codes(queue)
        assert client._http.transport.gates == (first,)
    assert client._http.transport.gates == ()
    assert (first.acquired, second.acquired) == (2, 2)


def test_explicit_clock_is_kept_when_installed() -> None:
    """A limiter given its own clock does not adopt the client's."""
    own, other = FakeClock(), FakeClock()
    limiter = RateLimiter(clock=own)
    with limiter.installed(_Client(other)):
        pass
    assert limiter.clock is own
