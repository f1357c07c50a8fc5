"""A client as a service holds it: a context manager that releases connections, channels and threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from wrapupkit import Notifications, RetryPolicy, WrapupClient
from wrapupkit.exceptions import ConfigurationError, Forbidden, InvalidInput
from wrapupkit.testing import FakeClock


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wrapupkit-notifications"]


def test_closing_releases_the_notification_channel_and_refuses_more_calls(emu: Any, clock: FakeClock) -> None:
    """close() stops the socket's reader thread; a closed client says so before any network call."""
    sale = emu.add_code("Sale")
    queue = emu.add_queue("Support", codes=[sale])
    user = emu.add_user("Ada")
    conv = emu.add_conversation(user_id=user, queue_id=queue)
    strategy = Notifications(reconnect_delay=0.01)
    with WrapupClient.from_credentials(
        emu.client_id,
        emu.client_secret,
        host=emu.url,
        clock=clock,
        readiness=strategy,
        retry=RetryPolicy.no_wait(),
    ) as client:
        client.apply_wrapup(conv.id, "Sale", user_id=user)
        assert strategy.status(client).channel_id is not None
        assert _reader_threads()
    assert client.closed
    assert _reader_threads() == []  # joined by close(), not left to the garbage collector
    assert not strategy.status(client).connected
    emu.clear_requests()
    with pytest.raises(ConfigurationError, match="closed"):
        client.apply_wrapup(conv.id, "Sale")
    with pytest.raises(ConfigurationError, match="closed"):
        client.codes(queue)
    assert emu.requests == []
    client.close()  # idempotent


def test_check_names_every_missing_permission_before_the_first_wrapup(emu: Any, clock: FakeClock) -> None:
    """A start-up check logs in and probes each permission in use; the error names what is missing."""
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    user = emu.add_user("Ada")
    emu.notifications.require_permissions(
        "v2.users.{id}.conversations", ["analytics:conversationDetail:view"]
    )
    emu.add_client("narrow", "narrow-secret", permissions=["conversation:communication:view"])
    with (
        Notifications(reconnect_delay=0.01) as strategy,
        WrapupClient.from_credentials(
            "narrow",
            "narrow-secret",
            host=emu.url,
            clock=clock,
            readiness=strategy,
            retry=RetryPolicy.no_wait(),
        ) as client,
        pytest.raises(Forbidden) as info,
    ):
        client.check(queues=[queue], users=[user])
    assert set(info.value.missing_permissions) == {
        "routing:queue:view",
        "conversation:participant:wrapup",
        "analytics:conversationDetail:view",
    }
    assert [r.status for r in emu.requests_matching("POST", r"/wrapup$")] == [403]


def test_check_passes_with_every_permission_and_writes_nothing(emu: Any, clock: FakeClock) -> None:
    """With the permissions in place the check is silent; its write probe goes to no conversation (404)."""
    queue = emu.add_queue("Support", codes=[emu.add_code("Sale")])
    conv = emu.add_conversation(user_id=emu.add_user("Ada"), queue_id=queue)
    with WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock) as client:
        client.check(queues=[queue])
        assert client.codes(queue).names == ("Sale",)
    probes = emu.requests_matching("POST", r"/wrapup$")
    assert [r.status for r in probes] == [404]
    assert emu.wrapup(conv.id) is None


def test_check_refuses_malformed_ids_before_any_request(emu: Any, clock: FakeClock) -> None:
    """Bad input is a typed error with nothing sent."""
    client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock)
    with client, pytest.raises(InvalidInput):
        client.check(queues=["not a queue/id"])
    assert emu.requests == []
