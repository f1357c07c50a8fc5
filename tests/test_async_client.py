"""AsyncWrapupClient end to end: the SDK over real HTTP against the emulator, waits on a fake clock.

The async client runs the sync client's flow with an async driver, so these tests check what
must be the same (arguments, results, errors, request counts) and what must differ (waits are
awaited: no thread per pending call, cancellation ends a wait at once).
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import wrapupkit
from wrapupkit import (
    AlreadyWrappedUp,
    AsyncWrapupClient,
    Decision,
    Polling,
    ReadinessContext,
    ReadinessTimeout,
    RetryPolicy,
    UnknownWrapupCode,
    WrapupClient,
)
from wrapupkit.exceptions import ConfigurationError, InvalidInput
from wrapupkit.testing import FakeClock


pytestmark = pytest.mark.asyncio


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    ids = {name: emu.add_code(name) for name in ("Sale", "No Sale")}
    ids["queue"] = emu.add_queue("Support", codes=[ids["Sale"], ids["No Sale"]])
    ids["user"] = emu.add_user("Agent Smith")
    return ids


@pytest_asyncio.fixture(name="client")
async def _client(emu: Any, clock: FakeClock) -> AsyncIterator[AsyncWrapupClient]:
    client = await AsyncWrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    )
    async with client:
        yield client


def posts(emu: Any) -> list[Any]:
    return emu.requests_matching(method="POST", path=r"/wrapup$")


async def test_applies_a_code_once_after_a_fake_clock_wait(
    emu: Any, clock: FakeClock, client: AsyncWrapupClient, org: dict[str, str]
) -> None:
    """The call waits (on the fake clock, awaited) until the agent is in ACW, then POSTs once."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=5.0)
    result = await client.apply_wrapup(conv.id, "Sale", notes="sold", tags=["upsell"], duration=42)
    assert result.code == wrapupkit.WrapupCode(id=org["Sale"], name="Sale")
    assert (result.participant_id, result.already_applied, result.attempts) == (
        conv.agent_participant_id,
        False,
        1,
    )
    [post] = posts(emu)
    assert post.body == {
        "code": org["Sale"],
        "name": "Sale",
        "notes": "sold",
        "tags": ["upsell"],
        "durationSeconds": 42,
    }
    assert clock.sleeps, "the wait went through the fake clock"
    assert clock.monotonic() >= 5.0
    assert result.waited >= 5.0


async def test_counts_the_calls_requests_through_the_worker_threads(
    emu: Any, client: AsyncWrapupClient, org: dict[str, str]
) -> None:
    """The call's budget (a contextvar) reaches the worker threads: every request is counted."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=3.0)
    emu.clear_requests()
    result = await client.apply_wrapup(conv.id, "Sale")
    assert result.requests == len(emu.requests) >= 3  # the token, GETs, the codes, the POST


async def test_same_results_and_errors_as_the_sync_client(
    emu: Any, clock: FakeClock, client: AsyncWrapupClient, org: dict[str, str]
) -> None:
    """Already applied, a different code applied, an unknown code: the sync client's answers."""
    sync = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    first = sync.apply_wrapup(conv.id, "Sale")
    again = await client.apply_wrapup(conv.id, "Sale")
    assert (first.already_applied, again.already_applied, again.code) == (False, True, first.code)
    with pytest.raises(AlreadyWrappedUp):
        await client.apply_wrapup(conv.id, "No Sale")
    other = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    with pytest.raises(UnknownWrapupCode) as caught:
        await client.apply_wrapup(other.id, "sale")
    assert "Sale" in caught.value.suggestions
    assert emu.wrapup_writes(conv.id) == 1


async def test_bad_input_is_refused_before_any_request(emu: Any, client: AsyncWrapupClient) -> None:
    emu.clear_requests()
    with pytest.raises(InvalidInput):
        await client.apply_wrapup("not a conversation id!", "Sale")
    with pytest.raises(InvalidInput):
        await client.apply_wrapup("c0ffee00-0000-4000-8000-000000000000", "Sale", timeout=-1)
    with pytest.raises(InvalidInput):
        await client.codes("")
    assert emu.requests == []


async def test_times_out_on_the_fake_clock(
    emu: Any, clock: FakeClock, client: AsyncWrapupClient, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    with pytest.raises(ReadinessTimeout):
        await client.apply_wrapup(conv.id, "Sale", timeout=20)
    assert 15.0 < clock.monotonic() <= 20.0  # it stops when the next wait would pass the deadline
    assert posts(emu) == []


async def test_a_users_decide_subclass_works_unchanged_in_both_clients(
    emu: Any, clock: FakeClock, client: AsyncWrapupClient, org: dict[str, str]
) -> None:
    """One strategy object, one flow: the same judgements and the same result shape in both."""

    class AfterThree(Polling):
        def __init__(self) -> None:
            super().__init__(jitter=0)
            self.seen: list[int] = []

        def decide(self, ctx: ReadinessContext) -> Decision:
            self.seen.append(ctx.attempt)
            return Decision.ready() if ctx.attempt >= 3 else Decision.wait(1.0, "not yet")

    sync = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock)
    results = []
    for run in ("sync", "async"):
        strategy = AfterThree()
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
        if run == "sync":
            result = sync.apply_wrapup(conv.id, "Sale", readiness=strategy)
        else:
            result = await client.apply_wrapup(conv.id, "Sale", readiness=strategy)
        results.append((strategy.seen, result.attempts, result.waited, result.requests))
    assert results[0] == results[1]
    assert results[0][0] == [1, 2, 3]


async def test_codes_and_refresh_codes(emu: Any, client: AsyncWrapupClient, org: dict[str, str]) -> None:
    codes = await client.codes(org["queue"])
    assert sorted(codes.names) == ["No Sale", "Sale"]
    emu.set_queue_codes(org["queue"], [org["Sale"]])
    assert sorted((await client.codes(org["queue"])).names) == ["No Sale", "Sale"]  # cached
    assert (await client.refresh_codes(org["queue"])).names == ("Sale",)


async def test_from_env_and_repr(emu: Any, clock: FakeClock) -> None:
    environ = {
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
        "GENESYSCLOUD_API_HOST": emu.url,
    }
    async with await AsyncWrapupClient.from_env(environ=environ, clock=clock) as client:
        assert client.api_client.host == emu.url
        assert emu.client_secret not in repr(client)
        assert repr(client).startswith("AsyncWrapupClient(host=")
    with pytest.raises(ConfigurationError):
        await AsyncWrapupClient.from_env(environ={})
    with pytest.raises(ConfigurationError):
        await client.apply_wrapup("c0ffee00-0000-4000-8000-000000000000", "Sale")  # closed


async def test_pending_polling_waits_hold_no_threads(emu: Any, org: dict[str, str]) -> None:
    """Forty calls waiting on the real clock: the worker pool stays bounded, the loop keeps ticking."""
    before = threading.active_count()
    async with await AsyncWrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, max_connections=4, retry=RetryPolicy.no_wait()
    ) as client:
        convs = [
            emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
            for _ in range(40)
        ]
        tasks = [
            asyncio.create_task(client.apply_wrapup(c.id, "Sale", readiness=Polling(initial_delay=0.05)))
            for c in convs
        ]
        ticks = 0
        while len(emu.requests_matching(method="GET", path=r"^/api/v2/conversations/[^/]+$")) < 80:
            await asyncio.sleep(0.01)
            ticks += 1
        workers = [t for t in threading.enumerate() if t.name.startswith("wrapupkit-http")]
        assert 1 <= len(workers) <= 4
        assert threading.active_count() - before < 20  # the emulator's threads included: not one per wait
        assert ticks > 0
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
    assert posts(emu) == []


async def test_the_sdk_is_imported_in_a_worker_thread_not_on_the_loop(emu: Any) -> None:
    """The first client creation imports the SDK off the event loop."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys, threading
        seen = []
        class Spy:
            def find_spec(self, name, path=None, target=None):
                if name == "PureCloudPlatformClientV2":
                    seen.append(threading.current_thread() is threading.main_thread())
        sys.meta_path.insert(0, Spy())
        import wrapupkit
        async def main():
            env = {{"GENESYSCLOUD_ACCESS_TOKEN": "t", "GENESYSCLOUD_API_HOST": {emu.url!r}}}
            async with await wrapupkit.AsyncWrapupClient.from_env(environ=env):
                pass
        asyncio.run(main())
        print(seen)
        """
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[False]"


async def test_a_cancel_during_the_post_lets_the_post_finish_first(
    emu: Any, client: AsyncWrapupClient, org: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while the POST is in flight: the POST is let finish, then CancelledError; exactly once."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.stall_next("POST", "wrapup", 0.3, after_processing=True)  # applied, then the answer is held
    job = asyncio.create_task(client.apply_wrapup(conv.id, "Sale"))
    while emu.wrapup(conv.id) is None:
        await asyncio.sleep(0.005)
    with caplog.at_level(logging.INFO, logger="wrapupkit"):
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
    assert any("letting it finish" in r.getMessage() for r in caplog.records)
    again = await client.apply_wrapup(conv.id, "Sale")
    assert (again.already_applied, emu.wrapup_writes(conv.id)) == (True, 1)


async def test_wraps_a_callers_authenticated_api_client(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """AsyncWrapupClient(api_client) installs its transport into the caller's SDK ApiClient."""
    import PureCloudPlatformClientV2 as sdk

    api_client = sdk.ApiClient(host=emu.url)
    await asyncio.to_thread(api_client.get_client_credentials_token, emu.client_id, emu.client_secret)
    async with AsyncWrapupClient(api_client, clock=clock, retry=RetryPolicy.no_wait()) as client:
        conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
        assert (await client.apply_wrapup(conv.id, "Sale")).attempts == 1
        assert api_client.get_http_client() is client._http.transport
        assert client.api_client is api_client
