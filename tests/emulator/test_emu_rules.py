"""Every Rules field, both ways (the [INF] behaviours of genesys-api.md §2.3)."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_helpers import Org, Raw, raw_request, stored_wrapup

from wrapupkit.emulator import ConversationHandle, Emulator, Rules
from wrapupkit.testing import FakeClock


def _post(emulator: Emulator, handle: ConversationHandle, body: Any, *, segment: str = "calls") -> Raw:
    path = (
        f"/api/v2/conversations/{segment}/{handle.id}/participants/{handle.agent_participant_id}"
        f"/communications/{handle.agent_communication_id}/wrapup"
    )
    return raw_request(emulator, "POST", path, token=emulator.issue_token(), body=body)


def _acw(emulator: Emulator, handle: ConversationHandle) -> Any:
    agent = emulator.conversation_json(handle.id)["participants"][2]
    return agent[next(k for k in agent if isinstance(agent[k], list))][0].get("afterCallWork")


def test_defaults_follow_the_spec() -> None:
    """Rules() defaults are the genesys-api.md §2.3 emulator defaults."""
    assert Rules().as_dict() == {
        "early_write": "accept",
        "acw_level": "participant",
        "acw_not_requested": "notApplicable",
        "acw_gap_seconds": 0.0,
        "acw_gap_write": 409,
        "skipped_write": "accept",
        "not_applicable_write": "accept",
        "unanswered_write": 400,
        "acw_gap": "unknown",
        "code_not_in_queue_status": 400,
        "wrong_media_status": 400,
        "second_write": "overwrite",
        "after_acw_closed_write": "accept",
        "unknown_fields": "ignore",
        "no_wrapup_read": "empty",
        "page_size_cap": 100,
        "name_filter_case_sensitive": False,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("early_write", 404),
        ("early_write", True),
        ("acw_gap", "none"),
        ("wrong_media_status", 409),
        ("second_write", "accept"),
        ("after_acw_closed_write", 500),
        ("unknown_fields", "drop"),
        ("no_wrapup_read", 204),
        ("page_size_cap", 0),
        ("code_not_in_queue_status", 400.0),
    ],
)
def test_invalid_rule_values_are_refused(field: str, value: object) -> None:
    """Assigning a value outside a rule's choices raises ValueError and keeps the old value."""
    rules = Rules()
    before = getattr(rules, field)
    with pytest.raises(ValueError, match=field):
        setattr(rules, field, value)
    assert getattr(rules, field) == before


def test_reset_and_update() -> None:
    """update() sets several rules; reset() restores every default in place; unknown names raise."""
    rules = Rules()
    rules.update({"early_write": 409, "page_size_cap": 5})
    assert (rules.early_write, rules.page_size_cap) == (409, 5)
    rules.reset()
    assert rules == Rules()
    with pytest.raises(KeyError):
        rules.update({"nope": 1})


def test_early_write_accept_records_and_closes_acw_on_start(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """early_write="accept": a write while connected is stored; ACW completes as soon as it would start."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, disconnect_after=30, acw_delay=2)
    assert _post(emulator, handle, {"code": org.codes["Sale"]}).status == 202
    assert _acw(emulator, handle) is None
    fake_clock.advance(32)
    acw = _acw(emulator, handle)
    assert acw["state"] == "complete"
    assert acw["startTime"] == acw["endTime"] == "2026-01-01T10:00:32.000Z"
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]


@pytest.mark.parametrize(("status", "code"), [(400, "bad.request"), (409, "general.conflict")])
@pytest.mark.parametrize("phase", ["connected", "gap"])
def test_early_write_errors(emulator: Emulator, org: Org, status: int, code: str, phase: str) -> None:
    """early_write=400/409 refuses writes while connected and in the gap before ACW."""
    emulator.rules.early_write = status
    disconnect_after = None if phase == "connected" else 0.0
    handle = emulator.add_conversation(
        user_id=org.user, queue_id=org.queue, disconnect_after=disconnect_after, acw_delay=5
    )
    response = _post(emulator, handle, {"code": org.codes["Sale"]})
    assert response.status == status
    assert response.body["code"] == code
    assert emulator.wrapup(handle.id) is None


def test_early_write_does_not_affect_pending(emulator: Emulator, org: Org) -> None:
    """early_write=409 leaves writes during ACW pending alone."""
    emulator.rules.early_write = 409
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert _post(emulator, handle, {"code": org.codes["Sale"]}).status == 202


@pytest.mark.parametrize(("gap", "expected"), [("unknown", {"state": "unknown"}), ("absent", None)])
def test_acw_gap(emulator: Emulator, org: Org, gap: str, expected: Any) -> None:
    """acw_gap: afterCallWork is {"state": "unknown"} or absent between disconnect and pending."""
    emulator.rules.acw_gap = gap
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, acw_delay=3)
    assert _acw(emulator, handle) == expected


@pytest.mark.parametrize(
    ("status", "code"), [(400, "bad.request"), (404, "not.found"), (409, "general.conflict")]
)
def test_code_not_in_queue_status(emulator: Emulator, org: Org, status: int, code: str) -> None:
    """code_not_in_queue_status picks the status (and generic code) for an invalid code."""
    emulator.rules.code_not_in_queue_status = status
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    response = _post(emulator, handle, {"code": org.codes["Other"]})
    assert (response.status, response.body["code"]) == (status, code)


def test_unknown_code_uses_the_same_rule(emulator: Emulator, org: Org) -> None:
    """A code id the org does not have is answered like a code outside the queue."""
    emulator.rules.code_not_in_queue_status = 409
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert _post(emulator, handle, {"code": "ghost"}).status == 409


@pytest.mark.parametrize(("status", "code"), [(400, "bad.request"), (404, "not.found")])
def test_wrong_media_status(emulator: Emulator, org: Org, status: int, code: str) -> None:
    """wrong_media_status answers a calls path used for a message conversation."""
    emulator.rules.wrong_media_status = status
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, media="message")
    response = _post(emulator, handle, {"code": org.codes["Sale"]}, segment="calls")
    assert (response.status, response.body["code"]) == (status, code)
    assert _post(emulator, handle, {"code": org.codes["Sale"]}, segment="messages").status == 202


def test_second_write_overwrite(emulator: Emulator, org: Org) -> None:
    """second_write="overwrite": a re-POST replaces the API wrap-up and counts as a write."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert _post(emulator, handle, {"code": org.codes["Sale"]}).status == 202
    assert _post(emulator, handle, {"code": org.codes["No Sale"]}).status == 202
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["No Sale"]
    assert emulator.wrapup_writes(handle.id) == 2


@pytest.mark.parametrize(("status", "code"), [(400, "bad.request"), (409, "general.conflict")])
def test_second_write_errors(emulator: Emulator, org: Org, status: int, code: str) -> None:
    """second_write=409/400 refuses a re-POST after this participant's API wrap-up; the first stays."""
    emulator.rules.second_write = status
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    assert _post(emulator, handle, {"code": org.codes["Sale"]}).status == 202
    response = _post(emulator, handle, {"code": org.codes["No Sale"]})
    assert (response.status, response.body["code"]) == (status, code)
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]
    assert emulator.wrapup_writes(handle.id) == 1


def test_second_write_rule_ignores_ui_wrapups(emulator: Emulator, org: Org) -> None:
    """second_write=409 does not apply when the agent (not the API) closed ACW."""
    emulator.rules.second_write = 409
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.apply_ui_wrapup(handle.id, org.codes["Sale"])
    assert _post(emulator, handle, {"code": org.codes["No Sale"]}).status == 202


def test_after_acw_closed_write_accept(emulator: Emulator, org: Org, fake_clock: FakeClock) -> None:
    """after_acw_closed_write="accept": a write after ININ-WRAP-UP-TIMEOUT replaces it."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, acw_timeout=10)
    fake_clock.advance(10)
    assert stored_wrapup(emulator, handle.id)["code"] == "ININ-WRAP-UP-TIMEOUT"
    assert _post(emulator, handle, {"code": org.codes["Sale"]}).status == 202
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]
    assert _acw(emulator, handle)["state"] == "complete"


@pytest.mark.parametrize(
    ("status", "code"), [(400, "bad.request"), (403, "not.authorized"), (409, "general.conflict")]
)
@pytest.mark.parametrize("closer", ["ui", "timeout"])
def test_after_acw_closed_write_errors(
    emulator: Emulator, org: Org, fake_clock: FakeClock, *, status: int, code: str, closer: str
) -> None:
    """after_acw_closed_write=400/403/409 refuses writes once the agent or the platform closed ACW."""
    emulator.rules.after_acw_closed_write = status
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue, acw_timeout=10)
    if closer == "ui":
        emulator.apply_ui_wrapup(handle.id, org.codes["No Sale"])
    else:
        fake_clock.advance(10)
    response = _post(emulator, handle, {"code": org.codes["Sale"]})
    assert (response.status, response.body["code"]) == (status, code)
    assert stored_wrapup(emulator, handle.id)["code"] != org.codes["Sale"]


def test_unknown_fields_ignore_then_code_missing(emulator: Emulator, org: Org) -> None:
    """unknown_fields="ignore": a forum-style wrapUpCodeId body is read as "no code" (400)."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    response = _post(emulator, handle, {"wrapUpCodeId": org.codes["Sale"]})
    assert response.status == 400
    assert response.body["message"] == "A wrap-up code is required."
    assert _post(emulator, handle, {"code": org.codes["Sale"], "wrapUpNote": "x"}).status == 202


def test_unknown_fields_reject(emulator: Emulator, org: Org) -> None:
    """unknown_fields="reject": any key outside WrapupInput / MediaParticipantRequest is 400."""
    emulator.rules.unknown_fields = "reject"
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    response = _post(emulator, handle, {"code": org.codes["Sale"], "wrapUpNote": "x"})
    assert response.status == 400
    assert response.body["message"] == "Unrecognized field(s): wrapUpNote"
    path = f"/api/v2/conversations/{handle.id}/participants/{handle.agent_participant_id}"
    patched = raw_request(
        emulator,
        "PATCH",
        path,
        token=emulator.issue_token(),
        body={"wrapup": {"code": "x"}, "disposition": 1},
    )
    assert patched.status == 400
    assert emulator.wrapup(handle.id) is None


@pytest.mark.parametrize(("rule", "status", "body"), [("empty", 200, {}), (404, 404, None)])
def test_no_wrapup_read(emulator: Emulator, org: Org, rule: Any, status: int, body: Any) -> None:
    """no_wrapup_read: GET of a missing wrap-up is 200 {} or 404 not.found."""
    emulator.rules.no_wrapup_read = rule
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    path = f"/api/v2/conversations/{handle.id}/participants/{handle.agent_participant_id}/wrapup"
    response = raw_request(emulator, "GET", path, token=emulator.issue_token())
    assert response.status == status
    if body is not None:
        assert response.body == body
    else:
        assert response.body["code"] == "not.found"


@pytest.mark.parametrize(("cap", "asked", "served"), [(100, 500, 100), (10, 50, 10), (100, 7, 7)])
def test_page_size_cap(emulator: Emulator, cap: int, asked: int, served: int) -> None:
    """page_size_cap clamps pageSize and the listing says the size it used."""
    for n in range(120):
        emulator.add_code(f"C{n:03}")
    emulator.rules.page_size_cap = cap
    response = raw_request(
        emulator, "GET", f"/api/v2/routing/wrapupcodes?pageSize={asked}", token=emulator.issue_token()
    )
    assert response.body["pageSize"] == served
    assert len(response.body["entities"]) == served


@pytest.mark.parametrize(("sensitive", "found"), [(False, ["Sale"]), (True, [])])
def test_name_filter_case_sensitivity(
    emulator: Emulator, org: Org, sensitive: bool, found: list[str]
) -> None:
    """name_filter_case_sensitive decides whether name=sale finds "Sale"."""
    emulator.rules.name_filter_case_sensitive = sensitive
    response = raw_request(
        emulator, "GET", "/api/v2/routing/wrapupcodes?name=sale", token=emulator.issue_token()
    )
    assert [c["name"] for c in response.body["entities"]] == found
