"""Type-checked, never run: the public surface as a type checker sees it (``python3 run.py check``).

Lines marked ``# type: ignore[...]`` MUST be errors: mypy runs with ``--warn-unused-ignores``, so if a
typo'd name or keyword stops being an error (an ``Any`` leaking in), CI fails.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from typing_extensions import assert_type

import wrapupkit
from wrapupkit import (
    CodeSet,
    Decision,
    Forbidden,
    InvalidInput,
    Polling,
    ReadinessContext,
    ReadinessStrategy,
    WrapupClient,
    WrapupCode,
    WrapupResult,
)
from wrapupkit.exceptions import AmbiguousParticipant, InvalidType, WrapupkitError
from wrapupkit.testing import FakeClock, make_context


client = WrapupClient.from_env(timeout=3, clock=FakeClock())
WrapupClient.from_env(timeot=3)  # type: ignore[call-arg]
WrapupClient.from_credentials("id", "secret", host="http://127.0.0.1:1", request_timout=2)  # type: ignore[call-arg]

result = client.apply_wrapup("c1", "Sale", notes="n", tags=["t"], duration=dt.timedelta(seconds=5))
assert_type(result, WrapupResult)
assert_type(result.code, WrapupCode)
assert_type(result.requests, int)
client.apply_wrapup("c1", "Sale", notez="x")  # type: ignore[call-arg]
client.apply_wrapup("c1", 42)  # type: ignore[arg-type]

assert_type(wrapupkit.apply_wrapup("c1", "Sale", user_id="u1"), WrapupResult)
wrapupkit.apply_wrapup("c1", "Sale", notez="x")  # type: ignore[call-arg]
assert_type(client.codes("q1"), CodeSet)
assert_type(client.refresh_codes("q1").find("Sale"), WrapupCode | None)
assert_type(wrapupkit.__version__, str)


class AfterNotes(ReadinessStrategy):
    """A user's strategy: ready two seconds after the disconnect."""

    def decide(self, ctx: ReadinessContext) -> Decision:
        if ctx.snapshot.disconnected_time is None:
            return Decision.wait(0.5, "still connected")
        return wrapupkit.judge(ctx.snapshot)


assert_type(AfterNotes().decide(make_context()), Decision)
Polling(jitter="half")  # type: ignore[arg-type]
Decision.wait(delay="soon")  # type: ignore[arg-type]


def handle(error: WrapupkitError) -> str:
    if isinstance(error, (Forbidden, InvalidInput, InvalidType, AmbiguousParticipant)):
        return str(error)
    return ""


async def async_surface() -> None:
    """The async client: the same keywords, awaited."""
    aclient = await wrapupkit.AsyncWrapupClient.from_env(timeout=3, clock=FakeClock())
    await wrapupkit.AsyncWrapupClient.from_env(timeot=3)  # type: ignore[call-arg]
    async with aclient:
        assert_type(await aclient.apply_wrapup("c1", "Sale", notes="n"), WrapupResult)
        await aclient.apply_wrapup("c1", "Sale", notez="x")  # type: ignore[call-arg]
        assert_type(await aclient.codes("q1"), CodeSet)
        assert_type(await aclient.apply_many([("c1", "Sale")], max_concurrency=5), wrapupkit.BulkReport)
        await aclient.apply_many([("c1", "Sale")], max_workers=5)  # type: ignore[call-arg]
        assert_type(await aclient.check(queues=["q1"]), None)
        assert_type(aclient.closed, bool)
    async with wrapupkit.AsyncWrapupClient.from_env(timeout=3) as opened:  # no await: both ways work
        assert_type(opened, wrapupkit.AsyncWrapupClient)
    async with wrapupkit.AsyncWrapupClient.from_credentials("id", "secret", region="us_east_1") as logged:
        assert_type(logged, wrapupkit.AsyncWrapupClient)
    await FakeClock().asleep(1.0)


def private_names_stay_private(sync: WrapupClient, aclient: wrapupkit.AsyncWrapupClient) -> None:
    """What was once public by accident is not part of the typed surface."""
    print(sync.http)  # type: ignore[attr-defined]
    print(sync.request)  # type: ignore[attr-defined]
    print(sync.call_info)  # type: ignore[attr-defined]
    print(aclient.offload)  # type: ignore[attr-defined]
    from wrapupkit import Conflict, DeadlineExceeded  # every exception is importable from the package

    assert issubclass(DeadlineExceeded, TimeoutError)
    assert issubclass(Conflict, wrapupkit.GenesysAPIError)


def explain_surface() -> None:
    """explain() and capture: typed values, typo'd keywords refused."""
    explanation = client.explain("c1", user_id="u1", media_type="call")
    assert_type(explanation, wrapupkit.Explanation)
    assert_type(explanation.target, tuple[str, str] | None)
    assert_type(explanation.legs[0].communications[0], wrapupkit.ExplainedCommunication)
    client.explain("c1", code="Sale")  # type: ignore[call-arg]
    assert_type(wrapupkit.explain_conversation({"id": "c1"}).ready, bool)
    assert_type(wrapupkit.explain_outcome(result).trail, wrapupkit.Trail | None)
    assert_type(result.trail, wrapupkit.Trail | None)
    assert_type(wrapupkit.capture_conversation({"id": "c1"})["body"], Any)
