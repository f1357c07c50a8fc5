"""A client as a service holds it: a context manager that releases connections, channels and threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from wrapupkit import Notifications, RetryPolicy, WrapupClient
from wrapupkit.exceptions import ConfigurationError
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
