"""Issue 10, deadlines and pacing: a call's timeout bounds the whole call, whatever it waits on.

Through the official SDK over real HTTP to the emulator; faults come from the emulator.  Where a
call must give up in real time (another thread's fetch, a stalled channel, a trickling server)
the client runs on the system clock and the test asserts what was and was not done, never how
long it took.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability_helpers import login, seed_org
from wrapupkit import Notifications, Polling, RateLimiter, ReadinessTimeout, RetryPolicy, WrapupClient
from wrapupkit.exceptions import DeadlineExceeded, TransportError, WrapupkitError
from wrapupkit.testing import FakeClock, make_context


CODES = r"/wrapupcodes$"


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    return seed_org(emu)


def make_client(emu: Any, clock: Any = None, **options: Any) -> WrapupClient:
    options.setdefault("retry", RetryPolicy.no_retry())
    return login(emu, clock, **options)


# -- 4. waiting on another thread's code-set fetch ---------------------------------------------------


def test_waiting_for_another_threads_fetch_ends_at_the_deadline(emu: Any, org: dict[str, str]) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client = make_client(emu, request_timeout=60, timeout=60)
    client.apply_wrapup(emu.add_conversation(user_id=org["user"], queue_id=org["queue"]).id, "Sale")
    client.clear_cache()  # logged in, conversation route warm: only the code fetch is left to stall
    emu.stall_next("GET", CODES, 60, after_processing=False)

    def lead() -> None:
        with pytest.raises(WrapupkitError):
            client.codes(org["queue"])

    leader = threading.Thread(target=lead)
    leader.start()
    try:
        while emu.requests_matching("GET", CODES) == [] and not _stall_taken(emu):
            assert leader.is_alive()
        with pytest.raises(DeadlineExceeded, match="another thread") as info:
            client.apply_wrapup(conv.id, "Sale", timeout=0.5)
        assert isinstance(info.value, TimeoutError)  # a local wait met the deadline: nothing was sent
        assert not info.value.maybe_sent
        assert leader.is_alive()  # the fetch it waited on is still running
        assert emu.wrapup(conv.id) is None
    finally:
        emu.stop()  # ends the stall
        leader.join(timeout=10)


def _stall_taken(emu: Any) -> bool:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{emu.url}/__emulator__/faults", timeout=5) as response:  # noqa: S310
        return not json.loads(response.read())["faults"]


# -- 4. a stalled notification channel creation ------------------------------------------------------


def test_a_stalled_channel_creation_does_not_hold_the_call(emu: Any, org: dict[str, str]) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    emu.stall_next("POST", r"/notifications/channels$", 30, after_processing=False)
    client = make_client(emu, request_timeout=60)
    strategy = Notifications(connect_timeout=60)
    try:
        with pytest.raises(TimeoutError) as info:  # ReadinessTimeout, or DeadlineExceeded: both say time
            client.apply_wrapup(conv.id, "Sale", user_id=org["user"], readiness=strategy, timeout=0.5)
        assert isinstance(info.value, (ReadinessTimeout, DeadlineExceeded))
        assert emu.requests_matching("POST", r"/notifications/channels$") == []  # still stalled
    finally:
        emu.stop()  # ends the stall
        strategy.close()


# -- 4. time queued at a rate limiter counts against the call ----------------------------------------


def test_a_turn_beyond_the_deadline_is_not_waited_for(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client = make_client(emu, clock)
    client.codes(org["queue"])
    limiter = RateLimiter(1, 60.0, burst=1, headroom=0.0)
    with limiter.installed(client):
        client.refresh_codes(org["queue"])  # takes the one turn of this minute
        sent = len(emu.requests)
        with pytest.raises(DeadlineExceeded, match="rate limiter") as info:
            client.apply_wrapup(conv.id, "Sale", timeout=5)
    assert isinstance(info.value, TimeoutError)
    assert not info.value.maybe_sent
    assert len(emu.requests) == sent
    assert all(s < 5 for s in clock.sleeps)


def test_a_huge_ratelimit_reset_is_capped(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """One answer with count above allowed and reset=86400 pauses the limiter at most its window."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client = make_client(emu, clock)
    limiter = RateLimiter(300, 60.0)
    emu.corrupt_next(
        "GET",
        r"/conversations/[^/]+$",
        headers={
            "inin-ratelimit-allowed": "300",
            "inin-ratelimit-count": "900",
            "inin-ratelimit-reset": "86400",
        },
    )
    with limiter.installed(client):
        result = client.apply_wrapup(conv.id, "Sale", timeout=3600)
    assert result.code.id == org["Sale"]
    assert 0 < limiter.waited <= 60.0 * 1.05 + 1


# -- 4. a server trickling bytes ---------------------------------------------------------------------


def test_a_trickled_answer_does_not_keep_the_call_past_its_deadline(emu: Any, org: dict[str, str]) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client = make_client(emu, request_timeout=0.5)
    client.codes(org["queue"])
    emu.trickle_next("GET", r"/conversations/[^/]+$", interval=0.05)  # a ~1.5 kB body: over a minute
    with pytest.raises(TransportError, match="did not arrive") as info:
        client.apply_wrapup(conv.id, "Sale", timeout=30)
    assert info.value.maybe_sent
    assert emu.wrapup(conv.id) is None
    emu.stop()


# -- 5. a limiter window shorter than the server's ---------------------------------------------------


def test_a_shorter_window_does_not_count_its_own_requests_as_foreign(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """Server: 100 per 60 s.  Limiter: 10 per 10 s.  40 requests pace at the limiter's rate, no stall."""
    emu.rate_limit(100, per_seconds=60.0)
    client = make_client(emu, clock, cache_ttl=0)
    client.codes(org["queue"])
    limiter = RateLimiter(10, 10.0, burst=10, headroom=0.0)
    with limiter.installed(client):
        start = clock.monotonic()
        for _ in range(40):
            client.refresh_codes(org["queue"])
    assert limiter.acquired == 40
    assert clock.monotonic() - start <= 30 * 10.0 / 10 + 1  # 30 beyond the burst, one a second


# -- 6. Polling on long waits and zero delays --------------------------------------------------------


def test_polling_survives_more_than_1025_unchanged_checks(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    client = make_client(emu, clock)
    with pytest.raises(ReadinessTimeout) as info:
        client.apply_wrapup(conv.id, "Sale", readiness=Polling(max_delay=1.0, jitter=0), timeout=1100)
    assert info.value.attempts > 1025


def test_zero_delays_still_pause_between_checks(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    client = make_client(emu, clock)
    polling = Polling(initial_delay=0, max_delay=0, jitter=0)
    with pytest.raises(ReadinessTimeout):
        client.apply_wrapup(conv.id, "Sale", readiness=polling, timeout=1)
    assert clock.sleeps
    assert min(clock.sleeps) >= 0.05
    assert len(emu.requests_matching("GET", r"/conversations/[^/]+$")) <= 1 / 0.05 + 2


# -- 12. cache_ttl=0 keeps single flight -------------------------------------------------------------


def test_cache_ttl_zero_fetches_once_for_concurrent_misses(emu: Any, org: dict[str, str]) -> None:
    client = make_client(emu, cache_ttl=0)
    client.apply_wrapup(emu.add_conversation(user_id=org["user"], queue_id=org["queue"]).id, "Sale")
    emu.clear_requests()
    emu.add_latency(0.5, method="GET", path=CODES)
    barrier = threading.Barrier(20)
    results: list[object] = []

    def work() -> None:
        barrier.wait()
        results.append(client.codes(org["queue"]))

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20
    assert len(emu.requests_matching("GET", CODES)) == 1


@settings(max_examples=200, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=10**9),
    initial=st.floats(min_value=0, max_value=60),
    cap=st.floats(min_value=0, max_value=600),
    factor=st.floats(min_value=1, max_value=1000),
    jitter=st.floats(min_value=0, max_value=1),
)
def test_polling_delays_stay_between_the_floor_and_the_cap(
    attempt: int, initial: float, cap: float, factor: float, jitter: float
) -> None:
    """However many unchanged checks: a finite delay, at least 0.05 s, at most max_delay (or the floor)."""
    polling = Polling(initial_delay=initial, max_delay=cap, factor=factor, jitter=jitter)
    delay = polling.next_delay(make_context(state_attempt=attempt))
    assert 0.05 <= delay <= max(cap, 0.05)
