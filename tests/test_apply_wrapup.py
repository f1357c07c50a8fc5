"""apply_wrapup() end to end: the official SDK over real HTTP against the emulator, on a fake clock."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

import wrapupkit
from wrapupkit import (
    AlreadyWrappedUp,
    Decision,
    Immediate,
    InteractionTypeMismatch,
    MediaType,
    Optimistic,
    Polling,
    ReadinessStrategy,
    ReadinessTimeout,
    RetryPolicy,
    UnknownWrapupCode,
    WrapupClient,
)
from wrapupkit import exceptions as exc
from wrapupkit.testing import FakeClock


@pytest.fixture(name="client")
def _client(emu: Any, clock: FakeClock) -> WrapupClient:
    return WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    )


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    """A queue with three codes and an agent."""
    ids = {name: emu.add_code(name) for name in ("Survey Complete", "Sale", "No Sale")}
    ids["Not In Queue"] = emu.add_code("Not In Queue")
    ids["queue"] = emu.add_queue("Support", codes=[ids["Survey Complete"], ids["Sale"], ids["No Sale"]])
    ids["user"] = emu.add_user("Agent Smith")
    return ids


def posts(emu: Any) -> list[Any]:
    return emu.requests_matching(method="POST", path=r"/wrapup$")


def test_applies_a_code_by_name_on_the_call_endpoint(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """A code name becomes its id in a WrapupInput POSTed to the calls endpoint, once."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    result = client.apply_wrapup(conv.id, "Sale", notes="sold 2 seats", tags=["upsell"], duration=42)
    assert result.code == wrapupkit.WrapupCode(id=org["Sale"], name="Sale")
    assert (result.participant_id, result.communication_id) == (
        conv.agent_participant_id,
        conv.agent_communication_id,
    )
    assert result.media_type is MediaType.CALL
    assert (result.already_applied, result.attempts, result.queue_id) == (False, 1, org["queue"])
    [post] = posts(emu)
    assert post.path == (
        f"/api/v2/conversations/calls/{conv.id}/participants/{conv.agent_participant_id}"
        f"/communications/{conv.agent_communication_id}/wrapup"
    )
    assert post.body == {
        "code": org["Sale"],
        "name": "Sale",
        "notes": "sold 2 seats",
        "tags": ["upsell"],
        "durationSeconds": 42,
    }
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    assert emu.wrapup_writes(conv.id) == 1


def test_warm_cache_needs_two_requests_per_wrapup(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """With the token and the queue's codes cached, a wrap-up is one GET and one POST."""
    first = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    second = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    cold = client.apply_wrapup(first.id, "Sale")
    emu.clear_requests()
    warm = client.apply_wrapup(second.id, "No Sale")
    assert cold.requests == 4  # token, conversation, queue codes, POST
    assert warm.requests == 2
    assert [r.method for r in emu.requests] == ["GET", "POST"]


def test_waits_through_the_race_then_writes_once(
    emu: Any, clock: FakeClock, client: WrapupClient, org: dict[str, str]
) -> None:
    """The call ended but ACW is not pending yet and early writes fail: Polling waits, then writes once."""
    emu.rules.early_write = 400
    conv = emu.add_conversation(
        user_id=org["user"], queue_id=org["queue"], disconnect_after=0.0, acw_delay=1.5
    )
    result = client.apply_wrapup(conv.id, "Survey Complete")  # the gap is shorter than unclear_grace
    assert result.attempts == 1
    assert len(posts(emu)) == 1
    assert result.waited >= 1.5
    assert clock.sleeps  # it slept on the fake clock, never for real
    assert emu.wrapup(conv.id)["code"] == org["Survey Complete"]


def test_checks_first_then_backs_off(
    emu: Any, clock: FakeClock, client: WrapupClient, org: dict[str, str]
) -> None:
    """Already in ACW: written without a wait. Still connected: re-checked with growing delays."""
    ready = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(ready.id, "Sale")
    assert clock.sleeps == []
    later = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=10.0)
    strategy = Polling(initial_delay=0.5, max_delay=4.0, jitter=0.0)
    client.apply_wrapup(later.id, "Sale", readiness=strategy)
    assert clock.sleeps[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(clock.sleeps) == 4.0


def test_times_out_without_writing(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A call that never ends raises ReadinessTimeout with the last state, and nothing is written."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    with pytest.raises(ReadinessTimeout) as info:
        client.apply_wrapup(conv.id, "Sale", timeout=20)
    assert info.value.last_snapshot.state == "connected"
    assert "communication is connected" in str(info.value)
    assert info.value.attempts > 1
    assert posts(emu) == []


def test_names_are_case_sensitive_with_a_suggestion(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """'survey complete' is not 'Survey Complete': a typed error suggests it, and nothing is written."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    with pytest.raises(UnknownWrapupCode) as info:
        client.apply_wrapup(conv.id, "survey complete")
    assert info.value.suggestions[0] == "Survey Complete"
    assert info.value.queue_id == org["queue"]
    assert posts(emu) == []


def test_a_code_outside_the_queue_says_so(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """An org code not assigned to the queue is refused locally, naming the reason."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    with pytest.raises(UnknownWrapupCode, match="not assigned to this queue") as info:
        client.apply_wrapup(conv.id, "Not In Queue")
    assert info.value.in_org
    assert posts(emu) == []


def test_a_code_id_is_accepted(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """Passing the id instead of the name works too."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    assert client.apply_wrapup(conv.id, org["No Sale"]).code.name == "No Sale"


def test_a_new_code_is_found_after_one_refresh(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A miss in a cached set refreshes it once; a second miss raises after exactly one refresh."""
    assert "Callback" not in client.codes(org["queue"])
    new = emu.add_code("Callback")
    emu.set_queue_codes(org["queue"], [org["Sale"], new])
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.clear_requests()
    assert client.apply_wrapup(conv.id, "Callback").code.id == new
    assert len(emu.requests_matching(method="GET", path=r"/routing/queues/[^/]+/wrapupcodes")) == 1
    emu.clear_requests()
    other = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    with pytest.raises(UnknownWrapupCode):
        client.apply_wrapup(other.id, "Nope")
    assert len(emu.requests_matching(method="GET", path=r"/routing/queues/[^/]+/wrapupcodes")) == 1


def test_code_sets_are_read_across_all_pages(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A queue with more codes than one page holds is read to the end."""
    ids = [emu.add_code(f"Code {n:03}") for n in range(260)]
    emu.set_queue_codes(org["queue"], ids)
    codes = client.codes(org["queue"])
    assert len(codes) == 260
    assert codes.by_name("Code 259") == wrapupkit.WrapupCode(id=ids[-1], name="Code 259")
    assert len(emu.requests_matching(method="GET", path=r"/wrapupcodes$")) >= 3


def test_concurrent_cache_misses_fetch_once(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """Eight threads asking for the same queue's codes at once cause one fetch."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        sets = list(pool.map(lambda _: client.codes(org["queue"]), range(8)))
    assert all(s == sets[0] for s in sets)
    assert len(emu.requests_matching(method="GET", path=r"/wrapupcodes$")) == 1


@pytest.mark.parametrize(
    ("media", "segment"),
    [
        ("call", "calls"),
        ("callback", "callbacks"),
        ("email", "emails"),
        ("message", "messages"),
        ("social", "socials"),
        ("video", "videos"),
        ("cobrowsesession", "cobrowsesessions"),
        ("screenshare", "screenshares"),
    ],
)
def test_every_media_type_uses_its_own_endpoint(
    emu: Any, client: WrapupClient, org: dict[str, str], media: str, segment: str
) -> None:
    """Each interaction type is written on its own path segment."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], media=media)
    result = client.apply_wrapup(conv.id, "Sale", media_type=media)
    assert result.media_type.value == media
    [post] = posts(emu)
    assert post.path.startswith(f"/api/v2/conversations/{segment}/{conv.id}/")


def test_media_type_mismatch_is_refused_before_writing(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """Asking for a call wrap-up on an email raises InteractionTypeMismatch and writes nothing."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], media="email")
    with pytest.raises(InteractionTypeMismatch) as info:
        client.apply_wrapup(conv.id, "Sale", media_type=MediaType.CALL)
    assert (info.value.expected, info.value.actual) == ("call", "email")
    assert posts(emu) == []


def test_chat_cannot_take_a_wrapup(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A chat conversation gets a clear UnsupportedInteraction."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], media="chat")
    with pytest.raises(exc.UnsupportedInteraction, match="chat"):
        client.apply_wrapup(conv.id, "Sale")
    assert posts(emu) == []


def test_same_code_already_applied_is_success_without_a_write(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """If the agent already chose the same code in the UI, nothing is written."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.apply_ui_wrapup(conv.id, org["Sale"])
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.already_applied
    assert result.attempts == 0
    assert posts(emu) == []


def test_a_different_code_is_not_replaced_unless_asked(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """A different existing code raises AlreadyWrappedUp; overwrite=True replaces it."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.apply_ui_wrapup(conv.id, org["No Sale"])
    with pytest.raises(AlreadyWrappedUp) as info:
        client.apply_wrapup(conv.id, "Sale")
    assert info.value.existing_code == org["No Sale"]
    assert (info.value.existing_name, info.value.requested_name) == ("No Sale", "Sale")
    assert f"'No Sale' (id {org['No Sale']})" in str(info.value)  # codes named by name and id
    assert f"'Sale' (id {org['Sale']})" in str(info.value)
    assert posts(emu) == []
    assert client.apply_wrapup(conv.id, "Sale", overwrite=True).attempts == 1
    assert emu.wrapup(conv.id)["code"] == org["Sale"]


def test_ui_wrapup_during_the_wait_is_noticed(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """If the agent picks the same code while we wait, the call succeeds as already applied."""
    conv = emu.add_conversation(
        user_id=org["user"],
        queue_id=org["queue"],
        disconnect_after=2.0,
        acw_delay=60.0,
        ui_wrapup=(0.0, org["Sale"]),
    )
    emu.rules.early_write = 409
    result = client.apply_wrapup(conv.id, "Sale", timeout=120, readiness=Polling(unclear_grace=90))
    assert result.already_applied
    assert posts(emu) == []


def test_acw_timeout_code_blocks_a_late_write(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """After ACW times out, ININ-WRAP-UP-TIMEOUT is applied and is not silently replaced."""
    conv = emu.add_conversation(
        user_id=org["user"], queue_id=org["queue"], disconnect_after=0.0, acw_timeout=5.0
    )
    emu.clock.advance(10)
    with pytest.raises(AlreadyWrappedUp) as info:
        client.apply_wrapup(conv.id, "Sale")
    assert info.value.existing_code == "ININ-WRAP-UP-TIMEOUT"


def test_optimistic_writes_first_and_retries_refusals(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """Optimistic POSTs at once; a not-ready 409 makes it back off and POST again."""
    emu.rules.early_write = 409
    conv = emu.add_conversation(
        user_id=org["user"], queue_id=org["queue"], disconnect_after=0.0, acw_delay=2.0
    )
    result = client.apply_wrapup(conv.id, "Sale", readiness=Optimistic(jitter=0.0))
    assert result.attempts >= 2
    assert emu.wrapup_writes(conv.id) == 1


def test_immediate_raises_the_refusal(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """Immediate does not wait: an early-write refusal is raised as the typed API error."""
    emu.rules.early_write = 400
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=None)
    with pytest.raises(exc.BadRequest):
        client.apply_wrapup(conv.id, "Sale", readiness=Immediate())
    assert len(posts(emu)) == 1


def test_a_user_strategy_subclass_drives_the_wait(
    emu: Any, clock: FakeClock, client: WrapupClient, org: dict[str, str]
) -> None:
    """A subclass overriding decide() controls readiness; the loop owns the clock."""

    class GracePeriod(ReadinessStrategy):
        def decide(self, ctx: wrapupkit.ReadinessContext) -> Decision:
            if ctx.elapsed < 3.0:
                return Decision.wait(delay=1.0, reason="grace period")
            return Decision.ready()

    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    result = client.apply_wrapup(conv.id, "Sale", readiness=GracePeriod())
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert result.waited == 3.0


def test_a_strategy_can_fail_with_a_reason(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """Decision.fail raises ReadinessFailed with the reason and writes nothing."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    with pytest.raises(exc.ReadinessFailed, match="not today"):
        client.apply_wrapup(conv.id, "Sale", readiness=lambda ctx: Decision.fail("not today"))
    assert posts(emu) == []


def test_several_agents_need_a_hint(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """Two agents awaiting wrap-up: ambiguous without a hint, chosen by user_id or participant_id."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], agents=2)
    with pytest.raises(exc.AmbiguousParticipant) as info:
        client.apply_wrapup(conv.id, "Sale")
    assert len(info.value.candidates) == 2
    assert posts(emu) == []
    result = client.apply_wrapup(conv.id, "Sale", user_id=org["user"])
    assert result.participant_id == conv.agent_participant_id
    second = conv.agent_participant_ids[1]
    assert client.apply_wrapup(conv.id, "No Sale", participant_id=second).participant_id == second


def test_without_a_queue_the_participants_own_list_is_used(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """A queue-less participant's code is checked against GET participant wrapupcodes."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=None)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.queue_id is None
    assert emu.requests_matching(method="GET", path=r"/participants/[^/]+/wrapupcodes$")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"conversation_id": "a/b"}, "conversation_id"),
        ({"code": "  "}, "code"),
        ({"notes": "x" * 20_000}, "notes"),
        ({"tags": "not-a-list"}, "tags"),
        ({"participant_id": "bad id"}, "participant_id"),
        ({"duration": -5}, "duration"),
        ({"timeout": 0}, "timeout"),
        ({"media_type": "fax"}, "media_type"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_input_fails_before_any_request(
    emu: Any, client: WrapupClient, kwargs: dict[str, Any], field: str
) -> None:
    """Malformed arguments raise InvalidInput and send nothing at all."""
    args: dict[str, Any] = {"conversation_id": "c-1", "code": "Sale", **kwargs}
    with pytest.raises(exc.InvalidInput) as info:
        client.apply_wrapup(args.pop("conversation_id"), args.pop("code"), **args)
    assert info.value.field == field
    assert emu.requests == []


def test_unknown_conversation_is_not_found(emu: Any, client: WrapupClient) -> None:
    """A conversation id Genesys does not know raises NotFound with a correlation id."""
    with pytest.raises(exc.NotFound) as info:
        client.apply_wrapup("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Sale")
    assert info.value.code == "not.found"
    assert info.value.correlation_id


def test_missing_permission_is_named(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """Without conversation:participant:wrapup the 403 names the permission."""
    emu.add_client(
        "limited", "limited-secret", permissions=["conversation:communication:view", "routing:queue:view"]
    )
    client = WrapupClient.from_credentials("limited", "limited-secret", host=emu.url, clock=clock)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    with pytest.raises(exc.Forbidden) as info:
        client.apply_wrapup(conv.id, "Sale")
    assert "conversation:participant:wrapup" in info.value.missing_permissions
    assert len(posts(emu)) == 1


def test_rate_limits_honour_retry_after_on_the_clock(
    emu: Any, clock: FakeClock, client: WrapupClient, org: dict[str, str]
) -> None:
    """Two 429s with Retry-After 2 are waited out on the fake clock; the SDK's own retry never fires."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.fail_next("POST", r"/wrapup$", status=429, times=2, retry_after=2)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.attempts == len(posts(emu)) == 3  # every POST that went out, the refused ones too
    assert clock.sleeps.count(2.0) == 2
    assert emu.wrapup_writes(conv.id) == 1


def test_a_long_retry_after_is_raised_not_waited(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A 429 asking for an hour raises RateLimited at once: one POST, where the raw SDK would send eleven."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.fail_next("POST", r"/wrapup$", status=429, times=20, retry_after=3600)
    with pytest.raises(exc.RateLimited) as info:
        client.apply_wrapup(conv.id, "Sale")
    assert info.value.retry_after == 3600
    assert len(posts(emu)) == 1


def test_server_errors_back_off_then_succeed(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """503s are retried; the wrap-up lands exactly once."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.fail_next("POST", r"/wrapup$", status=503, times=2)
    client.apply_wrapup(conv.id, "Sale")
    assert len(posts(emu)) == 3
    assert emu.wrapup_writes(conv.id) == 1


def test_a_timed_out_post_is_read_back_not_resent(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """The POST was applied but its answer never came: wrapupkit reads it back and does not re-send."""
    client = WrapupClient.from_credentials(
        emu.client_id,
        emu.client_secret,
        host=emu.url,
        clock=clock,
        retry=RetryPolicy.no_wait(),
        request_timeout=0.3,
    )
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.stall_next("POST", r"/wrapup$", 1.5, after_processing=True)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.attempts == 1
    assert len(posts(emu)) == 1
    assert emu.wrapup_writes(conv.id) == 1
    assert emu.requests_matching(method="GET", path=r"/communications/[^/]+/wrapup$")


def test_a_reset_after_processing_is_read_back(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A connection reset after the server applied the write: read back, no second POST."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.reset_next("POST", r"/wrapup$", after_processing=True)
    client.apply_wrapup(conv.id, "Sale")
    assert emu.wrapup_writes(conv.id) == 1
    assert len(posts(emu)) == 1


def test_a_reset_before_processing_is_resent_once(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """A reset that lost the write: the read-back finds nothing, so it is sent again, once."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.reset_next("POST", r"/wrapup$", after_processing=False)
    client.apply_wrapup(conv.id, "Sale")
    assert emu.wrapup_writes(conv.id) == 1
    assert len(posts(emu)) == 2


def test_an_expired_token_is_renewed(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A 401 after the token was revoked triggers one new login and the call succeeds."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.codes(org["queue"])
    emu.expire_tokens()
    client.apply_wrapup(conv.id, "Sale")
    assert len(emu.requests_matching(method="POST", path=r"^/oauth/token$")) == 2


def test_a_token_near_expiry_is_renewed_before_use(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """The client tracks expires_in (which the SDK drops) and logs in again before it runs out."""
    emu.add_client("short", "short-secret", token_ttl=300)
    client = WrapupClient.from_credentials("short", "short-secret", host=emu.url, clock=clock)
    client.codes(org["queue"])
    clock.advance(250)  # inside the refresh margin
    client.refresh_codes(org["queue"])
    tokens = emu.requests_matching(method="POST", path=r"^/oauth/token$")
    assert len(tokens) == 2
    assert not [r for r in emu.requests if r.status == 401]


def test_secrets_and_notes_stay_out_of_logs_and_reprs(
    emu: Any, client: WrapupClient, org: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Tokens, the client secret and note text never appear in logs, reprs or errors."""
    caplog.set_level(logging.DEBUG)
    emu.fail_next("POST", r"/wrapup$", status=503, times=1)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(conv.id, "Sale", notes="card ending 4242")
    token = client.api_client.access_token
    text = caplog.text + repr(client) + repr(client._http.credentials) + repr(client._http)
    assert token
    assert token not in text
    assert emu.client_secret not in text
    assert "4242" not in text
    assert "wrapupkit" in caplog.text  # it did log


def test_the_sdk_global_configuration_is_untouched(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """wrapupkit never writes to the SDK's process-wide Configuration."""
    import PureCloudPlatformClientV2 as sdk

    config = sdk.Configuration()
    before = (config.host, config.access_token, dict(config.api_key))
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    client.apply_wrapup(conv.id, "Sale")
    assert (config.host, config.access_token, dict(config.api_key)) == before
    assert client.api_client.host == emu.url


def test_from_env_reads_genesyscloud_names(
    emu: Any, clock: FakeClock, org: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GENESYSCLOUD_* credentials plus an API host override reach the emulator."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", emu.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", emu.client_secret)
    monkeypatch.setenv("GENESYSCLOUD_API_HOST", emu.url)
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    assert WrapupClient.from_env(clock=clock).apply_wrapup(conv.id, "Sale").attempts == 1


def test_from_env_falls_back_to_genesys_cloud_names(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """The SDK README's GENESYS_CLOUD_* names work when the gc CLI names are absent."""
    env = {
        "GENESYS_CLOUD_CLIENT_ID": emu.client_id,
        "GENESYS_CLOUD_CLIENT_SECRET": emu.client_secret,
        "GENESYS_CLOUD_API_HOST": emu.url,
    }
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    assert WrapupClient.from_env(environ=env, clock=clock).apply_wrapup(conv.id, "Sale").attempts == 1


def test_module_level_apply_wrapup_uses_the_environment(
    emu: Any, org: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """wrapupkit.apply_wrapup() builds a client from the environment and reuses it."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", emu.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", emu.client_secret)
    monkeypatch.setenv("GENESYSCLOUD_API_HOST", emu.url)
    first = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    second = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    assert wrapupkit.apply_wrapup(first.id, "Sale", readiness=Immediate()).attempts == 1
    assert wrapupkit.apply_wrapup(second.id, "Sale", readiness=Immediate()).requests == 2


def test_errors_in_from_env_are_configuration_errors() -> None:
    """Missing or unknown settings fail with the variable to set, before any network call."""
    with pytest.raises(exc.ConfigurationError, match="GENESYSCLOUD_REGION"):
        WrapupClient.from_env(environ={})
    with pytest.raises(exc.ConfigurationError, match="GENESYSCLOUD_OAUTHCLIENT_SECRET"):
        WrapupClient.from_env(
            environ={"GENESYSCLOUD_REGION": "us_east_1", "GENESYSCLOUD_OAUTHCLIENT_ID": "x"}
        )
    with pytest.raises(exc.ConfigurationError, match="Unknown Genesys Cloud region"):
        WrapupClient.from_env(environ={"GENESYSCLOUD_REGION": "mars_north_1"})


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us_east_1", "https://api.mypurecloud.com"),
        ("eu-west-1", "https://api.mypurecloud.ie"),
        ("mypurecloud.de", "https://api.mypurecloud.de"),
        ("ap_south_1", "https://api.aps1.pure.cloud"),
    ],
)
def test_region_names_map_like_the_sdk(region: str, host: str) -> None:
    """Region keys and domains map to the SDK's PureCloudRegionHosts (no request is made)."""
    from wrapupkit._http import REGIONS, api_host_for

    assert api_host_for(region) == host
    import PureCloudPlatformClientV2 as sdk

    sdk_hosts = {r.name: r.get_api_host() for r in sdk.PureCloudRegionHosts}
    assert {k: f"https://api.{v}" for k, v in REGIONS.items()} == sdk_hosts


def test_results_are_frozen_and_render_in_notebooks(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    """WrapupResult is immutable and has an HTML repr for notebooks."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    result = client.apply_wrapup(conv.id, "Sale")
    with pytest.raises(AttributeError):
        result.attempts = 5  # type: ignore[misc]
    assert "Wrap-up applied" in result._repr_html_()
    assert json.dumps(result.code.name) == '"Sale"'


def test_backoff_restarts_when_the_call_ends(
    emu: Any, clock: FakeClock, client: WrapupClient, org: dict[str, str]
) -> None:
    """Long waits while connected; short ones again once the call ends and ACW is imminent."""
    conv = emu.add_conversation(
        user_id=org["user"], queue_id=org["queue"], disconnect_after=7.4, acw_delay=1.0
    )
    client.apply_wrapup(conv.id, "Sale", readiness=Polling(initial_delay=0.5, max_delay=4.0, jitter=0.0))
    # connected: 0.5, 1, 2, 4 (t=7.5: disconnected, ACW not started) -> 0.5, 1 (t=9.0: pending)
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 0.5, 1.0]


def test_wraps_a_callers_authenticated_api_client(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """WrapupClient(api_client) works with an ApiClient the caller authenticated through the SDK."""
    import PureCloudPlatformClientV2 as sdk

    api_client = sdk.ApiClient(host=emu.url)
    api_client.get_client_credentials_token(emu.client_id, emu.client_secret)
    client = WrapupClient(api_client, clock=clock, retry=RetryPolicy.no_wait())
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    assert client.apply_wrapup(conv.id, "Sale").attempts == 1
    assert api_client.get_http_client() is client._http.transport  # our transport, not the retrying default


def test_the_timeout_bounds_a_stalled_request() -> None:
    """A server that never answers cannot hold apply_wrapup() past its timeout (real clock: socket time)."""
    from wrapupkit.emulator import Emulator

    with Emulator() as emu:
        ids = {name: emu.add_code(name) for name in ("Sale",)}
        queue = emu.add_queue("Q", codes=list(ids.values()))
        user = emu.add_user("A")
        client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url)
        client.codes(queue)
        conv = emu.add_conversation(user_id=user, queue_id=queue)
        emu.stall_next("GET", r"/api/v2/conversations/[^/]+$", 5.0, after_processing=False)
        with pytest.raises(exc.TransportError, match="no response within"):
            client.apply_wrapup(conv.id, "Sale", timeout=0.5)
        assert emu.wrapup_writes(conv.id) == 0


def test_without_retries_an_unknown_outcome_is_still_settled(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """With no retries left, a reset write is read back: applied means success; lost means a clear error."""
    client = WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_retry()
    )
    applied = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.reset_next("POST", r"/wrapup$", after_processing=True)
    assert client.apply_wrapup(applied.id, "Sale").attempts == 1
    assert emu.wrapup_writes(applied.id) == 1
    lost = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.reset_next("POST", r"/wrapup$", after_processing=False)
    with pytest.raises(exc.TransportError) as info:
        client.apply_wrapup(lost.id, "Sale")
    assert emu.wrapup_writes(lost.id) == 0
    assert any("not applied" in note for note in getattr(info.value, "__notes__", ["not applied"]))


def test_the_blueprints_api_region_variable_and_login_urls(emu: Any) -> None:
    """GENESYSCLOUD_API_REGION names the API URL; a login. URL maps to its api. host; others are refused."""
    from wrapupkit._http import api_host_for

    env = {
        "GENESYSCLOUD_API_REGION": emu.url + "/",
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
    }
    client = WrapupClient.from_env(environ=env)
    assert client._http.host == emu.url
    assert api_host_for("https://login.usw2.pure.cloud") == "https://api.usw2.pure.cloud"
    assert api_host_for("https://login.mypurecloud.de/") == "https://api.mypurecloud.de"
    with pytest.raises(exc.ConfigurationError, match="login URL"):
        api_host_for("https://login.example.com")
    with pytest.raises(exc.ConfigurationError, match="has a path"):
        api_host_for("https://api.mypurecloud.com/api/v2")


def test_attempts_counts_the_posts_that_went_out(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    """A 503 then a 202 is two POSTs on the wire: attempts says 2, requests counts every request exactly."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.fail_next("POST", r"/wrapup$", status=503, times=1)
    emu.clear_requests()
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.attempts == len(posts(emu)) == 2
    assert result.requests == len(emu.requests)


def test_a_refused_connection_says_so_at_once(clock: FakeClock) -> None:
    """A closed port is 'refused', with the host, after one attempt: the retry budget is not spent on it."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    client = WrapupClient.from_credentials("id", "secret", host=f"http://127.0.0.1:{port}", clock=clock)
    with pytest.raises(exc.TransportError) as info:
        client.codes("queue-1")
    assert info.value.refused
    assert f"refused by 127.0.0.1:{port}" in str(info.value)
    assert "timed out" not in str(info.value)
    assert clock.sleeps == []
