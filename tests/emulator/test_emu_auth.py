"""OAuth client credentials, bearer tokens (401) and permissions (403)."""

from __future__ import annotations

import base64
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import Org, client_with_token, error_of, raw_request, sdk_client, stored_wrapup
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_sdk_client_credentials_login_returns_a_working_token(emulator: Emulator, org: Org) -> None:
    """get_client_credentials_token() gets a bearer token the API accepts."""
    api = sdk_client(emulator)
    assert api.access_token
    queue = sdk.RoutingApi(api).get_routing_queue(org.queue)
    assert queue.name == "Support"


def test_token_response_shape(emulator: Emulator) -> None:
    """/oauth/token answers access_token, token_type bearer and expires_in."""
    form = b"grant_type=client_credentials"
    headers = {
        "Authorization": _basic(emulator.client_id, emulator.client_secret),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = raw_request(emulator, "POST", "/oauth/token", data=form, headers=headers)
    assert response.status == 200
    assert set(response.body) == {"access_token", "token_type", "expires_in"}
    assert response.body["token_type"] == "bearer"
    assert response.body["expires_in"] == 86400


def test_bad_client_secret_is_401_invalid_client(emulator: Emulator) -> None:
    """A wrong secret gets an OAuth-style 401 error from the login service."""
    api = sdk_client(emulator, login=False)
    with pytest.raises(ApiException) as exc:
        api.get_client_credentials_token(emulator.client_id, "wrong")
    assert exc.value.status == 401
    assert error_of(exc)["error"] == "invalid_client"


def test_unknown_client_is_401(emulator: Emulator) -> None:
    """An unknown client id is refused."""
    api = sdk_client(emulator, login=False)
    with pytest.raises(ApiException) as exc:
        api.get_client_credentials_token("nobody", "x")
    assert exc.value.status == 401


def test_wrong_grant_type_is_400(emulator: Emulator) -> None:
    """Only the client-credentials grant is supported."""
    headers = {
        "Authorization": _basic(emulator.client_id, emulator.client_secret),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = raw_request(emulator, "POST", "/oauth/token", data=b"grant_type=password", headers=headers)
    assert response.status == 400
    assert response.body["error"] == "unsupported_grant_type"


def test_missing_basic_auth_is_401(emulator: Emulator) -> None:
    """The token endpoint needs HTTP Basic client authentication."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = raw_request(
        emulator, "POST", "/oauth/token", data=b"grant_type=client_credentials", headers=headers
    )
    assert response.status == 401


def test_missing_bearer_is_authentication_required(emulator: Emulator, org: Org) -> None:
    """No Authorization header: 401 ErrorBody with code authentication.required."""
    response = raw_request(emulator, "GET", f"/api/v2/routing/queues/{org.queue}")
    assert response.status == 401
    assert response.body["code"] == "authentication.required"
    assert response.body["status"] == 401
    assert response.body["contextId"] == response.headers["ININ-Correlation-Id"]
    assert response.body["details"] == []
    assert response.body["errors"] == []


def test_unknown_token_is_bad_credentials(emulator: Emulator, org: Org) -> None:
    """An unknown bearer token: 401 bad.credentials through the SDK."""
    routing = sdk.RoutingApi(client_with_token(emulator, "not-a-token"))
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queue(org.queue)
    assert exc.value.status == 401
    assert error_of(exc)["code"] == "bad.credentials"


def test_expire_tokens_makes_current_tokens_401(emulator: Emulator, org: Org, routing: Any) -> None:
    """After expire_tokens() the old token fails and a fresh login works again."""
    assert routing.get_routing_queue(org.queue).id == org.queue
    emulator.expire_tokens()
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queue(org.queue)
    assert exc.value.status == 401
    assert sdk.RoutingApi(sdk_client(emulator)).get_routing_queue(org.queue).id == org.queue


def test_token_ttl_runs_on_the_emulator_clock(emulator: Emulator, fake_clock: FakeClock, org: Org) -> None:
    """A client's token_ttl expires the token when the fake clock passes it."""
    emulator.add_client("short", "s3cret", token_ttl=60)
    api = sdk.ApiClient(host=emulator.url)
    api.get_client_credentials_token("short", "s3cret")
    routing = sdk.RoutingApi(api)
    fake_clock.advance(59)
    assert routing.get_routing_queue(org.queue).id == org.queue
    fake_clock.advance(1)
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queue(org.queue)
    assert exc.value.status == 401


def test_issue_token_gives_a_direct_bearer_token(emulator: Emulator, org: Org) -> None:
    """issue_token() returns a token usable without the OAuth round trip."""
    routing = sdk.RoutingApi(client_with_token(emulator, emulator.issue_token()))
    assert routing.get_routing_queue(org.queue).name == "Support"


def test_post_wrapup_without_permission_is_missing_any_permissions(emulator: Emulator, org: Org) -> None:
    """POST wrap-up needs conversation:participant:wrapup; the 403 names it."""
    conv = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    token = emulator.issue_token(permissions=["routing:queue:view"])
    body = sdk.WrapupInput()
    body.code = org.codes["Sale"]
    conversations = sdk.ConversationsApi(client_with_token(emulator, token))
    with pytest.raises(ApiException) as exc:
        conversations.post_conversations_call_participant_communication_wrapup(
            conv.id, conv.agent_participant_id, conv.agent_communication_id, body=body
        )
    error = error_of(exc)
    assert exc.value.status == 403
    assert error["code"] == "missing.any.permissions"
    assert error["message"] == (
        "You must have at least one of the following permissions assigned: conversation:participant:wrapup"
    )
    assert error["messageParams"] == {"permissions": "conversation:participant:wrapup"}
    assert emulator.wrapup(conv.id) is None


def test_patch_participant_accepts_any_of_its_permissions(emulator: Emulator, org: Org) -> None:
    """PATCH participant works with conversation:call:record alone (ANY of three)."""
    conv = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    token = emulator.issue_token(permissions=["conversation:call:record"])
    request = sdk.MediaParticipantRequest()
    request.wrapup = sdk.WrapupInput()
    request.wrapup.code = org.codes["Sale"]
    sdk.ConversationsApi(client_with_token(emulator, token)).patch_conversation_participant(
        conv.id, conv.agent_participant_id, request
    )
    assert stored_wrapup(emulator, conv.id)["code"] == org.codes["Sale"]


def test_patch_participant_without_any_permission_is_403(emulator: Emulator, org: Org) -> None:
    """PATCH participant with none of its permissions lists all three in the 403."""
    conv = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    token = emulator.issue_token(permissions=[])
    response = raw_request(
        emulator,
        "PATCH",
        f"/api/v2/conversations/{conv.id}/participants/{conv.agent_participant_id}",
        token=token,
        body={"wrapup": {"code": org.codes["Sale"]}},
    )
    assert response.status == 403
    assert response.body["messageParams"]["permissions"] == (
        "conversation:participant:wrapup, conversation:call:record, conversation:communication:disconnect"
    )


def test_email_patch_also_accepts_email_park(emulator: Emulator, org: Org) -> None:
    """PATCH …/emails/…/participants/{pid} also accepts conversation:email:park."""
    conv = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media="email")
    token = emulator.issue_token(permissions=["conversation:email:park"])
    response = raw_request(
        emulator,
        "PATCH",
        f"/api/v2/conversations/emails/{conv.id}/participants/{conv.agent_participant_id}",
        token=token,
        body={"wrapup": {"code": org.codes["Sale"]}},
    )
    assert response.status == 202


@pytest.mark.parametrize(
    ("path_template", "permission"),
    [
        ("/api/v2/routing/queues/{queue}", "routing:queue:view"),
        ("/api/v2/routing/queues/{queue}/wrapupcodes", "routing:queue:view"),
        ("/api/v2/routing/wrapupcodes", "routing:wrapupCode:view"),
        ("/api/v2/routing/wrapupcodes/{code}", "routing:wrapupCode:view"),
    ],
    ids=["queue", "queue-codes", "org-codes", "one-code"],
)
def test_routing_routes_need_their_permission(
    emulator: Emulator, org: Org, path_template: str, permission: str
) -> None:
    """Routing GETs need ALL of their permission: 403 missing.permissions without, 200 with."""
    path = path_template.format(queue=org.queue, code=org.codes["Sale"])
    denied = raw_request(emulator, "GET", path, token=emulator.issue_token(permissions=[]))
    assert denied.status == 403
    assert denied.body["code"] == "missing.permissions"
    assert denied.body["messageParams"] == {"permissions": permission}
    allowed = raw_request(emulator, "GET", path, token=emulator.issue_token(permissions=[permission]))
    assert allowed.status == 200


def test_get_conversation_needs_communication_view(emulator: Emulator, org: Org) -> None:
    """GET /conversations/{id} needs conversation:communication:view."""
    conv = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    path = f"/api/v2/conversations/{conv.id}"
    assert raw_request(emulator, "GET", path, token=emulator.issue_token(permissions=[])).status == 403
    token = emulator.issue_token(permissions=["conversation:communication:view"])
    assert raw_request(emulator, "GET", path, token=token).status == 200


@pytest.mark.parametrize(
    "path_template",
    [
        "/api/v2/conversations/calls/{cid}",
        "/api/v2/conversations/{cid}/participants/{pid}/wrapup",
        "/api/v2/conversations/{cid}/participants/{pid}/wrapupcodes",
        "/api/v2/conversations/calls/{cid}/participants/{pid}/communications/{mid}/wrapup",
    ],
    ids=["call", "wrapup", "wrapupcodes", "communication-wrapup"],
)
def test_no_permission_routes_need_only_a_token(emulator: Emulator, org: Org, path_template: str) -> None:
    """Routes documented as "no permissions" answer 200 to a token without permissions, 401 without one."""
    conv = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    path = path_template.format(cid=conv.id, pid=conv.agent_participant_id, mid=conv.agent_communication_id)
    assert raw_request(emulator, "GET", path, token=emulator.issue_token(permissions=[])).status == 200
    assert raw_request(emulator, "GET", path).status == 401
