"""The HTTP control plane under /__emulator__/ (driven with urllib.request, as a non-Python client would)."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import control, raw_request, stored_wrapup

from wrapupkit.emulator import ConversationHandle, Emulator
from wrapupkit.testing import FakeClock


def test_info_reports_url_client_and_clock(emulator: Emulator) -> None:
    """GET /info gives the URL, the default client and the clock kind."""
    status, info = control(emulator, "GET", "/info")
    assert status == 200
    assert info["url"] == emulator.url
    assert (info["client_id"], info["client_secret"]) == (emulator.client_id, emulator.client_secret)
    assert info["clock"] == "fake"


def test_seed_one_by_one_and_use_it_through_the_sdk(emulator: Emulator, api: Any) -> None:
    """codes, queues, users and conversations seeded over HTTP are served by the API."""
    code = control(emulator, "POST", "/codes", {"name": "Sale", "id": "code-1"})[1]["id"]
    assert code == "code-1"
    queue = control(
        emulator, "POST", "/queues", {"name": "Q", "codes": [code], "wrapup_prompt": "MANDATORY"}
    )[1]
    user = control(emulator, "POST", "/users", {"name": "Ada"})[1]
    status, handle = control(
        emulator, "POST", "/conversations", {"user_id": user["id"], "queue_id": queue["id"], "media": "email"}
    )
    assert status == 200
    conv = ConversationHandle.from_json(handle)
    assert conv.media == "email"
    assert sdk.RoutingApi(api).get_routing_queue(queue["id"]).acw_settings.wrapup_prompt == "MANDATORY"
    fetched = sdk.ConversationsApi(api).get_conversation(conv.id)
    assert fetched.participants[2].emails[0].id == conv.agent_communication_id


def test_seed_document(emulator: Emulator) -> None:
    """POST /seed applies rules, codes, users, queues, clients and conversations in one call."""
    document = {
        "rules": {"early_write": 409},
        "codes": [{"name": "Sale", "id": "c1"}, {"name": "Lost", "id": "c2"}],
        "users": [{"name": "Ada", "id": "u1"}],
        "queues": [{"name": "Q", "id": "q1", "codes": ["c1"]}],
        "clients": [{"client_id": "ci", "client_secret": "cs", "permissions": ["routing:queue:view"]}],
        "conversations": [{"user_id": "u1", "queue_id": "q1", "id": "conv-1", "disconnect_after": None}],
    }
    status, result = control(emulator, "POST", "/seed", document)
    assert status == 200
    assert [c["id"] for c in result["codes"]] == ["c1", "c2"]
    assert result["conversations"][0]["id"] == "conv-1"
    assert emulator.rules.early_write == 409
    api = sdk.ApiClient(host=emulator.url)
    api.get_client_credentials_token("ci", "cs")
    assert sdk.RoutingApi(api).get_routing_queue("q1").name == "Q"
    conversation = emulator.conversation_json("conv-1")
    assert conversation["participants"][2]["calls"][0]["state"] == "connected"


def test_queue_codes_tokens_disconnect_and_ui_wrapup(emulator: Emulator) -> None:
    """PUT queue codes, mint/expire tokens, disconnect and apply a UI wrap-up over HTTP."""
    emulator.seed(
        {"codes": [{"name": "A", "id": "a"}, {"name": "B", "id": "b"}], "users": [{"name": "U", "id": "u"}]}
    )
    emulator.add_queue("Q", id="q", codes=["a"])
    assert control(emulator, "PUT", "/queues/q/codes", {"codes": ["b"]})[0] == 200
    assert emulator.state.queues["q"].code_ids == ["b"]
    token = control(emulator, "POST", "/tokens", {"permissions": []})[1]["access_token"]
    assert (
        raw_request(emulator, "GET", "/api/v2/conversations/x/participants/y/wrapup", token=token).status
        == 404
    )
    assert control(emulator, "POST", "/tokens/expire")[0] == 200
    assert raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token).status == 401
    handle = emulator.add_conversation(user_id="u", queue_id="q", disconnect_after=None, id="c")
    assert control(emulator, "POST", "/conversations/c/disconnect")[0] == 200
    assert control(emulator, "POST", "/conversations/c/ui-wrapup", {"code_id": "b"})[0] == 200
    status, wrapup = control(emulator, "GET", "/conversations/c/wrapup")
    assert status == 200
    assert wrapup["participant_id"] == handle.agent_participant_id
    assert (wrapup["wrapup"]["code"], wrapup["source"], wrapup["writes"]) == ("b", "ui", 0)
    assert control(emulator, "GET", "/conversations/c")[1] == emulator.conversation_json("c")


def test_clients_over_http(emulator: Emulator) -> None:
    """POST /clients adds a client-credentials client that can log in."""
    assert control(emulator, "POST", "/clients", {"client_id": "x", "client_secret": "y"})[0] == 200
    api = sdk.ApiClient(host=emulator.url)
    api.get_client_credentials_token("x", "y")
    assert api.access_token


def test_rules_read_and_patch(emulator: Emulator) -> None:
    """GET/PATCH /rules read and change the same Rules object; bad values are 400."""
    assert control(emulator, "GET", "/rules")[1]["second_write"] == "overwrite"
    status, rules = control(emulator, "PATCH", "/rules", {"second_write": 409, "acw_gap": "absent"})
    assert status == 200
    assert rules["second_write"] == 409
    assert (emulator.rules.second_write, emulator.rules.acw_gap) == (409, "absent")
    status, error = control(emulator, "PATCH", "/rules", {"second_write": "maybe"})
    assert status == 400
    assert error["code"] == "bad.request"
    assert control(emulator, "PATCH", "/rules", {"nope": 1})[0] == 400


def test_faults_over_http(emulator: Emulator) -> None:
    """fail-next, rate-limit, latency, stall and reset faults can be scheduled, listed and cleared."""
    token = emulator.issue_token()
    assert (
        control(
            emulator, "POST", "/faults/fail-next", {"method": "GET", "path": "wrapupcodes", "status": 502}
        )[0]
        == 200
    )
    assert raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token).status == 502
    assert control(emulator, "POST", "/faults/rate-limit", {"requests": 1})[0] == 200
    assert control(emulator, "POST", "/faults/latency", {"seconds": 0})[0] == 200
    assert (
        control(emulator, "POST", "/faults/stall", {"method": "GET", "path": "x", "seconds": 0.0})[0] == 200
    )
    assert control(emulator, "POST", "/faults/reset", {"method": "GET", "path": "y", "times": 2})[0] == 200
    faults = control(emulator, "GET", "/faults")[1]
    assert [f["kind"] for f in faults["faults"]] == ["stall", "reset"]
    assert faults["rate_limit"] == [1, 60.0]
    assert raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token).status == 200
    assert raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token).status == 429
    assert control(emulator, "DELETE", "/faults")[0] == 200
    assert raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token).status == 200
    assert control(emulator, "POST", "/faults/fail-next", {"method": "GET"})[0] == 400


def test_requests_log_over_http(emulator: Emulator) -> None:
    """GET /requests lists the log (filterable); DELETE clears it."""
    token = emulator.issue_token()
    raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token)
    raw_request(emulator, "GET", "/api/v2/routing/queues/q", token=token)
    status, entries = control(emulator, "GET", "/requests?path=queues")
    assert status == 200
    assert [(e["path"], e["status"]) for e in entries] == [("/api/v2/routing/queues/q", 404)]
    assert entries[0]["headers"]["Authorization"] == "<redacted>"
    assert control(emulator, "DELETE", "/requests")[0] == 200
    assert emulator.requests == []


def test_clock_advance_plays_the_timeline(emulator: Emulator, fake_clock: FakeClock) -> None:
    """POST /clock/advance moves the fake clock and applies due transitions."""
    emulator.seed({"users": [{"name": "U", "id": "u"}]})
    handle = emulator.add_conversation(user_id="u", acw_timeout=30)
    status, now = control(emulator, "POST", "/clock/advance", {"seconds": 30})
    assert status == 200
    assert now["monotonic"] == fake_clock.monotonic() == 30
    assert stored_wrapup(emulator, handle.id)["code"] == "ININ-WRAP-UP-TIMEOUT"
    assert control(emulator, "POST", "/clock/advance", {"seconds": -1})[0] == 400


def test_clock_advance_is_409_on_a_real_clock() -> None:
    """A real clock cannot be advanced: 409 general.conflict."""
    with Emulator() as emu:
        status, error = control(emu, "POST", "/clock/advance", {"seconds": 1})
    assert status == 409
    assert error["code"] == "general.conflict"


def test_reset_over_http(emulator: Emulator) -> None:
    """POST /reset clears everything but the default client."""
    emulator.add_code("Sale")
    assert control(emulator, "POST", "/reset")[0] == 200
    assert emulator.state.codes == {}
    api = sdk.ApiClient(host=emulator.url)
    api.get_client_credentials_token(emulator.client_id, emulator.client_secret)
    assert api.access_token


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/nothing", None, 404),
        ("POST", "/codes", {}, 400),
        ("POST", "/codes", {"name": 5}, 400),
        ("POST", "/conversations", {"user_id": "ghost"}, 400),
        ("POST", "/conversations/ghost/disconnect", None, 404),
        ("POST", "/conversations", {"user_id": "u", "ui_wrapup": [1]}, 400),
    ],
    ids=["unknown-route", "missing-name", "wrong-type", "unknown-user", "unknown-conversation", "bad-ui"],
)
def test_control_errors_are_error_bodies(
    emulator: Emulator, method: str, path: str, body: Any, status: int
) -> None:
    """Bad control calls answer an ErrorBody with the right status."""
    emulator.add_user("U", id="u")
    got, error = control(emulator, method, path, body)
    assert got == status
    assert error["status"] == status
    assert error["contextId"]


def test_control_json_is_checked_against_the_operation_signature(emulator: Emulator) -> None:
    """A control body is the operation's keyword arguments: unknown keys and wrong types are 400s."""
    status, error = control(emulator, "POST", "/codes", {"name": "Sale", "colour": "red"})
    assert (status, error["message"]) == (400, "unknown field(s): colour")
    status, error = control(emulator, "POST", "/queues", {"name": "Q", "timeout_ms": "soon"})
    assert (status, error["message"]) == (400, "timeout_ms must be an integer")
    status, error = control(emulator, "POST", "/queues", {"name": "Q", "codes": "a,b"})
    assert (status, error["message"]) == (400, "codes must be a list")
    status, error = control(emulator, "POST", "/notifications/settings", {"max_topics": 0})
    assert status == 400
    assert emulator.state.codes == {}


def test_acw_request_over_http(emulator: Emulator) -> None:
    """POST /conversations/{id}/aftercallwork is Emulator.request_acw (only while connected)."""
    emulator.add_user("U", id="u")
    queue = emulator.add_queue("Q", wrapup_prompt="AGENT_REQUESTED")
    handle = emulator.add_conversation(user_id="u", queue_id=queue, disconnect_after=None, id="c")
    body = {
        "participant_id": handle.agent_participant_id,
        "communication_id": handle.agent_communication_id,
        "required": True,
    }
    assert control(emulator, "POST", "/conversations/c/aftercallwork", body)[0] == 200
    emulator.disconnect("c")
    assert (
        emulator.conversation_json("c")["participants"][2]["calls"][0]["afterCallWork"]["state"] == "pending"
    )
    assert control(emulator, "POST", "/conversations/c/aftercallwork", body)[0] == 400  # no longer connected


def test_seed_document_with_shapes(emulator: Emulator) -> None:
    """A seed document's "shapes" are Shape fields; the result lists their handles."""
    document = {
        "users": [{"name": "Ada", "id": "u1"}],
        "queues": [{"name": "Q", "id": "q1"}],
        "shapes": [
            {
                "id": "s1",
                "legs": [
                    {"purpose": "customer", "comms": [{"alert": None, "connect": 0}]},
                    {"user_id": "u1", "queue_id": "q1", "comms": [{"connect": None, "disconnect": 15}]},
                ],
            }
        ],
    }
    result = emulator.seed(document)
    assert [leg["purpose"] for leg in result["shapes"][0]["legs"]] == ["customer", "agent"]
    emulator.advance(15)
    agent = emulator.conversation_json("s1")["participants"][1]
    assert agent["calls"][0]["disconnectType"] == "system"
    assert "connectedTime" not in agent["calls"][0]
    assert control(emulator, "POST", "/seed", {"shapes": [{"legs": []}]})[0] == 400
