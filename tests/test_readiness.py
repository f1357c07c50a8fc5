"""Readiness strategies judge snapshots; no I/O, no SDK, no sleeping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wrapupkit
from wrapupkit import Decision, FunctionStrategy, Immediate, Optimistic, Polling, ReadinessStrategy, judge
from wrapupkit._readiness import as_strategy
from wrapupkit.exceptions import BadRequest
from wrapupkit.testing import make_context, make_snapshot


@pytest.mark.parametrize(
    ("state", "acw", "kind"),
    [
        ("connected", None, "wait"),
        ("connected", "pending", "wait"),
        ("disconnected", "unknown", "wait"),
        ("disconnected", "pending", "ready"),
        ("disconnected", None, "ready"),
        ("terminated", "pending", "ready"),
        ("disconnected", "complete", "ready"),
        ("disconnected", "notApplicable", "wait"),
        ("disconnected", "skipped", "wait"),
    ],
    ids=lambda v: str(v),
)
def test_polling_follows_the_documented_predicate(state: str, acw: str | None, kind: str) -> None:
    """Ready once disconnected with ACW pending (or required and unreported); unclear states wait at first."""
    ctx = make_context(make_snapshot(state=state, acw_state=acw))
    assert Polling().decide(ctx).kind == kind
    assert judge(ctx.snapshot).kind == kind


@pytest.mark.parametrize(
    ("acw", "required"),
    [("skipped", True), ("notApplicable", True), ("unknown", True), (None, False), (None, None)],
    ids=str,
)
def test_an_unclear_state_is_tried_once_after_the_grace(acw: str | None, required: bool | None) -> None:
    """Skipped, notApplicable, a lingering unknown or no ACW at all: wait the grace, then write once."""
    snapshot = make_snapshot(acw_state=acw, wrapup_required=required)
    strategy = Polling(unclear_grace=2.0, jitter=0.0)
    early = strategy.decide(make_context(snapshot, now=1.5, state_since=0.0))
    assert early.kind == "wait"
    assert early.delay is not None
    assert early.delay <= 0.5  # never sleeps past the end of the grace
    assert "unclear" in early.reason
    assert strategy.decide(make_context(snapshot, now=2.0, state_since=0.0)).kind == "ready"
    refused = make_context(snapshot, now=2.0, state_since=0.0, rejections=1, last_error=BadRequest(400))
    assert strategy.on_rejected(refused).kind == "fail"  # Genesys's answer decides


@pytest.mark.parametrize(
    "fields",
    [
        {"wrapup_expected": True, "connected_time": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},
        {"acw_start_time": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},
        {"acw_end_time": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},
    ],
    ids=["wrapupExpected", "startAcwTime", "endAcwTime"],
)
def test_every_signal_of_the_participant_counts_when_the_communication_has_no_acw(
    fields: dict[str, Any],
) -> None:
    """No afterCallWork on the communication, but the participant says a wrap-up is due: ready at once."""
    snapshot = make_snapshot(acw_state=None, wrapup_required=False, **fields)
    assert judge(snapshot).kind == "ready"
    assert not wrapupkit.is_unclear(snapshot)


def test_a_refusal_before_the_grace_is_a_normal_not_ready() -> None:
    """Optimistic's blind first write refused in the ACW gap backs off; it is not the grace write."""
    snapshot = make_snapshot(acw_state=None, wrapup_required=False)
    ctx = make_context(snapshot, now=0.1, state_since=0.0, rejections=1, last_error=BadRequest(400))
    assert Optimistic().on_rejected(ctx).kind == "wait"


def test_wait_reasons_name_the_state() -> None:
    """A wait says why, so a timeout message can explain itself."""
    decision = Polling().decide(make_context(make_snapshot(state="connected")))
    assert decision.reason == "communication is connected"


def test_immediate_is_always_ready() -> None:
    """Immediate never waits, whatever the state."""
    assert Immediate().decide(make_context(make_snapshot(state="connected"))).is_ready


def test_optimistic_tries_first_then_follows_the_predicate() -> None:
    """Optimistic writes at once, and after a refusal waits like Polling."""
    connected = make_snapshot(state="connected")
    assert Optimistic().decide(make_context(connected)).is_ready
    assert Optimistic().decide(make_context(connected, rejections=1)).kind == "wait"


def test_on_rejected_waits_until_the_rejection_budget_is_spent() -> None:
    """The default refusal handler waits max_rejections times, then fails."""
    error = BadRequest(400, code="bad.request")
    strategy = Polling(max_rejections=2)
    assert strategy.on_rejected(make_context(rejections=1, last_error=error)).kind == "wait"
    assert strategy.on_rejected(make_context(rejections=2, last_error=error)).kind == "wait"
    failed = strategy.on_rejected(make_context(rejections=3, last_error=error))
    assert failed.kind == "fail"
    assert "HTTP 400" in failed.reason


def test_immediate_raises_the_first_refusal() -> None:
    """Immediate tolerates no refusal."""
    error = BadRequest(409, code="general.conflict")
    assert Immediate().on_rejected(make_context(rejections=1, last_error=error)).kind == "fail"


@given(attempt=st.integers(min_value=1, max_value=60))
def test_next_delay_is_capped_and_jittered_within_bounds(attempt: int) -> None:
    """Backoff grows by factor per attempt, never exceeds max_delay, and jitter only shortens it."""
    strategy = Polling(initial_delay=0.25, max_delay=4.0, factor=2.0, jitter=0.5)
    base = min(4.0, 0.25 * 2.0 ** (attempt - 1))
    delay = strategy.next_delay(make_context(state_attempt=attempt))
    assert base * 0.5 <= delay <= base


def test_next_delay_without_jitter_is_exact() -> None:
    """With jitter off the sequence is the plain capped exponential."""
    strategy = Polling(initial_delay=0.5, max_delay=3.0, factor=2.0, jitter=0.0)
    assert [strategy.next_delay(make_context(state_attempt=n)) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "kwargs",
    [{"initial_delay": -1.0}, {"factor": 0.5}, {"jitter": 1.5}, {"max_rejections": -1}],
    ids=["negative-delay", "shrinking-factor", "jitter-over-1", "negative-rejections"],
)
def test_polling_rejects_nonsense_settings(kwargs: dict[str, float]) -> None:
    """Misconfiguration fails loudly at construction."""
    with pytest.raises(ValueError, match="must be"):
        Polling(**kwargs)  # type: ignore[arg-type]


def test_decision_wait_rejects_negative_delay() -> None:
    """A negative wait is a bug in the strategy."""
    with pytest.raises(ValueError, match="delay"):
        Decision.wait(-1.0)


def test_function_strategy_adapts_bools_and_decisions() -> None:
    """A plain callable works as a strategy: True is ready, False waits, a Decision passes through."""
    assert FunctionStrategy(lambda ctx: True).decide(make_context()).is_ready
    assert FunctionStrategy(lambda ctx: False).decide(make_context()).kind == "wait"
    assert FunctionStrategy(lambda ctx: Decision.fail("no")).decide(make_context()) == Decision.fail("no")
    assert isinstance(as_strategy(lambda ctx: True), FunctionStrategy)


def test_as_strategy_defaults_to_polling_and_rejects_junk() -> None:
    """None means the default Polling; anything else must be a strategy or a callable."""
    assert isinstance(as_strategy(None), Polling)
    with pytest.raises(TypeError, match="ReadinessStrategy"):
        as_strategy(42)  # type: ignore[arg-type]


class WaitForGrace(ReadinessStrategy):
    """A user strategy from the docs: wait a grace period after disconnect."""

    def decide(self, ctx: wrapupkit.ReadinessContext) -> Decision:
        if not ctx.snapshot.is_disconnected:
            return Decision.wait(reason="still connected")
        if ctx.elapsed < 2.0:
            return Decision.wait(delay=0.5, reason="grace period")
        return Decision.ready()


def test_subclass_overrides_one_method() -> None:
    """Subclassing needs only decide(); the rest is inherited."""
    strategy = WaitForGrace()
    assert strategy.decide(make_context(elapsed=1.0)) == Decision.wait(delay=0.5, reason="grace period")
    assert strategy.decide(make_context(elapsed=3.0)).is_ready
    assert strategy.next_delay(make_context()) > 0


def test_reprs_show_settings() -> None:
    """Strategies have readable reprs for notebooks and logs."""
    assert repr(Polling()).startswith("Polling(initial_delay=0.25")
    assert repr(Optimistic()).startswith("Optimistic(")
    assert repr(Immediate()) == "Immediate()"


def test_backoff_restarts_when_the_state_changes() -> None:
    """The delay depends on checks since the last state change, not on the total attempt count."""
    strategy = Polling(initial_delay=0.25, max_delay=2.0, jitter=0.0)
    assert strategy.next_delay(make_context(attempt=9, state_attempt=6)) == 2.0
    assert strategy.next_delay(make_context(attempt=10, state_attempt=1)) == 0.25
