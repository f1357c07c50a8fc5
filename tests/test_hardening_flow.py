"""Issue 16, correctness: never a hard error while Genesys could still accept, and an exact deadline.

Every test drives the official SDK over HTTP against the emulator on the fake clock: a late
after-call work refused with "not in a valid state" (items 1), the communication re-chosen during a
consult (2), parked emails and messages (3), zero delays (4), the deadline (5), a strategy's bad
``Decision`` (8), and the times a strategy author reads from ``ReadinessContext`` (13).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The org (a queue with "Sale", users Ada and Bob) and the client (timeout 600) of the shape tests.
from test_real_conversations import Org, _client, _org  # noqa: F401 - fixtures
from wrapupkit import (
    Decision,
    FunctionStrategy,
    Immediate,
    Optimistic,
    Polling,
    ReadinessContext,
    RetryPolicy,
    WrapupClient,
)
from wrapupkit._readiness._decision import MIN_POLL_DELAY
from wrapupkit.emulator import Emulator, shapes
from wrapupkit.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidType,
    NotFound,
    ReadinessTimeout,
    TransportError,
)
from wrapupkit.testing import FakeClock


FIXTURES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def posts(emu: Emulator, conversation_id: str) -> list[str]:
    """The communication id of every wrap-up POST to *conversation_id*, in order."""
    pattern = re.compile(rf"/{conversation_id}/participants/[^/]+/communications/([^/]+)/wrapup$")
    return [m[1] for r in emu.requests_matching("POST", r"/wrapup$") if (m := pattern.search(r.path))]


def gets(emu: Emulator, conversation_id: str) -> int:
    return len(emu.requests_matching("GET", rf"/conversations/{conversation_id}$"))


def late_acw(emu: Emulator, org: Org, gap: float, *, strict: bool) -> str:
    """A call that ended now and opens after-call work *gap* seconds later; earlier writes get a 409."""
    if strict:  # no afterCallWork and wrapupRequired false in the gap
        emu.rules.acw_gap_seconds, emu.rules.acw_gap_write = gap, 409
        return str(emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=0.0).id)
    emu.rules.acw_gap_seconds, emu.rules.early_write = 0.0, 409  # afterCallWork "unknown" in the gap
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=0.0, acw_delay=gap)
    return str(conv.id)


# -- 1. a late after-call work is a wait, never the end -------------------------------------------


@FIXTURES
@given(
    gap=st.floats(min_value=2.5, max_value=12.0),
    strict=st.booleans(),
    optimistic=st.booleans(),
)
def test_a_late_acw_is_waited_out_and_written_once(
    *, emu: Emulator, client: WrapupClient, org: Org, gap: float, strict: bool, optimistic: bool
) -> None:
    """ACW opens well past unclear_grace (2 s): each 409 "not in a valid state" is a wait; one write lands."""
    cid = late_acw(emu, org, gap, strict=strict)
    strategy = Optimistic(unclear_grace=2.0) if optimistic else Polling(unclear_grace=2.0)
    result = client.apply_wrapup(cid, "Sale", readiness=strategy)
    assert result.code.id == org.sale
    assert result.waited >= gap
    assert emu.wrapup_writes(cid) == 1
    # refused writes are spaced by the grace (Optimistic adds its first try), not fired at every read
    assert len(posts(emu, cid)) <= gap / 2.0 + 2


@pytest.mark.parametrize("lost", [1, 3])
def test_a_late_acw_with_lost_answers_still_writes_exactly_once(
    emu: Emulator, client: WrapupClient, org: Org, lost: int
) -> None:
    """Answers lost after processing (refusals and the landing write alike): read back, no second write."""
    cid = late_acw(emu, org, 6.0, strict=True)
    emu.reset_next("POST", r"/wrapup$", times=lost, after_processing=True)
    result = client.apply_wrapup(cid, "Sale")
    assert result.code.id == org.sale
    assert emu.wrapup_writes(cid) == 1


def test_the_refusal_is_genesys_words(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """A write before ACW is refused as Genesys does: 409 general.conflict, "not in a valid state"."""
    cid = late_acw(emu, org, 6.0, strict=False)
    with pytest.raises(Conflict) as info:
        client.apply_wrapup(cid, "Sale", readiness=Immediate())
    assert (info.value.code, info.value.message) == (
        "general.conflict",
        "The participant is not in a valid state for wrap-up",
    )
    assert len(posts(emu, cid)) == 1  # Immediate: any refusal is raised at once


@pytest.mark.parametrize(
    ("status", "message", "error"),
    [
        (403, None, Forbidden),
        (404, None, NotFound),
        (400, "wrap-up code not valid", BadRequest),
        (409, "The wrap-up code is not valid for this participant", Conflict),
    ],
)
def test_refusals_time_cannot_change_end_the_call_at_once(
    *,
    emu: Emulator,
    client: WrapupClient,
    org: Org,
    status: int,
    message: str | None,
    error: type[Exception],
) -> None:
    """Forbidden, gone, or a refusal about the code: raised after one POST, even while ACW may still open."""
    cid = late_acw(emu, org, 6.0, strict=False)
    emu.fail_next("POST", r"/wrapup$", status=status, message=message)
    with pytest.raises(error):
        client.apply_wrapup(cid, "Sale")
    assert len(posts(emu, cid)) == 1
    assert emu.wrapup(cid) is None


def test_a_settled_acw_refusal_is_still_raised(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """ACW skipped (it will not open any more): the 409 is the answer, not a wait."""
    emu.rules.acw_not_requested, emu.rules.skipped_write = "skipped", 409
    queue = emu.add_queue("Requested", codes=[org.sale], wrapup_prompt="AGENT_REQUESTED")
    conv = emu.add_conversation(user_id=org.ada, queue_id=queue, disconnect_after=0.0)
    with pytest.raises(Conflict):
        client.apply_wrapup(conv.id, "Sale", timeout=120)
    assert len(posts(emu, str(conv.id))) == 1


@pytest.mark.asyncio
async def test_the_async_client_waits_out_a_late_acw_too(emu: Emulator, clock: FakeClock, org: Org) -> None:
    from wrapupkit import AsyncWrapupClient

    cid = late_acw(emu, org, 6.0, strict=True)
    client = await AsyncWrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    )
    async with client:
        result = await client.apply_wrapup(cid, "Sale", timeout=20)
    assert result.waited >= 6.0
    assert emu.wrapup_writes(cid) == 1


# -- 2. the communication with ACW pending wins, on every read ------------------------------------


def test_a_consult_asked_by_participant_id_follows_acw_to_the_customer_call(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """A holds the customer's call and consults B on another; after the transfer, ACW opens on the first."""
    shape = attrs.evolve(
        shapes.consult_transfer(org.ada, org.bob, org.queue, consult_call=True), acw_delay=4.0
    )
    handle = emu.add_shape(shape)
    emu.advance(40.0)  # during the consult: both of A's calls are connected
    emu.rules.early_write = 409
    (first,) = handle.legs_of(org.ada)
    customer_call, consult_call = first.communications
    result = client.apply_wrapup(handle.id, "Sale", participant_id=first.participant_id, timeout=30)
    assert (result.participant_id, result.communication_id) == (first.participant_id, customer_call.id)
    assert posts(emu, handle.id)[-1] == customer_call.id
    on_consult = emu.wrapup(handle.id, participant_id=first.participant_id, communication_id=consult_call.id)
    assert on_consult is None
    assert emu.wrapup_writes(handle.id) == 1


# -- 3. parked emails and messages ----------------------------------------------------------------


@pytest.mark.parametrize("media", ["email", "message"])
def test_a_parked_communication_with_acw_pending_takes_the_wrapup(
    emu: Emulator, client: WrapupClient, org: Org, media: str
) -> None:
    """Parked with afterCallWork pending: written at once, not waited on until the timeout."""
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, media=media, disconnect_after=None)
    emu.park(conv.id)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.waited == 0.0
    assert posts(emu, str(conv.id)) == [conv.agent_communication_id]
    assert emu.wrapup(conv.id)["code"] == org.sale


def test_a_parked_communication_waits_for_its_acw(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Parked, ACW not open yet: a wait, then the write once it is pending."""
    conv = emu.add_conversation(
        user_id=org.ada, queue_id=org.queue, media="message", disconnect_after=None, acw_delay=3.0
    )
    emu.park(conv.id)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.waited >= 3.0
    assert emu.wrapup_writes(str(conv.id)) == 1


# -- 4. no delay polls without pause --------------------------------------------------------------


@FIXTURES
@given(delay=st.floats(min_value=0.0, max_value=MIN_POLL_DELAY))
def test_a_zero_delay_is_floored_and_ends_under_a_fake_clock(
    *, emu: Emulator, client: WrapupClient, clock: FakeClock, org: Org, delay: float
) -> None:
    """Decision.wait(0) or any tiny delay waits MIN_POLL_DELAY: few reads, then the deadline."""
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=None)
    before = len(clock.sleeps)
    with pytest.raises(ReadinessTimeout):
        client.apply_wrapup(conv.id, "Sale", timeout=3, readiness=lambda ctx: Decision.wait(delay))
    assert all(s >= MIN_POLL_DELAY for s in clock.sleeps[before:])
    assert gets(emu, str(conv.id)) <= 3 / MIN_POLL_DELAY + 1


# -- 5. the timeout is exact ----------------------------------------------------------------------


@FIXTURES
@given(
    timeout=st.floats(min_value=5.0, max_value=40.0),
    opens=st.floats(min_value=0.0, max_value=1.0),
    pace=st.floats(min_value=0.5, max_value=60.0),
)
def test_acw_opening_before_the_deadline_is_caught_whatever_the_pace(
    *, emu: Emulator, client: WrapupClient, org: Org, timeout: float, opens: float, pace: float
) -> None:
    """Whatever the delay, the last wait ends just before the deadline: ACW open by then is seen."""
    at = opens * (timeout - 0.5)
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=at)
    strategy = FunctionStrategy(
        lambda ctx: Decision.ready() if ctx.snapshot.is_acw_pending else Decision.wait(pace)
    )
    result = client.apply_wrapup(conv.id, "Sale", timeout=timeout, readiness=strategy)
    assert result.waited <= timeout
    assert emu.wrapup_writes(str(conv.id)) == 1


def test_the_issue_case_timeout_15_acw_at_11(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """timeout=15, ACW opening 11 s in, a strategy pacing 10 s: written, not given up at 10 s."""
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=11.0)
    pacing = FunctionStrategy(
        lambda ctx: Decision.ready() if ctx.snapshot.is_acw_pending else Decision.wait(10)
    )
    result = client.apply_wrapup(conv.id, "Sale", timeout=15, readiness=pacing)
    assert 11.0 <= result.waited <= 15.0


def test_never_ready_times_out_at_the_deadline_not_before(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=None)
    with pytest.raises(ReadinessTimeout) as info:
        client.apply_wrapup(conv.id, "Sale", timeout=15, readiness=Polling(max_delay=10, initial_delay=10))
    assert 14.8 <= info.value.waited <= 15.0


@pytest.mark.parametrize("head", [False, True])
def test_a_trickled_answer_ends_near_the_deadline(real_emu: Emulator, head: bool) -> None:
    """One byte per 50 ms, the status line and headers too: the whole answer is bounded by timeout=1.

    Each socket read arrives within the read timeout, so only a bound on the whole answer (its head
    and its body) ends the call at the deadline rather than after every byte (issue 16: 14.3 s for 3).
    """
    sale = real_emu.add_code("Sale")
    queue = real_emu.add_queue("Support", codes=[sale], wrapup_prompt="MANDATORY")
    conv = real_emu.add_conversation(user_id=real_emu.add_user("Ada"), queue_id=queue)
    real_emu.trickle_next("GET", r"/conversations/[^/]+$", interval=0.05, head=head)
    with (
        WrapupClient.from_credentials(
            real_emu.client_id, real_emu.client_secret, host=real_emu.url, retry=RetryPolicy.no_wait()
        ) as client,
        pytest.raises(TransportError, match=r"did not arrive within (0\.\d+|1\.00)s"),
    ):
        client.apply_wrapup(conv.id, "Sale", timeout=1)
    assert real_emu.wrapup(conv.id) is None


@pytest.fixture(name="real_emu")
def _real_emu() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


# -- 8. a strategy's bad Decision -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: Decision("bogus"), InvalidInput),
        (lambda: Decision(3), InvalidType),  # type: ignore[arg-type]
        (lambda: Decision.wait(True), InvalidType),
        (lambda: Decision.wait("1"), InvalidType),  # type: ignore[arg-type]
        (lambda: Decision.wait(float("nan")), InvalidInput),
        (lambda: Decision.wait(-0.1), InvalidInput),
        (lambda: Decision("wait", float("inf")), InvalidInput),
        (lambda: Decision.fail(None), InvalidType),  # type: ignore[arg-type]
    ],
)
def test_a_bad_decision_is_refused_with_a_typed_error(make: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()


def test_a_strategy_returning_a_bad_decision_fails_before_any_write(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue)
    with pytest.raises(InvalidType):
        client.apply_wrapup(conv.id, "Sale", readiness=lambda ctx: Decision.wait(True))
    assert posts(emu, str(conv.id)) == []


# -- 13. the times a strategy author needs --------------------------------------------------------


def test_since_disconnected_is_on_the_snapshot_time_base(
    emu: Emulator, client: WrapupClient, clock: FakeClock, org: Org
) -> None:
    """ctx.since_disconnected = the clock's wall time minus the communication's disconnectedTime."""
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=5.0, acw_delay=1.0)
    seen: list[ReadinessContext] = []

    def record(ctx: ReadinessContext) -> Decision:
        seen.append(ctx)
        since = ctx.since_disconnected
        return Decision.ready() if since is not None and since >= 3.0 else Decision.wait(0.5)

    client.apply_wrapup(conv.id, "Sale", readiness=record)
    assert seen[0].since_disconnected is None  # still connected
    last = seen[-1]
    assert last.wall_now == dt.datetime.fromtimestamp(clock.time(), dt.timezone.utc)
    assert last.snapshot.disconnected_time is not None
    assert last.since_disconnected == (last.wall_now - last.snapshot.disconnected_time).total_seconds()
    assert 3.0 <= last.since_disconnected < 3.5
    assert last.since_acw_start is not None
    assert last.since_acw_start == last.since_disconnected - 1.0
