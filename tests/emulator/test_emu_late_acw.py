"""The emulator's late after-call work, parked communications and a trickled head (issue 16).

Through the official SDK over HTTP: writes before ACW opens are refused as Genesys refuses them
(409 ``general.conflict``, "The participant is not in a valid state for wrap-up"), with the gap
and the refusal configurable both ways; ``Emulator.park`` sets an email or message aside and opens
its ACW; ``trickle_next(head=True)`` sends even the status line and headers a byte at a time.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import Org, control, wrapup_input
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Emulator, EmulatorError
from wrapupkit.testing import FakeClock


def _post(api: Any, conversation_id: str, participant_id: str, communication_id: str, code: str) -> None:
    sdk.ConversationsApi(api).post_conversations_call_participant_communication_wrapup(
        conversation_id, participant_id, communication_id, body=wrapup_input(code)
    )


def _acw(emulator: Emulator, conversation_id: str) -> Any:
    agent = next(
        p for p in emulator.conversation_json(conversation_id)["participants"] if p["purpose"] == "agent"
    )
    comms = [c for key in ("calls", "emails", "messages") for c in agent.get(key) or ()]
    return comms[0].get("afterCallWork"), comms[0]["state"], agent.get("wrapupRequired")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gap=st.floats(min_value=0.5, max_value=10.0), strict=st.booleans())
def test_writes_before_a_late_acw_are_refused_then_accepted(
    *, emulator: Emulator, org: Org, strict_api: Any, fake_clock: FakeClock, gap: float, strict: bool
) -> None:
    """Configurable gap and refusal: 409 "not in a valid state" until ACW opens, then 202 once."""
    if strict:
        emulator.rules.update({"acw_gap_seconds": gap, "acw_gap_write": 409, "early_write": "accept"})
        handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, disconnect_after=0.0)
    else:
        emulator.rules.update({"acw_gap_seconds": 0.0, "early_write": 409})
        handle = emulator.add_conversation(
            user_id=org.user, queue_id=org.queue, disconnect_after=0.0, acw_delay=gap
        )
    ids = (handle.id, handle.agent_participant_id, handle.agent_communication_id)
    with pytest.raises(ApiException) as info:
        _post(strict_api, *ids, org.codes["Sale"])
    assert info.value.status == 409
    body = json.loads(info.value.body)
    assert (body["code"], body["message"]) == (
        "general.conflict",
        "The participant is not in a valid state for wrap-up",
    )
    acw, state, required = _acw(emulator, handle.id)
    assert state == "disconnected"
    assert acw is None if strict else acw == {"state": "unknown"}
    assert required is (not strict)
    fake_clock.advance(gap)
    _post(strict_api, *ids, org.codes["Sale"])
    assert emulator.wrapup_writes(handle.id) == 1


def test_early_writes_accepted_when_the_rule_says_so(emulator: Emulator, org: Org, strict_api: Any) -> None:
    """The other way: early_write="accept" records a write in the gap (ACW completes when it opens)."""
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, disconnect_after=0.0, acw_delay=6
    )
    _post(
        strict_api, handle.id, handle.agent_participant_id, handle.agent_communication_id, org.codes["Sale"]
    )
    assert emulator.wrapup_writes(handle.id) == 1


@pytest.mark.parametrize("media", ["email", "message"])
def test_park_sets_aside_and_opens_acw(
    emulator: Emulator, org: Org, fake_clock: FakeClock, media: str
) -> None:
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, media=media, disconnect_after=None, acw_delay=2.0
    )
    emulator.park(handle.id)
    acw, state, _ = _acw(emulator, handle.id)
    assert (state, acw) == ("parked", {"state": "unknown"})
    fake_clock.advance(2.0)
    acw, state, _ = _acw(emulator, handle.id)
    assert (state, acw["state"]) == ("parked", "pending")


def test_park_through_the_control_plane(emulator: Emulator, org: Org) -> None:
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, media="message", disconnect_after=None
    )
    status, _ = control(emulator, "POST", f"/conversations/{handle.id}/park", {})
    assert status in (200, 204)
    assert _acw(emulator, handle.id)[1] == "parked"


@pytest.mark.parametrize("media", ["call", "callback"])
def test_only_emails_and_messages_park(emulator: Emulator, org: Org, media: str) -> None:
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, media=media, disconnect_after=None
    )
    with pytest.raises(EmulatorError) as info:
        emulator.park(handle.id)
    assert info.value.status == 400


def test_a_parked_conversation_cannot_be_parked_again(emulator: Emulator, org: Org) -> None:
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, media="email", disconnect_after=None
    )
    emulator.park(handle.id)
    with pytest.raises(EmulatorError):
        emulator.park(handle.id)


def test_trickle_head_sends_the_status_line_a_byte_at_a_time(emulator: Emulator, org: Org) -> None:
    """With head=True even the status line trickles: the first read holds a byte or so, not the head."""
    token = emulator.issue_token()
    plain_path = f"/api/v2/routing/queues/{org.queue}/wrapupcodes"
    emulator.trickle_next("GET", "/wrapupcodes$", interval=0.2, head=True)  # a whole head: ~30 s
    parts = urlsplit(emulator.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", plain_path, headers={"Authorization": f"Bearer {token}"})
        sock = conn.sock
        assert sock is not None
        first = sock.recv(65536)
    finally:
        conn.close()  # the server's next write fails; it stops trickling
    assert first
    assert b"HTTP/1.1 200 OK".startswith(first)


def test_trickle_head_must_be_a_boolean(emulator: Emulator) -> None:
    with pytest.raises(EmulatorError):
        emulator.trickle_next("GET", "/x", head="yes")  # type: ignore[arg-type]
