"""The request log: exact entries, bodies, redaction, matching and clearing."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as sdk
from emulator_helpers import Org, control, sdk_client, wrapup_input

from wrapupkit.emulator import Emulator, RecordedRequest


def test_login_and_calls_are_logged_exactly(emulator: Emulator, org: Org) -> None:
    """A login, a GET and a POST give three entries with method, path, query, body and status."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    api = sdk_client(emulator)
    routing = sdk.RoutingApi(api)
    routing.get_routing_wrapupcodes(page_size=2, name="S*")
    sdk.ConversationsApi(api).post_conversations_call_participant_communication_wrapup(
        handle.id,
        handle.agent_participant_id,
        handle.agent_communication_id,
        body=wrapup_input(org.codes["Sale"]),
    )
    log = emulator.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("POST", "/oauth/token", 200),
        ("GET", "/api/v2/routing/wrapupcodes", 200),
        (
            "POST",
            f"/api/v2/conversations/calls/{handle.id}/participants/{handle.agent_participant_id}"
            f"/communications/{handle.agent_communication_id}/wrapup",
            202,
        ),
    ]
    assert log[0].body == {"grant_type": "client_credentials"}
    assert log[1].query == {"pageSize": "2", "name": "S*"}
    assert log[1].body is None
    assert log[2].body == {"code": org.codes["Sale"]}
    assert all(isinstance(r, RecordedRequest) for r in log)


def test_authorization_is_redacted(emulator: Emulator, org: Org, routing: Any) -> None:
    """Basic and Bearer credentials never reach the log."""
    routing.get_routing_queue(org.queue)
    for entry in emulator.requests:
        assert entry.headers["Authorization"] == "<redacted>"
        assert emulator.client_secret not in str(entry)
    assert emulator.requests[-1].headers["purecloud-sdk"] == "269.0.0"


def test_control_plane_calls_are_not_logged(emulator: Emulator, org: Org) -> None:
    """Python control methods and /__emulator__/ routes leave the log alone."""
    emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert control(emulator, "GET", "/info")[0] == 200
    assert control(emulator, "POST", "/codes", {"name": "X"})[0] == 200
    assert emulator.requests == []


def test_requests_matching_and_clear(emulator: Emulator, org: Org, routing: Any) -> None:
    """requests_matching filters by method and path regex; clear_requests() empties the log."""
    routing.get_routing_queue(org.queue)
    routing.get_routing_queue_wrapupcodes(org.queue)
    routing.get_routing_wrapupcodes()
    assert len(emulator.requests_matching("GET")) == 3
    assert len(emulator.requests_matching(path=r"/routing/queues/")) == 2
    assert len(emulator.requests_matching("get", r"wrapupcodes$")) == 2
    assert emulator.requests_matching("POST", r"/routing/") == []
    emulator.clear_requests()
    assert emulator.requests == []
