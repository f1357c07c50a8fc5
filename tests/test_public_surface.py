"""The public surface: bad constructor arguments refused at once, and the async client's lifecycle.

Bad values are drawn by hypothesis: whatever the wrong value, the error is a typed
:class:`~wrapupkit.exceptions.ConfigurationError` raised at construction, never an
``AttributeError`` at the first call.  The async client is built the two ways the docs show
(``await`` and ``async with`` on ``from_env()``), and once closed, every method says so.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wrapupkit import AsyncWrapupClient, RetryPolicy, SystemClock, WrapupClient
from wrapupkit.exceptions import ConfigurationError, InvalidInput, InvalidType
from wrapupkit.testing import FakeClock


# Anything that is not the expected type: numbers, text, bytes, containers, objects.
NOT_AN_OBJECT = (
    st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5)
    | st.binary(max_size=5)
    | st.lists(st.integers(), max_size=3)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
    | st.booleans()
    | st.just(object())
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(name="api_client", scope="module")
def _api_client() -> Any:
    from wrapupkit._http import new_api_client

    return new_api_client("http://127.0.0.1:9")  # never called: construction fails first


@FAST
@given(bad=NOT_AN_OBJECT)
def test_a_retry_that_is_not_a_policy_is_refused_at_construction(api_client: Any, bad: object) -> None:
    """``retry=-1`` or ``retry="3"``: an InvalidType naming ``retry``, before any request."""
    with pytest.raises(InvalidType, match="retry"):
        WrapupClient(api_client, retry=bad)  # type: ignore[arg-type]


@FAST
@given(bad=NOT_AN_OBJECT)
def test_a_clock_that_is_not_a_clock_is_refused_at_construction(api_client: Any, bad: object) -> None:
    """``clock=5``: an InvalidType naming ``clock`` (not an AttributeError at the first call)."""
    with pytest.raises(InvalidType, match="clock"):
        WrapupClient(api_client, clock=bad)  # type: ignore[arg-type]


@FAST
@given(bad=NOT_AN_OBJECT)
def test_an_api_client_that_is_not_one_is_refused(bad: object) -> None:
    with pytest.raises(InvalidType, match="api_client"):
        WrapupClient(bad)


def test_good_values_are_still_taken(api_client: Any) -> None:
    client = WrapupClient(api_client, retry=RetryPolicy.no_retry(), clock=FakeClock())
    assert client.retry.max_tries == 1
    assert isinstance(WrapupClient(api_client, clock=SystemClock()).clock, SystemClock)


@FAST
@given(bad=NOT_AN_OBJECT.filter(lambda v: not isinstance(v, bool)) | st.just(math.nan))
def test_retry_policy_jitter_is_a_bool(bad: object) -> None:
    """``RetryPolicy(jitter=nan)`` (or 1, or "yes") is refused; only True and False are taken."""
    with pytest.raises(ConfigurationError, match="jitter"):
        RetryPolicy(jitter=bad)  # type: ignore[arg-type]
    assert RetryPolicy(jitter=False).jitter is False


@FAST
@given(bad=NOT_AN_OBJECT.filter(lambda v: not isinstance(v, str)))
def test_from_credentials_refuses_a_region_or_host_that_is_not_text(bad: object) -> None:
    """``from_credentials(region=123)``: an InvalidType naming the argument, before the SDK is asked."""
    with pytest.raises(InvalidType, match="region"):
        WrapupClient.from_credentials("id", "secret", region=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="host"):
        WrapupClient.from_credentials("id", "secret", host=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="client_id"):
        WrapupClient.from_credentials(bad, "secret", region="us_east_1")  # type: ignore[arg-type]


@FAST
@given(bad=st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=5), st.text(max_size=5)) | st.just(""))
def test_apply_many_refuses_a_journal_path_with_a_nul(api_client: Any, tmp_path: Path, bad: str) -> None:
    """``apply_many(journal="a\\x00b")``: InvalidInput before any item runs, and no file is made."""
    client = WrapupClient(api_client)
    with pytest.raises(InvalidInput, match="journal"):
        client.apply_many([("c1", "Sale")], journal=bad, progress=False)


def test_apply_many_refuses_a_journal_that_is_not_a_path(api_client: Any) -> None:
    with pytest.raises(InvalidType, match="journal"):
        WrapupClient(api_client).apply_many([("c1", "Sale")], journal=5, progress=False)  # type: ignore[arg-type]


# -- the async client -------------------------------------------------------------------------------


def _env(emu: Any) -> dict[str, str]:
    return {
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
        "GENESYSCLOUD_API_HOST": emu.url,
    }


@pytest.fixture(name="queue")
def _queue(emu: Any) -> str:
    queue: str = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    return queue


@pytest.mark.asyncio
async def test_async_with_from_env_needs_no_await(emu: Any, clock: FakeClock, queue: str) -> None:
    """``async with AsyncWrapupClient.from_env() as client:`` works, and closes the client at the end."""
    async with AsyncWrapupClient.from_env(environ=_env(emu), clock=clock) as client:
        assert isinstance(client, AsyncWrapupClient)
        assert not client.closed
        assert [c.name for c in await client.codes(queue)] == ["Sale"]
    assert client.closed


@pytest.mark.asyncio
async def test_awaiting_from_env_and_from_credentials_still_works(emu: Any, clock: FakeClock) -> None:
    client = await AsyncWrapupClient.from_env(environ=_env(emu), clock=clock)
    async with client:
        assert not client.closed
    other = await AsyncWrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url)
    async with other:
        await other.check()
    assert other.closed


@pytest.mark.asyncio
async def test_a_closed_async_client_refuses_every_call_with_a_typed_error(
    emu: Any, clock: FakeClock, queue: str
) -> None:
    """After aclose(), codes() and the rest raise ConfigurationError (not the executor's RuntimeError)."""
    async with AsyncWrapupClient.from_env(environ=_env(emu), clock=clock) as client:
        await client.codes(queue)
    emu.clear_requests()
    calls = [
        client.codes(queue),
        client.refresh_codes(queue),
        client.check(queues=[queue]),
        client.apply_wrapup("c1", "Sale"),
        client.apply_many([("c1", "Sale")], progress=False),
    ]
    for call in calls:
        with pytest.raises(ConfigurationError, match="closed"):
            await call
    assert emu.requests == []
    await client.aclose()  # idempotent


@pytest.mark.asyncio
async def test_aclose_ends_the_worker_threads(emu: Any, clock: FakeClock, queue: str) -> None:
    import threading

    async with AsyncWrapupClient.from_env(environ=_env(emu), clock=clock) as client:
        await client.codes(queue)
        assert any(t.name.startswith("wrapupkit-http") for t in threading.enumerate())
    for _ in range(100):  # the pool's threads exit once they see the shutdown
        if not any(t.name.startswith("wrapupkit-http") for t in threading.enumerate()):
            break
        await asyncio.sleep(0.01)
    assert not any(t.name.startswith("wrapupkit-http") for t in threading.enumerate())


@pytest.mark.asyncio
async def test_async_check_names_a_missing_permission(emu: Any, clock: FakeClock, queue: str) -> None:
    """The async client has check() too: a refused probe is a Forbidden naming it."""
    from wrapupkit.exceptions import Forbidden

    emu.add_client("narrow", "narrow-secret", permissions=["conversation:communication:view"])
    async with AsyncWrapupClient.from_credentials(
        "narrow", "narrow-secret", host=emu.url, clock=clock
    ) as client:
        with pytest.raises(Forbidden, match=r"routing:queue:view"):
            await client.check(queues=[queue])


# -- the README's claim ------------------------------------------------------------------------------


def test_the_readme_example_prints_what_its_comment_says(
    emu: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example, run as written against the emulator, prints the request count its comment shows;
    a second call with the same client makes the number the sentence below it says."""
    import re

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)[0]
    claimed = int(example.strip().rsplit(" ", 1)[-1])
    later = int(re.search(r"(\d) once the token and the code set are cached", readme).group(1))  # type: ignore[union-attr]
    code = emu.add_code("Survey Complete")
    queue = emu.add_queue("Support", codes=[code])
    user = emu.add_user("Ada")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", emu.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", emu.client_secret)
    monkeypatch.setenv("GENESYSCLOUD_API_HOST", emu.url)
    namespace: dict[str, Any] = {"conversation_id": emu.add_conversation(user_id=user, queue_id=queue).id}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    printed = capsys.readouterr().out.split()
    assert int(printed[-1]) == claimed == namespace["result"].requests
    again = namespace["client"].apply_wrapup(
        emu.add_conversation(user_id=user, queue_id=queue).id, "Survey Complete"
    )
    assert again.requests == later
    namespace["client"].close()


def test_what_was_public_by_accident_is_private(api_client: Any) -> None:
    """request(), call_info(), offload() and the HTTP caller are no longer part of the clients."""
    client = WrapupClient(api_client)
    for name in ("http", "request", "call_info"):
        assert not hasattr(client, name), name
    for name in ("http", "request", "call_info", "offload"):
        assert not hasattr(AsyncWrapupClient, name), name
    assert {"check", "closed", "aclose", "gated"} <= set(dir(AsyncWrapupClient))
    from wrapupkit import CallInfo

    info = CallInfo(
        conversation_id="c1", participant_id=None, user_id=None, deadline=0.0, clock=FakeClock(), http=client
    )  # the client's caller rides along under a private name
    assert not hasattr(info, "http")


@pytest.mark.parametrize("protocol", ["BulkClient", "AsyncBulkClient"])
def test_the_bulk_client_protocols_members_are_the_documented_ones(protocol: str, api_client: Any) -> None:
    """docs/bulk.md names exactly what a bulk run needs of a client, and both clients have it."""
    import re

    from wrapupkit.bulk import _async_runner, _runner

    klass = getattr(_runner, protocol, None) or getattr(_async_runner, protocol)
    members = {n for n in vars(klass) if not n.startswith("_")}
    text = (Path(__file__).parents[1] / "docs" / "bulk.md").read_text(encoding="utf-8")
    sentence = re.search(r"The `client` argument needs only (.*?) \(the", text, flags=re.DOTALL)
    assert sentence is not None
    assert set(re.findall(r"`(\w+)(?:\(\))?`", sentence.group(1))) == members
    for client in (WrapupClient(api_client), AsyncWrapupClient(api_client)):
        assert members <= set(dir(client))
