"""The conversation timeline on the emulator clock: gap, pending, timeout, UI wrap-up, change hook."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from emulator_helpers import Org, raw_request, stored_wrapup

from wrapupkit.emulator import ConversationHandle, Emulator, EmulatorError
from wrapupkit.testing import FakeClock


def _agent(emulator: Emulator, handle: ConversationHandle, index: int = 0) -> dict[str, Any]:
    participants = emulator.conversation_json(handle.id)["participants"]
    agents: list[dict[str, Any]] = [p for p in participants if p["purpose"] == "agent"]
    return agents[index]


def test_full_timeline_gap_pending_timeout(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """connected → disconnected (gap: unknown) → pending → ININ-WRAP-UP-TIMEOUT with the queue's timeout."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, disconnect_after=20, acw_delay=2)
    agent = _agent(emulator, handle)
    assert agent["calls"][0]["state"] == "connected"
    assert "afterCallWork" not in agent["calls"][0]
    fake_clock.advance(20)
    call = _agent(emulator, handle)["calls"][0]
    assert call["state"] == "disconnected"
    assert call["disconnectedTime"] == "2026-01-01T10:00:20.000Z"
    assert call["disconnectType"] == "client"
    assert call["afterCallWork"] == {"state": "unknown"}
    fake_clock.advance(2)
    agent = _agent(emulator, handle)
    assert agent["calls"][0]["afterCallWork"] == {"state": "pending", "startTime": "2026-01-01T10:00:22.000Z"}
    assert agent["startAcwTime"] == "2026-01-01T10:00:22.000Z"
    fake_clock.advance(299)
    assert _agent(emulator, handle)["calls"][0]["afterCallWork"]["state"] == "pending"
    fake_clock.advance(1)
    agent = _agent(emulator, handle)
    assert agent["calls"][0]["afterCallWork"] == {
        "state": "complete",
        "startTime": "2026-01-01T10:00:22.000Z",
        "endTime": "2026-01-01T10:05:22.000Z",
    }
    assert agent["endAcwTime"] == "2026-01-01T10:05:22.000Z"
    assert agent["wrapup"]["code"] == "ININ-WRAP-UP-TIMEOUT"
    assert stored_wrapup(emulator, handle.id)["code"] == "ININ-WRAP-UP-TIMEOUT"
    assert emulator.wrapup_writes(handle.id) == 0


def test_one_big_advance_replays_with_exact_timestamps(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """Advancing far past every step still stamps each transition at its own due time."""
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, disconnect_after=5, acw_delay=1, acw_timeout=30
    )
    fake_clock.advance(3600)
    agent = _agent(emulator, handle)
    assert agent["calls"][0]["disconnectedTime"] == "2026-01-01T10:00:05.000Z"
    assert agent["startAcwTime"] == "2026-01-01T10:00:06.000Z"
    assert agent["endAcwTime"] == "2026-01-01T10:00:36.000Z"
    assert agent["wrapup"]["durationSeconds"] == 30


def test_mandatory_queue_never_times_out(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """A MANDATORY (not time-boxed) queue keeps ACW pending forever."""
    queue = emulator.add_queue("Mandatory", codes=[org.codes["Sale"]], wrapup_prompt="MANDATORY")
    handle = emulator.add_conversation(user_id=org.user, queue_id=queue)
    fake_clock.advance(86400)
    assert _agent(emulator, handle)["calls"][0]["afterCallWork"]["state"] == "pending"
    assert emulator.wrapup(handle.id) is None


def test_api_write_while_pending_completes_acw_and_cancels_timeout(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """An API wrap-up during pending closes ACW at that moment; the timeout never fires."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, acw_timeout=60)
    fake_clock.advance(10)
    path = (
        f"/api/v2/conversations/calls/{handle.id}/participants/{handle.agent_participant_id}"
        f"/communications/{handle.agent_communication_id}/wrapup"
    )
    assert (
        raw_request(
            emulator, "POST", path, token=emulator.issue_token(), body={"code": org.codes["Sale"]}
        ).status
        == 202
    )
    fake_clock.advance(600)
    agent = _agent(emulator, handle)
    assert agent["calls"][0]["afterCallWork"]["state"] == "complete"
    assert agent["endAcwTime"] == "2026-01-01T10:00:10.000Z"
    assert agent["wrapup"]["code"] == org.codes["Sale"]


def test_scheduled_ui_wrapup(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """ui_wrapup=(seconds, code) makes the agent apply the code that long after pending."""
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, acw_delay=2, ui_wrapup=(5.0, org.codes["No Sale"])
    )
    fake_clock.advance(6)
    assert emulator.wrapup(handle.id) is None
    fake_clock.advance(1)
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["No Sale"]
    assert stored_wrapup(emulator, handle.id)["name"] == "No Sale"
    assert _agent(emulator, handle)["endAcwTime"] == "2026-01-01T10:00:07.000Z"
    assert emulator.wrapup_writes(handle.id) == 0


def test_apply_ui_wrapup_now_and_conflict_after_completion(emulator: Emulator, org: Org) -> None:
    """apply_ui_wrapup() closes pending ACW now; a second one is a 409 EmulatorError."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.apply_ui_wrapup(handle.id, org.codes["Sale"])
    assert _agent(emulator, handle)["calls"][0]["afterCallWork"]["state"] == "complete"
    with pytest.raises(EmulatorError) as exc:
        emulator.apply_ui_wrapup(handle.id, org.codes["No Sale"])
    assert exc.value.status == 409


def test_disconnect_after_none_waits_for_disconnect(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """disconnect_after=None keeps the call connected until emu.disconnect(); twice is a 409."""
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, disconnect_after=None, acw_delay=1
    )
    fake_clock.advance(1000)
    assert _agent(emulator, handle)["calls"][0]["state"] == "connected"
    emulator.disconnect(handle.id)
    customer = emulator.conversation_json(handle.id)["participants"][0]
    assert customer["calls"][0]["state"] == "disconnected"
    assert customer["calls"][0]["disconnectType"] == "peer"
    assert _agent(emulator, handle)["calls"][0]["afterCallWork"] == {"state": "unknown"}
    fake_clock.advance(1)
    assert _agent(emulator, handle)["calls"][0]["afterCallWork"]["state"] == "pending"
    with pytest.raises(EmulatorError) as exc:
        emulator.disconnect(handle.id)
    assert exc.value.status == 409


def test_every_agent_follows_the_timeline(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """With agents=2 both go pending and both time out; a UI wrap-up only touches the first."""
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, agents=2, acw_timeout=30, ui_wrapup=(10.0, org.codes["Sale"])
    )
    fake_clock.advance(30)
    first = emulator.wrapup(handle.id, handle.agent_participant_ids[0])
    second = emulator.wrapup(handle.id, handle.agent_participant_ids[1])
    assert first is not None
    assert first["code"] == org.codes["Sale"]
    assert second is not None
    assert second["code"] == "ININ-WRAP-UP-TIMEOUT"


def test_wrapup_not_required_is_not_applicable(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """wrapup_required=False: wrapupRequired false, afterCallWork notApplicable, no timeout."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, wrapup_required=False)
    fake_clock.advance(3600)
    agent = _agent(emulator, handle)
    assert agent["wrapupRequired"] is False
    assert agent["calls"][0]["afterCallWork"] == {"state": "notApplicable"}
    assert "wrapup" not in agent


def test_on_change_hook_sees_timeline_and_writes(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """Emulator.on_change(callback) hears creation, each transition and each write; unsubscribe stops it."""
    seen: list[str] = []
    unsubscribe = emulator.on_change(seen.append)
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, disconnect_after=5, acw_delay=1)
    assert seen == [handle.id]
    fake_clock.advance(5)
    fake_clock.advance(1)
    assert seen == [handle.id] * 3
    emulator.apply_ui_wrapup(handle.id, org.codes["Sale"])
    assert len(seen) == 4
    unsubscribe()
    emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert len(seen) == 4


def test_on_change_callback_runs_outside_the_lock(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """A callback may read the emulator state from another thread without deadlocking."""
    results: list[dict[str, Any]] = []

    def callback(conversation_id: str) -> None:
        worker = threading.Thread(target=lambda: results.append(emulator.conversation_json(conversation_id)))
        worker.start()
        worker.join(timeout=5)

    emulator.on_change(callback)
    emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert len(results) == 1


def test_one_advance_reports_each_step_with_its_state(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """A single long advance calls the hook once per transition, each seeing that step's state."""
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, disconnect_after=5, acw_delay=1, acw_timeout=30
    )
    states: list[Any] = []

    def record(_cid: str) -> None:
        states.append(_agent(emulator, handle)["calls"][0].get("afterCallWork", {}).get("state"))

    emulator.on_change(record)
    fake_clock.advance(3600)
    assert states == ["unknown", "pending", "complete"]


def test_real_clock_timeline_advances_without_requests(org_free_emulator: Emulator) -> None:
    """On the system clock a background thread applies transitions on time, with no request."""
    emu = org_free_emulator
    user = emu.add_user("Rea")
    changed = threading.Event()
    emu.on_change(lambda _cid: changed.set())
    handle = emu.add_conversation(user_id=user, disconnect_after=0.05, acw_delay=0.05, acw_timeout=0.05)
    deadline = time.monotonic() + 5
    while emu.state.conversations[handle.id].agents[0].wrapup is None and time.monotonic() < deadline:
        changed.wait(0.05)
        changed.clear()
    assert emu.state.conversations[handle.id].agents[0].wrapup is not None
    assert stored_wrapup(emu, handle.id)["code"] == "ININ-WRAP-UP-TIMEOUT"


@pytest.fixture(name="org_free_emulator")
def _org_free_emulator() -> Any:
    with Emulator() as emu:
        yield emu
