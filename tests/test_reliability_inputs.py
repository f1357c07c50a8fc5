"""Issue 10, bad input and bad answers: typed errors, nothing sent, no secret echoed.

Inputs are generated with hypothesis; answers are corrupted by the emulator and read through
the official SDK over real HTTP.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability_helpers import login, seed_org
from wrapupkit import Notifications, Polling, RateLimiter, RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import AuthenticationError, ConfigurationError, InvalidInput, TransportError
from wrapupkit.testing import FakeClock


BAD_NUMBERS = [math.nan, math.inf, -math.inf, 10**400, -(10**400), 10**30]
FIXTURES = [HealthCheck.function_scoped_fixture]


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    return seed_org(emu)


def make_client(emu: Any, clock: FakeClock, **options: Any) -> WrapupClient:
    options.setdefault("retry", RetryPolicy.no_retry())
    return login(emu, clock, **options)


# -- 9. a malformed access token -------------------------------------------------------------------


def _token_with(bad: str) -> st.SearchStrategy[str]:
    word = st.text(alphabet="abcdefXYZ0123456789-_.", min_size=1, max_size=20)
    return st.tuples(word, st.just(bad), word).map("".join)


malformed_tokens = st.one_of(
    _token_with("\r\n"),
    _token_with("\n"),
    st.sampled_from(["\x00", "\x7f", "\x1b"]).flatmap(_token_with),
    st.characters(min_codepoint=0x100, max_codepoint=0xFFFF, blacklist_categories=("Cs",)).flatmap(
        _token_with
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES)
@given(token=malformed_tokens)
def test_a_malformed_fixed_token_is_refused_and_never_echoed(emu: Emulator, token: str) -> None:
    emu.clear_requests()
    with pytest.raises(ConfigurationError) as info:
        WrapupClient.from_env(environ={"GENESYSCLOUD_API_HOST": emu.url, "GENESYSCLOUD_ACCESS_TOKEN": token})
    assert token.strip() not in str(info.value)
    assert token.strip() not in repr(info.value)
    assert emu.requests == []


@pytest.mark.parametrize("token", ["", "   "])
def test_an_empty_token_is_a_typed_error_before_any_request(emu: Emulator, token: str) -> None:
    from wrapupkit._http import new_api_client

    api_client: Any = new_api_client(emu.url)
    api_client.access_token = token
    with pytest.raises(ConfigurationError, match="empty"):  # at construction or at the first call
        WrapupClient(api_client, retry=RetryPolicy.no_retry()).codes("queue-1")
    assert emu.requests == []


def test_a_malformed_token_from_the_login_is_an_authentication_error(
    emu: Emulator, clock: FakeClock, org: dict[str, str]
) -> None:
    emu.corrupt_next(
        "POST", r"^/oauth/token$", body='{"access_token": "ab\\r\\nX-Evil: 1", "expires_in": 86400}'
    )
    with pytest.raises(AuthenticationError) as info:
        make_client(emu, clock).codes(org["queue"])
    assert "X-Evil" not in str(info.value)
    assert emu.requests_matching("GET") == []


def test_a_token_spoiled_after_construction_is_refused_before_sending(
    emu: Emulator, clock: FakeClock, org: dict[str, str]
) -> None:
    """Set on the ApiClient later (bypassing every check on the way in): still refused, still not echoed."""
    client = make_client(emu, clock)
    client.codes(org["queue"])
    sent = len(emu.requests)
    client.api_client.access_token = "secret\r\nX-Evil: 1"
    with pytest.raises(ConfigurationError) as info:
        client.refresh_codes(org["queue"])
    assert "secret" not in str(info.value)
    assert len(emu.requests) == sent


# -- 10. answers that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"\xff\xfe{}", b'{"entities": [], "pageCount": "x"}', b'{"entities": 5}', b"[1, 2"]
)
def test_an_unreadable_answer_is_a_typed_error(
    emu: Emulator, clock: FakeClock, org: dict[str, str], body: bytes
) -> None:
    client = make_client(emu, clock)
    emu.corrupt_next("GET", r"/wrapupcodes$", body=body)
    with pytest.raises(TransportError) as info:
        client.codes(org["queue"])
    assert info.value.maybe_sent
    assert set(client.codes(org["queue"]).names) == {"Sale", "No Sale"}  # the next answer is fine


# -- 11. ids, text and numbers ---------------------------------------------------------------------


ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,40}", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES)
@given(good=ids, tail=st.sampled_from(["\n", "\r\n", " ", "\x00"]), field=st.sampled_from(["c", "p", "u"]))
def test_ids_with_a_trailing_newline_are_refused(
    emu: Emulator, clock: FakeClock, good: str, tail: str, field: str
) -> None:
    client = make_client(emu, clock)
    emu.clear_requests()
    args: dict[str, Any] = {"conversation_id": good}
    key = {"c": "conversation_id", "p": "participant_id", "u": "user_id"}[field]
    args[key] = good + tail
    with pytest.raises(InvalidInput):
        client.apply_wrapup(code="Sale", **args)
    assert emu.requests == []


surrogates = st.integers(min_value=0xD800, max_value=0xDFFF).map(chr)
with_surrogate = st.tuples(st.text(max_size=10), surrogates, st.text(max_size=10)).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES)
@given(text=with_surrogate, where=st.sampled_from(["code", "notes", "tags"]))
def test_a_lone_surrogate_is_invalid_input(emu: Emulator, clock: FakeClock, text: str, where: str) -> None:
    client = make_client(emu, clock)
    emu.clear_requests()
    options: dict[str, Any] = {"code": "Sale"}
    if where == "code":
        options["code"] = text if text.strip() else text + "x"
    elif where == "notes":
        options["notes"] = text
    else:
        options["tags"] = ["ok", text if text.strip() else text + "x"]
    with pytest.raises(InvalidInput) as info:
        client.apply_wrapup("conversation-1", **options)
    assert "surrogate" in str(info.value)
    assert emu.requests == []


CONSTRUCTORS: dict[str, Any] = {
    "WrapupClient.timeout": lambda v: WrapupClient(_api(), timeout=v),
    "WrapupClient.request_timeout": lambda v: WrapupClient(_api(), request_timeout=v),
    "WrapupClient.cache_ttl": lambda v: WrapupClient(_api(), cache_ttl=v),
    "WrapupClient.max_connections": lambda v: WrapupClient(_api(), max_connections=v),
    "RetryPolicy.max_tries": lambda v: RetryPolicy(max_tries=v),
    "RetryPolicy.initial_delay": lambda v: RetryPolicy(initial_delay=v),
    "RetryPolicy.max_delay": lambda v: RetryPolicy(max_delay=v),
    "RetryPolicy.factor": lambda v: RetryPolicy(factor=v),
    "RetryPolicy.retry_after_max": lambda v: RetryPolicy(retry_after_max=v),
    "RetryPolicy.settle_window": lambda v: RetryPolicy(settle_window=v),
    "Polling.initial_delay": lambda v: Polling(initial_delay=v),
    "Polling.max_delay": lambda v: Polling(max_delay=v),
    "Polling.factor": lambda v: Polling(factor=v),
    "Polling.jitter": lambda v: Polling(jitter=v),
    "Polling.unclear_grace": lambda v: Polling(unclear_grace=v),
    "Polling.max_rejections": lambda v: Polling(max_rejections=v),
    "Notifications.heartbeat_timeout": lambda v: Notifications(heartbeat_timeout=v),
    "Notifications.connect_timeout": lambda v: Notifications(connect_timeout=v),
    "Notifications.reconnect_delay": lambda v: Notifications(reconnect_delay=v),
    "Notifications.max_reconnect_delay": lambda v: Notifications(max_reconnect_delay=v),
    "Notifications.resync_interval": lambda v: Notifications(resync_interval=v),
    "Notifications.linger": lambda v: Notifications(linger=v),
    "Notifications.renew_before": lambda v: Notifications(renew_before=v),
    "Notifications.max_topics": lambda v: Notifications(max_topics=v),
    "RateLimiter.requests": lambda v: RateLimiter(v),
    "RateLimiter.per_seconds": lambda v: RateLimiter(per_seconds=v),
    "RateLimiter.burst": lambda v: RateLimiter(burst=v),
    "RateLimiter.headroom": lambda v: RateLimiter(headroom=v),
    "RateLimiter.max_pause": lambda v: RateLimiter(max_pause=v),
}


def _api() -> Any:
    from wrapupkit._http import new_api_client

    return new_api_client("http://127.0.0.1:9")


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(sorted(CONSTRUCTORS)), value=st.sampled_from(BAD_NUMBERS))
def test_nan_inf_and_huge_numbers_are_refused_by_every_constructor(name: str, value: Any) -> None:
    with pytest.raises(ConfigurationError):
        CONSTRUCTORS[name](value)


@pytest.mark.parametrize("value", [0, -1, 10**9, True, 2.5])
def test_max_connections_is_checked(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_connections"):
        WrapupClient(_api(), max_connections=value)
