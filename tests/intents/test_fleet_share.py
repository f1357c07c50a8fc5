"""One token and one request budget per OAuth client across clients and processes (issue 17, Must 4).

Against the emulator over real HTTP (it counts logins and enforces a per-token rate limit), with the
token and the window in a real store: a SQLite file, and a real redis-server.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from store_helpers import budget_process, fleet_process

from wrapupkit import RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import AuthenticationError, InvalidType
from wrapupkit.intents import IntentStore, open_store
from wrapupkit.testing import FakeClock


TOKEN = r"^/oauth/token$"


@pytest.fixture(name="store")
def _store(store_url: str) -> Iterator[IntentStore]:
    store = open_store(store_url)
    yield store
    store.close()


@pytest.fixture(name="second")
def _second(store_url: str) -> Iterator[IntentStore]:
    """The same store opened again, as another process would."""
    store = open_store(store_url)
    yield store
    store.close()


def logins(emu: Any) -> int:
    return len([r for r in emu.requests_matching("POST", TOKEN) if r.status == 200])


def together(n: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run *work(0..n-1)* on n threads released at once; the exceptions they raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def fleet(emu: Any, store: Any, n: int, **options: Any) -> list[WrapupClient]:
    options.setdefault("retry", RetryPolicy(jitter=False))
    return [
        WrapupClient.from_credentials(
            "fleet-client", "fleet-secret", host=emu.url, share=store, cache_ttl=0, **options
        )
        for _ in range(n)
    ]


def test_clients_on_one_store_log_in_once_per_token_lifetime(
    emu: Any, clock: FakeClock, store: IntentStore
) -> None:
    emu.add_client("fleet-client", "fleet-secret", token_ttl=600)
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    clients = fleet(emu, store, 4, clock=clock)
    assert together(4, lambda i: clients[i].codes(queue)) == []
    assert logins(emu) == 1
    clock.advance(300)  # mid-life: everyone keeps the token
    assert together(4, lambda i: clients[i].codes(queue)) == []
    assert logins(emu) == 1
    clock.advance(250)  # within a minute of expiry: one process renews it for all
    assert together(4, lambda i: clients[i].codes(queue)) == []
    assert logins(emu) == 2
    for client in clients:
        client.close()


def test_a_401_makes_one_re_login_for_the_whole_fleet(emu: Any, clock: FakeClock, store: IntentStore) -> None:
    emu.add_client("fleet-client", "fleet-secret")
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    clients = fleet(emu, store, 4, clock=clock)
    assert together(4, lambda i: clients[i].codes(queue)) == []
    emu.expire_tokens()
    assert together(16, lambda i: clients[i % 4].codes(queue)) == []
    assert logins(emu) == 2  # the first login, and one re-login
    for client in clients:
        client.close()


def test_without_a_share_each_client_logs_in(emu: Any, clock: FakeClock) -> None:
    emu.add_client("fleet-client", "fleet-secret")
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    clients = fleet(emu, None, 3, clock=clock)
    assert together(3, lambda i: clients[i].codes(queue)) == []
    assert logins(emu) == 3  # what the share saves


def test_processes_share_one_token_and_one_re_login(emu: Any, store_url: str) -> None:
    emu.add_client("fleet-client", "fleet-secret")
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    ctx = multiprocessing.get_context("spawn")
    steps = [ctx.Event(), ctx.Event()]
    out = ctx.Queue()
    children = [
        ctx.Process(
            target=fleet_process,
            args=(store_url, emu.url, ("fleet-client", "fleet-secret", queue), steps, out),
        )
        for _ in range(3)
    ]
    for child in children:
        child.start()
    steps[0].set()
    assert [out.get(timeout=90) for _ in children] == ["ok"] * 3
    assert logins(emu) == 1
    emu.expire_tokens()
    steps[1].set()
    assert [out.get(timeout=90) for _ in children] == ["ok"] * 3
    assert logins(emu) == 2
    for child in children:
        child.join(30)
        assert child.exitcode == 0


def test_a_refused_login_keeps_its_status_and_correlation_id(emu: Any, clock: FakeClock) -> None:
    client = WrapupClient.from_credentials(emu.client_id, "wrong-secret", host=emu.url, clock=clock)
    with pytest.raises(AuthenticationError) as caught:
        client.codes("queue-1")
    assert caught.value.status == 401
    answer = emu.requests_matching("POST", TOKEN)[-1]
    assert caught.value.correlation_id
    assert caught.value.correlation_id in str(caught.value)
    assert answer.status == 401
    assert "wrong-secret" not in str(caught.value) + repr(caught.value)
    with pytest.raises(AuthenticationError) as again:  # remembered, with the same context
        client.codes("queue-1")
    assert (again.value.status, again.value.correlation_id) == (401, caught.value.correlation_id)


def test_share_must_be_a_store_or_a_share(emu: Any) -> None:
    with pytest.raises(InvalidType, match="share"):
        WrapupClient.from_credentials("a", "b", host=emu.url, share="redis://127.0.0.1:1/0")


# -- the shared request budget ------------------------------------------------------------------------


@pytest.fixture(name="live")
def _live() -> Iterator[Any]:
    """An emulator on the real clock (the shared window is on the wall clock every process shares)."""
    with Emulator() as emu:
        emu.add_client("fleet-client", "fleet-secret")
        yield emu


def test_clients_sharing_a_budget_never_exceed_it(live: Any, store: IntentStore) -> None:
    queue = live.add_queue("Support", codes=[live.add_code("Sale")])
    live.rate_limit(10, per_seconds=1.0)  # the emulator refuses the 11th request of any second
    share: Any = store.share(requests=8, per_seconds=1.0, headroom=0.0)  # type: ignore[attr-defined]
    clients = fleet(live, share, 3)
    assert together(3, lambda i: [clients[i].codes(queue) for _ in range(8)]) == []
    reads = live.requests_matching("GET")
    assert len(reads) == 24
    assert [r.status for r in reads].count(429) == 0
    for client in clients:
        client.close()


def test_processes_sharing_a_budget_never_exceed_it(live: Any, store_url: str) -> None:
    queue = live.add_queue("Support", codes=[live.add_code("Sale")])
    live.rate_limit(8, per_seconds=1.0)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    login = ("fleet-client", "fleet-secret", queue)
    children = [
        ctx.Process(target=budget_process, args=((store_url, live.url), login, 6, start, out))
        for _ in range(3)
    ]
    for child in children:
        child.start()
    start.set()
    assert [out.get(timeout=120) for _ in children] == ["ok"] * 3
    reads = live.requests_matching("GET")
    assert (len(reads), [r.status for r in reads].count(429)) == (18, 0)
    for child in children:
        child.join(30)


def test_the_same_clients_without_the_shared_budget_are_refused(live: Any, store: IntentStore) -> None:
    """The control: one shared token, no shared window: the emulator answers 429."""
    queue = live.add_queue("Support", codes=[live.add_code("Sale")])
    live.rate_limit(10, per_seconds=1.0)
    share: Any = store.share(requests=None)  # type: ignore[attr-defined]
    clients = fleet(live, share, 3, retry=RetryPolicy(max_tries=1))
    together(3, lambda i: [clients[i].codes(queue) for _ in range(8)])
    assert [r.status for r in live.requests_matching("GET")].count(429) > 0
    for client in clients:
        client.close()


def test_a_429_pauses_every_process(store: IntentStore, second: IntentStore) -> None:
    share: Any = store.share(requests=100, per_seconds=60.0)  # type: ignore[attr-defined]
    other: Any = second.share(requests=100, per_seconds=60.0)  # type: ignore[attr-defined]
    ours, theirs = share.gate("client-key", FakeClock()), other.gate("client-key", FakeClock())
    assert ours.window.take() == 0.0
    ours.observe(429, {"Retry-After": "30", "inin-ratelimit-allowed": "300", "inin-ratelimit-count": "300"})
    wait = theirs.window.take()  # another process's gate waits the pause out
    assert 25 < wait <= 30
    assert share.gate("another-client", FakeClock()).window.take() == 0.0  # another OAuth client: free


def test_a_429_for_one_resource_pauses_no_one(store: IntentStore) -> None:
    share: Any = store.share(requests=100, per_seconds=60.0)  # type: ignore[attr-defined]
    gate = share.gate("client-key", FakeClock())
    gate.observe(429, {"Retry-After": "30", "inin-ratelimit-allowed": "300", "inin-ratelimit-count": "12"})
    assert gate.window.take() == 0.0


def test_the_shared_window_counts_every_process(store: IntentStore, second: IntentStore) -> None:
    share: Any = store.share(requests=3, per_seconds=60.0, headroom=0.0)  # type: ignore[attr-defined]
    other: Any = second.share(requests=3, per_seconds=60.0, headroom=0.0)  # type: ignore[attr-defined]
    ours, theirs = share.gate("k", FakeClock()).window, other.gate("k", FakeClock()).window
    assert [ours.take(), theirs.take(), ours.take()] == [0.0, 0.0, 0.0]
    assert 0 < theirs.take() <= 60
    assert 0 < ours.take() <= 60


def test_a_turn_after_the_deadline_is_refused_at_once(store: IntentStore) -> None:
    from wrapupkit.exceptions import TransportError

    share: Any = store.share(requests=1, per_seconds=60.0)  # type: ignore[attr-defined]
    clock = FakeClock()
    gate = share.gate("k", clock)
    gate.acquire(deadline=clock.monotonic() + 5)
    with pytest.raises(TransportError, match="deadline") as caught:
        gate.acquire(deadline=clock.monotonic() + 5)
    assert caught.value.maybe_sent is False


# -- issue 16 item 6: one re-login, however many threads meet the expired token ------------------------


@pytest.mark.parametrize("shared", [False, True], ids=["alone", "shared"])
def test_sixteen_threads_on_a_token_about_to_expire_log_in_once(
    emu: Any, clock: FakeClock, store: IntentStore, shared: bool
) -> None:
    emu.add_client("fleet-client", "fleet-secret", token_ttl=3600)
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    client = fleet(emu, store if shared else None, 1, clock=clock)[0]
    client.codes(queue)
    clock.advance(3600 - 30)  # inside the refresh margin
    assert together(16, lambda _: client.codes(queue)) == []
    assert logins(emu) == 2
    emu.expire_tokens()  # and rejected by Genesys before its time
    assert together(16, lambda _: client.codes(queue)) == []
    assert logins(emu) == 3
    client.close()


def test_a_token_shorter_lived_than_the_refresh_margin_is_not_renewed_on_every_call(
    emu: Any, clock: FakeClock
) -> None:
    emu.add_client("fleet-client", "fleet-secret", token_ttl=20)
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    client = fleet(emu, None, 1, clock=clock)[0]
    for _ in range(5):
        client.codes(queue)
        clock.advance(2)
    assert logins(emu) == 1
    clock.advance(8)  # 18 s into a 20 s token: renewed
    client.codes(queue)
    assert logins(emu) == 2
    client.close()


@pytest.mark.asyncio
async def test_async_clients_share_through_an_async_store(emu: Any, clock: FakeClock, store_url: str) -> None:
    from wrapupkit import AsyncWrapupClient
    from wrapupkit.intents import open_async_store

    emu.add_client("fleet-client", "fleet-secret")
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    store = open_async_store(store_url)
    clients = [
        await AsyncWrapupClient.from_credentials(
            "fleet-client", "fleet-secret", host=emu.url, clock=clock, share=store, cache_ttl=0
        )
        for _ in range(3)
    ]
    for client in clients:
        await client.codes(queue)
    assert logins(emu) == 1
    for client in clients:
        await client.aclose()
    await store.close()


def test_a_share_that_goes_away_leaves_each_process_on_its_own(
    emu: Any, clock: FakeClock, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from redis_server import redis_server

    emu.add_client("fleet-client", "fleet-secret")
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    with redis_server(tmp_path) as server:
        store = open_store(server.url)
        client = fleet(emu, store, 1, clock=clock)[0]
        client.codes(queue)
        server.stop()
        emu.expire_tokens()
        client.codes(queue)  # the 401 is answered by a login of its own; the gate lets it through
    assert logins(emu) == 2
    assert "token share" in caplog.text
    assert "shared request gate failed" in caplog.text
    client.close()
    store.close()
