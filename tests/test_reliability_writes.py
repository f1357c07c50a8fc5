"""Issue 10, writes and login: every re-send is preceded by a read; logins are shared and retried.

Everything goes through the official SDK over real HTTP to the emulator, with faults injected
by the emulator, on a fake clock.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from reliability_helpers import login, seed_org
from wrapupkit import AlreadyWrappedUp, RetryPolicy, WrapupClient
from wrapupkit.exceptions import AuthenticationError, TransportError
from wrapupkit.testing import FakeClock


WRAPUP = r"/wrapup$"
TOKEN = r"^/oauth/token$"


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    return seed_org(emu)


def make_client(emu: Any, clock: FakeClock, **options: Any) -> WrapupClient:
    options.setdefault("retry", RetryPolicy(jitter=False))
    return login(emu, clock, **options)


def posts(emu: Any) -> int:
    return len(emu.requests_matching("POST", WRAPUP))


# -- 1. a re-send never replaces a code applied meanwhile ---------------------------------------------


def _schedule(emu: Any, fault: str) -> None:
    if fault == "429":
        emu.fail_next("POST", WRAPUP, status=429, retry_after=2)
    elif fault == "503":
        emu.fail_next("POST", WRAPUP, status=503)
    else:
        emu.reset_next("POST", WRAPUP)


@pytest.mark.parametrize("fault", ["429", "503", "reset"])
def test_a_code_applied_while_waiting_to_resend_is_not_replaced(
    emu: Any, clock: FakeClock, org: dict[str, str], fault: str
) -> None:
    """The agent applies another code during the retry wait: AlreadyWrappedUp, and theirs stays."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], ui_wrapup=(0.1, org["No Sale"]))
    _schedule(emu, fault)
    client = make_client(emu, clock)
    with pytest.raises(AlreadyWrappedUp) as info:
        client.apply_wrapup(conv.id, "Sale")
    assert info.value.existing_code == org["No Sale"]
    assert (info.value.existing_name, info.value.requested_name) == ("No Sale", "Sale")  # named, as in the UI
    assert emu.wrapup(conv.id)["code"] == org["No Sale"]
    assert posts(emu) == 1


@pytest.mark.parametrize("fault", ["429", "503", "reset"])
def test_overwrite_resends_over_a_code_applied_meanwhile(
    emu: Any, clock: FakeClock, org: dict[str, str], fault: str
) -> None:
    """With overwrite=True the re-send goes out and replaces the agent's code."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], ui_wrapup=(0.1, org["No Sale"]))
    _schedule(emu, fault)
    result = make_client(emu, clock).apply_wrapup(conv.id, "Sale", overwrite=True)
    assert result.code.id == org["Sale"]
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    assert posts(emu) == 2


def test_the_same_code_applied_meanwhile_is_success(emu: Any, clock: FakeClock, org: dict[str, str]) -> None:
    """The agent applies the very code asked for: success, and nothing is sent again."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], ui_wrapup=(0.1, org["Sale"]))
    emu.fail_next("POST", WRAPUP, status=429, retry_after=2)
    result = make_client(emu, clock).apply_wrapup(conv.id, "Sale")
    assert result.code.id == org["Sale"]
    assert posts(emu) == 1


# -- 2. an unknown outcome is read back over a settle window before any re-send ---------------------


def test_a_held_post_that_lands_late_is_not_sent_twice(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """The POST is held past the request timeout; the settle window sees it land; one write."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.hold_next("POST", WRAPUP, 2.0)  # on the shared clock: lands when the client's waits pass 2 s
    client = make_client(emu, clock, request_timeout=0.3, retry=RetryPolicy(jitter=False, settle_window=3.0))
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.code.id == org["Sale"]
    assert emu.wrapup_writes(conv.id) == 1
    assert posts(emu) == 1


def test_no_resend_when_the_deadline_leaves_no_settle_window(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """With no room for the window before the deadline, the write is not re-sent: a typed error says so."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.hold_next("POST", WRAPUP, 50.0)
    client = make_client(emu, clock, request_timeout=0.3, retry=RetryPolicy(jitter=False, settle_window=30.0))
    with pytest.raises(TransportError) as info:
        client.apply_wrapup(conv.id, "Sale", timeout=20)
    assert info.value.maybe_sent
    assert any("outcome is unknown" in note for note in info.value.__notes__)
    clock.advance(60)  # the held request lands now
    assert emu.wrapup_writes(conv.id) == 1
    assert posts(emu) == 1


def test_an_unreadable_answer_to_a_write_is_read_back(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """The POST lands but its answer is not UTF-8: an unknown outcome, read back, success, one write."""
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.corrupt_next("POST", WRAPUP, body=b"\xff\xfe\x00")
    result = make_client(emu, clock).apply_wrapup(conv.id, "Sale")
    assert result.code.id == org["Sale"]
    assert emu.wrapup_writes(conv.id) == 1


# -- 7. a 429 or 5xx from /oauth/token is retried ------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(429, 1.0), (503, None), (500, None), (502, None)])
def test_a_transient_login_failure_is_retried(
    emu: Any, clock: FakeClock, org: dict[str, str], status: int, retry_after: float | None
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.fail_next("POST", TOKEN, status=status, retry_after=retry_after)
    result = make_client(emu, clock).apply_wrapup(conv.id, "Sale")
    assert result.code.id == org["Sale"]
    assert [r.status for r in emu.requests_matching("POST", TOKEN)] == [status, 200]


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_refused_login_is_an_authentication_error(emu: Any, clock: FakeClock, status: int) -> None:
    emu.fail_next("POST", TOKEN, status=status)
    with pytest.raises(AuthenticationError):
        make_client(emu, clock).codes("queue-1")


# -- 8. one login at a time; a refusal is remembered -------------------------------------------------


def test_sixteen_threads_meeting_one_expired_token_log_in_once(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    """Sixteen concurrent calls all get a 401 for one expired token: one login, and all succeed."""
    client = make_client(emu, clock)
    client.codes(org["queue"])
    convs = [emu.add_conversation(user_id=org["user"], queue_id=org["queue"]).id for _ in range(16)]
    emu.expire_tokens()
    before = len(emu.requests_matching("POST", TOKEN))
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def work(conversation_id: str) -> None:
        barrier.wait()
        try:
            client.apply_wrapup(conversation_id, "Sale")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in convs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(emu.requests_matching("POST", TOKEN)) - before == 1
    assert all(emu.wrapup(c)["code"] == org["Sale"] for c in convs)


def test_a_wrong_secret_logs_in_once_and_fails_the_rest_fast(
    emu: Any, clock: FakeClock, org: dict[str, str]
) -> None:
    client = WrapupClient.from_credentials(emu.client_id, "wrong-secret", host=emu.url, clock=clock)
    for _ in range(5):
        with pytest.raises(AuthenticationError) as info:
            client.codes(org["queue"])
        assert "wrong-secret" not in str(info.value)
    assert len(emu.requests_matching("POST", TOKEN)) == 1
    assert emu.requests_matching("GET") == []
