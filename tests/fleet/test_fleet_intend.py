"""client.intend(): checked like apply_wrapup, recorded durably, applied at once only when ACW is open."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from worker_helpers import _aclient, _client, _org, posts, reads, redis_url, store_url  # noqa: F401

from wrapupkit import AsyncWrapupClient, WrapupClient
from wrapupkit._intend import default_store_url
from wrapupkit.exceptions import IntentConflict, InvalidInput
from wrapupkit.intents import IntentState, intent_key, open_store
from wrapupkit.testing import FakeClock


def test_not_in_acw_yet_records_a_pending_intent_after_one_read(
    emu: Any, client: WrapupClient, org: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    emu.clear_requests()
    with caplog.at_level(logging.DEBUG, logger="wrapupkit"):
        intent = client.intend(conv.id, "Sale", user_id=org["user"], notes="secret note", tags=["vip"])
    assert intent.state is IntentState.PENDING
    assert intent.id == intent_key(conv.id, None, org["user"])
    assert (len(reads(emu, conv.id)), posts(emu)) == (1, [])
    stored = open_store(client.intent_store).get(intent.id)
    assert stored is not None
    assert (stored.state, stored.code, stored.notes, stored.tags) == (
        IntentState.PENDING,
        "Sale",
        "secret note",
        ("vip",),
    )
    assert "secret note" not in repr(stored)
    assert "secret note" not in caplog.text
    assert f"intent_id={intent.id}" in caplog.text


def test_in_acw_applies_at_once(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    intent = client.intend(conv.id, "Sale", notes="n")
    assert (intent.state, intent.applied_code_id, intent.applied_code_name) == (
        IntentState.APPLIED,
        org["Sale"],
        "Sale",
    )
    assert emu.wrapup(conv.id)["code"] == org["Sale"]
    assert len(posts(emu, conv.id)) == 1


def test_agents_own_code_first_is_already_naming_both(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.apply_ui_wrapup(conv.id, org["No Sale"])
    intent = client.intend(conv.id, "Sale")
    assert intent.state is IntentState.ALREADY
    assert intent.applied_code_id == org["No Sale"]
    assert "'No Sale'" in (intent.reason or "")
    assert "'Sale'" in (intent.reason or "")
    assert posts(emu) == []


def test_unknown_code_fails_with_a_typed_reason(emu: Any, client: WrapupClient, org: dict[str, str]) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    intent = client.intend(conv.id, "sale")
    assert intent.state is IntentState.FAILED
    assert (intent.reason or "").startswith("UnknownWrapupCode:")


def test_bad_input_is_refused_before_any_io(emu: Any, client: WrapupClient) -> None:
    emu.clear_requests()
    for kwargs in ({"notes": 5}, {"tags": "a,b"}, {"expires": -1}, {"media_type": "fax"}, {"replace": "yes"}):
        with pytest.raises((InvalidInput, TypeError)):
            client.intend("c0ffee00-0000-4000-8000-000000000000", "Sale", **kwargs)
    with pytest.raises(InvalidInput):
        client.intend("not a conversation id!", "Sale")
    assert emu.requests == []
    assert list(open_store(client.intent_store).list()) == []


def test_re_intending_is_idempotent_and_another_code_needs_replace(
    emu: Any, client: WrapupClient, org: dict[str, str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    first = client.intend(conv.id, "Sale", user_id=org["user"])
    again = client.intend(conv.id, "Sale", user_id=org["user"])
    assert (again.id, again.state) == (first.id, IntentState.PENDING)
    with pytest.raises(IntentConflict) as caught:
        client.intend(conv.id, "No Sale", user_id=org["user"])
    assert caught.value.existing_code == "Sale"
    replaced = client.intend(conv.id, "No Sale", user_id=org["user"], replace=True)
    assert (replaced.id, replaced.code) == (first.id, "No Sale")


@pytest.mark.asyncio
async def test_async_intend_is_the_same(emu: Any, aclient: AsyncWrapupClient, org: dict[str, str]) -> None:
    later = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    now = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    pending = await aclient.intend(later.id, "Sale")
    applied = await aclient.intend(now.id, "Sale")
    assert (pending.state, applied.state) == (IntentState.PENDING, IntentState.APPLIED)
    assert (posts(emu, later.id), len(posts(emu, now.id))) == ([], 1)


def test_the_default_store_is_an_sqlite_file_in_the_state_directory(tmp_path: Path) -> None:
    assert default_store_url({"WRAPUPKIT_STORE": "redis://h:6379/0"}) == "redis://h:6379/0"
    url = default_store_url({"XDG_STATE_HOME": str(tmp_path)})
    assert url == f"sqlite:///{tmp_path / 'wrapupkit' / 'intents.db'}"


def test_a_store_per_call_wins_over_the_clients(
    emu: Any, clock: FakeClock, org: dict[str, str], tmp_path: Path
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    with WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock) as client:
        intent = client.intend(conv.id, "Sale", store=other)
    assert open_store(other).get(intent.id) is not None
