"""Fault injection without monkeypatching: scheduled errors, rate limits, latency, stalls, resets."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
import urllib3
from emulator_helpers import (
    NoRetryHttpClient,
    Org,
    control,
    error_of,
    raw_request,
    sdk_client,
    stored_wrapup,
    wrapup_input,
)
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import ConversationHandle, Emulator, Rules
from wrapupkit.testing import FakeClock


WRAPUP_PATH = r"/wrapup$"


def _post(conversations: Any, handle: ConversationHandle, code: str) -> None:
    conversations.post_conversations_call_participant_communication_wrapup(
        handle.id, handle.agent_participant_id, handle.agent_communication_id, body=wrapup_input(code)
    )


def test_fail_next_503_then_success(emulator: Emulator, org: Org, conversations: Any) -> None:
    """A scheduled 503 (no Retry-After, so the SDK does not retry) fails once, then the route works."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.fail_next("POST", WRAPUP_PATH)
    with pytest.raises(ApiException) as exc:
        _post(conversations, handle, org.codes["Sale"])
    assert exc.value.status == 503
    assert error_of(exc)["code"] == "service.unavailable"
    assert emulator.wrapup(handle.id) is None
    _post(conversations, handle, org.codes["Sale"])
    assert [r.status for r in emulator.requests_matching("POST", WRAPUP_PATH)] == [503, 202]


def test_fail_next_times_and_route_matching(emulator: Emulator, org: Org, strict_api: Any) -> None:
    """times=2 fails two matching requests; other routes are untouched."""
    conversations = sdk.ConversationsApi(strict_api)
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.fail_next("POST", WRAPUP_PATH, status=500, times=2)
    assert conversations.get_conversation(handle.id).id == handle.id
    for _ in range(2):
        with pytest.raises(ApiException) as exc:
            _post(conversations, handle, org.codes["Sale"])
        assert error_of(exc)["code"] == "internal.server.error"
    _post(conversations, handle, org.codes["Sale"])
    assert emulator.wrapup_writes(handle.id) == 1


def test_fail_next_429_with_retry_after(emulator: Emulator, org: Org, strict_api: Any) -> None:
    """A scheduled 429 uses too.many.requests.retry.after and sends Retry-After."""
    routing = sdk.RoutingApi(strict_api)
    emulator.fail_next("GET", r"/routing/queues/", status=429, retry_after=7)
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queue(org.queue)
    assert exc.value.status == 429
    assert exc.value.headers["Retry-After"] == "7"
    assert error_of(exc)["code"] == "too.many.requests.retry.after"
    assert exc.value.headers["inin-ratelimit-allowed"] == "300"


def test_fail_next_custom_code_and_message(emulator: Emulator, org: Org, strict_api: Any) -> None:
    """code= and message= override the ErrorBody defaults."""
    emulator.fail_next("GET", r"/routing/queues/", status=409, code="general.conflict", message="busy")
    with pytest.raises(ApiException) as exc:
        sdk.RoutingApi(strict_api).get_routing_queue(org.queue)
    assert (error_of(exc)["code"], error_of(exc)["message"], error_of(exc)["status"]) == (
        "general.conflict",
        "busy",
        409,
    )


def test_sdk_default_client_silently_retries_retry_after(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """With Retry-After: 0 the SDK's urllib3 retries by itself: the call succeeds after 3 POSTs."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.fail_next("POST", WRAPUP_PATH, status=503, times=2, retry_after=0)
    _post(conversations, handle, org.codes["Sale"])
    assert [r.status for r in emulator.requests_matching("POST", WRAPUP_PATH)] == [503, 503, 202]


def test_bad_fault_arguments_are_refused(emulator: Emulator) -> None:
    """Statuses outside 400-599, times < 1 and bad regexes raise EmulatorError 400."""
    from wrapupkit.emulator import EmulatorError

    for kwargs in ({"status": 200}, {"times": 0}):
        with pytest.raises(EmulatorError) as exc:
            emulator.fail_next("GET", "/x", **kwargs)  # type: ignore[arg-type]
        assert exc.value.status == 400
    with pytest.raises(EmulatorError):
        emulator.fail_next("GET", "(")


def test_rate_limit_per_token_on_the_emulator_clock(
    emulator: Emulator, org: Org, fake_clock: FakeClock
) -> None:
    """rate_limit(3, 60): the 4th request in the window is 429 with Retry-After until a slot frees."""
    emulator.rate_limit(3, per_seconds=60)
    token = emulator.issue_token()
    path = f"/api/v2/routing/queues/{org.queue}"
    counts = []
    for _ in range(3):
        response = raw_request(emulator, "GET", path, token=token)
        assert response.status == 200
        counts.append(response.headers["inin-ratelimit-count"])
        assert response.headers["inin-ratelimit-allowed"] == "3"
    assert counts == ["1", "2", "3"]
    limited = raw_request(emulator, "GET", path, token=token)
    assert limited.status == 429
    assert limited.body["code"] == "too.many.requests.retry.after"
    assert limited.headers["Retry-After"] == "60"
    assert raw_request(emulator, "GET", path, token=emulator.issue_token()).status == 200
    fake_clock.advance(45)
    again = raw_request(emulator, "GET", path, token=token)
    assert (again.status, again.headers["Retry-After"], again.headers["inin-ratelimit-reset"]) == (
        429,
        "15",
        "15",
    )
    fake_clock.advance(15)
    assert raw_request(emulator, "GET", path, token=token).status == 200
    emulator.rate_limit(None)
    assert all(raw_request(emulator, "GET", path, token=token).status == 200 for _ in range(5))


def test_every_response_has_correlation_and_rate_headers(emulator: Emulator, org: Org) -> None:
    """2xx, 401, 404 and control responses all carry ININ-Correlation-Id and inin-ratelimit-*."""
    token = emulator.issue_token()
    responses = [
        raw_request(emulator, "GET", f"/api/v2/routing/queues/{org.queue}", token=token),
        raw_request(emulator, "GET", f"/api/v2/routing/queues/{org.queue}"),
        raw_request(emulator, "GET", "/api/v2/nothing", token=token),
        raw_request(emulator, "GET", "/__emulator__/info"),
    ]
    assert [r.status for r in responses] == [200, 401, 404, 200]
    for response in responses:
        assert response.headers["ININ-Correlation-Id"]
        for name in ("inin-ratelimit-allowed", "inin-ratelimit-count", "inin-ratelimit-reset"):
            assert response.headers[name].isdigit()
    assert len({r.headers["ININ-Correlation-Id"] for r in responses}) == 4


def test_latency_delays_matching_requests_only(emulator: Emulator, org: Org) -> None:
    """add_latency(5, path=…) holds that route (a client with a shorter timeout gives up), not the others."""
    emulator.add_latency(5.0, method="GET", path=r"/routing/queues/")
    token = emulator.issue_token()
    with pytest.raises(TimeoutError):  # the latency is real time: a 0.2 s read timeout runs out first
        raw_request(emulator, "GET", f"/api/v2/routing/queues/{org.queue}", token=token, timeout=0.2)
    assert raw_request(emulator, "GET", "/api/v2/routing/wrapupcodes", token=token, timeout=4.0).status == 200


def test_stall_after_processing_is_the_ambiguous_post(emulator: Emulator, org: Org) -> None:
    """The client times out during a stall, yet the wrap-up was applied: the ambiguous POST."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.stall_next("POST", WRAPUP_PATH, 2.0)
    conversations = sdk.ConversationsApi(sdk_client(emulator, NoRetryHttpClient(timeout=0.2)))
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        _post(conversations, handle, org.codes["Sale"])
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]
    assert emulator.requests_matching("POST", WRAPUP_PATH)[0].status == 202


def test_stall_before_processing_applies_after_the_hold(
    emulator: Emulator, org: Org, strict_api: Any
) -> None:
    """after_processing=False holds first: nothing is applied until the stall ends."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.stall_next("POST", WRAPUP_PATH, 0.4, after_processing=False)
    conversations = sdk.ConversationsApi(strict_api)
    worker = threading.Thread(target=_post, args=(conversations, handle, org.codes["Sale"]))
    worker.start()
    time.sleep(0.15)  # a wall-clock stall by design (hold_next is its fake-clock twin)
    assert worker.is_alive()  # the POST is held ...
    assert emulator.wrapup(handle.id) is None  # ... and nothing is applied before the hold ends
    worker.join(timeout=5)
    assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]


def test_stop_is_not_blocked_by_a_stall() -> None:
    """stop() returns promptly even while a 30 s stall is holding a response."""
    emu = Emulator(clock=FakeClock()).start()
    emu.stall_next("GET", r"/routing/wrapupcodes$", 30.0)
    token = emu.issue_token()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(raw_request(emu, "GET", "/api/v2/routing/wrapupcodes", token=token).status)
        except OSError as exc:  # the connection may be closed by stop() instead of answered
            outcome.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    time.sleep(0.1)  # let the request reach the stall (a wall-clock fault by design)
    stopper = threading.Thread(target=emu.stop)
    stopper.start()
    stopper.join(timeout=10)  # stop() returns although a 30 s stall holds a response
    assert not stopper.is_alive()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert len(outcome) == 1


def test_reset_next_drops_the_connection(emulator: Emulator, org: Org, strict_api: Any) -> None:
    """reset_next closes the socket with no response; before processing nothing is applied."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.reset_next("POST", WRAPUP_PATH)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        _post(sdk.ConversationsApi(strict_api), handle, org.codes["Sale"])
    assert emulator.wrapup(handle.id) is None
    assert [r.status for r in emulator.requests_matching("POST", WRAPUP_PATH)] == [0]


def test_reset_after_processing_makes_the_sdk_post_twice(
    emulator: Emulator, org: Org, conversations: Any
) -> None:
    """With after_processing the write lands, the SDK's urllib3 silently re-POSTs: two writes."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.reset_next("POST", WRAPUP_PATH, after_processing=True)
    _post(conversations, handle, org.codes["Sale"])
    assert [r.status for r in emulator.requests_matching("POST", WRAPUP_PATH)] == [0, 202]
    assert emulator.wrapup_writes(handle.id) == 2


def test_clear_faults_and_reset(emulator: Emulator, org: Org, routing: Any) -> None:
    """clear_faults() drops faults; reset() also clears state, rules and log but keeps the client."""
    emulator.fail_next("GET", r"/routing/", times=5)
    emulator.clear_faults()
    assert routing.get_routing_queue(org.queue).id == org.queue
    emulator.fail_next("GET", r"/routing/", times=5)
    emulator.rate_limit(1)
    emulator.rules.early_write = 409
    emulator.reset()
    assert emulator.rules == Rules()
    assert emulator.requests == []
    assert emulator.state.codes == {}
    fresh = sdk.RoutingApi(sdk_client(emulator))
    assert fresh.get_routing_wrapupcodes().total == 0
    assert fresh.get_routing_wrapupcodes().total == 0


# -- reliability faults: hold (on the clock), trickle, corrupt ----------------------------------------


def _raw_bytes(emulator: Emulator, path: str, token: str) -> tuple[int, dict[str, str], bytes, int]:
    """GET *path* with http.client: status, headers, body bytes, and how many reads the body took."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(emulator.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        chunks = []
        while chunk := response.read1(1024):
            chunks.append(chunk)
        return response.status, dict(response.getheaders()), b"".join(chunks), len(chunks)
    finally:
        conn.close()


def test_hold_next_lands_when_the_clock_passes(
    emulator: Emulator, org: Org, strict_api: Any, fake_clock: FakeClock
) -> None:
    """A held POST applies nothing until the emulator's clock has advanced past the hold."""
    handle = emulator.add_conversation(user_id=org.user, queue_id=org.queue)
    emulator.hold_next("POST", WRAPUP_PATH, 10.0)
    conversations = sdk.ConversationsApi(strict_api)
    worker = threading.Thread(target=_post, args=(conversations, handle, org.codes["Sale"]))
    worker.start()
    try:
        # the request has arrived (and is held) once the emulator has used up the fault
        while any(f["kind"] == "hold" for f in control(emulator, "GET", "faults")[1]["faults"]):
            assert worker.is_alive()
        fake_clock.advance(5.0)
        assert emulator.wrapup(handle.id) is None
        fake_clock.advance(5.0)  # returns once the held request has been processed
        assert stored_wrapup(emulator, handle.id)["code"] == org.codes["Sale"]
    finally:
        worker.join(timeout=10)
    assert [r.status for r in emulator.requests_matching("POST", WRAPUP_PATH)] == [202]


def test_trickle_next_sends_the_body_a_byte_at_a_time(emulator: Emulator, org: Org) -> None:
    """The answer is complete and correct, but arrives in one read per byte."""
    token = emulator.issue_token()
    path = f"/api/v2/routing/queues/{org.queue}/wrapupcodes"
    status, _, plain, _ = _raw_bytes(emulator, path, token)
    emulator.trickle_next("GET", "/wrapupcodes$", interval=0.0)
    status2, _, trickled, reads = _raw_bytes(emulator, path, token)
    assert (status, status2) == (200, 200)
    assert json.loads(trickled)["entities"] == json.loads(plain)["entities"]
    assert reads > 1


def test_corrupt_next_replaces_body_and_headers(emulator: Emulator, org: Org) -> None:
    """A non-UTF-8 body and a huge inin-ratelimit-reset go out instead of the real ones, once."""
    token = emulator.issue_token()
    path = f"/api/v2/routing/queues/{org.queue}/wrapupcodes"
    emulator.corrupt_next(
        "GET", "/wrapupcodes$", body=b"\xff\xfe{", headers={"inin-ratelimit-reset": "86400"}
    )
    status, headers, body, _ = _raw_bytes(emulator, path, token)
    assert (status, body) == (200, b"\xff\xfe{")
    assert {k.lower(): v for k, v in headers.items()}["inin-ratelimit-reset"] == "86400"
    status, headers, body, _ = _raw_bytes(emulator, path, token)
    assert json.loads(body)["entities"]
    assert {k.lower(): v for k, v in headers.items()}["inin-ratelimit-reset"] != "86400"


def test_corrupt_next_body_the_sdk_cannot_deserialise(emulator: Emulator, org: Org, strict_api: Any) -> None:
    """Valid JSON with a field of the wrong type makes the SDK's own deserialisation fail."""
    emulator.corrupt_next("GET", "/wrapupcodes$", body='{"entities": [], "pageCount": "x"}')
    with pytest.raises(ValueError):
        sdk.RoutingApi(strict_api).get_routing_queue_wrapupcodes(org.queue)


def test_corrupt_next_rejects_bad_arguments(emulator: Emulator) -> None:
    from wrapupkit.emulator.core.errors import EmulatorError

    with pytest.raises(EmulatorError):
        emulator.corrupt_next("GET", "/x", body=5)  # type: ignore[arg-type]
    with pytest.raises(EmulatorError):
        emulator.trickle_next("GET", "/x", interval=-1)
