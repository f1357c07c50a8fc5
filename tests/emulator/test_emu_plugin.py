"""The pytest plugin's fixtures (loaded through the ``pytest11`` entry point)."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest

from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


def test_fixtures_give_a_started_emulator_on_the_fake_clock(
    genesys_emulator: Emulator, genesys_emulator_clock: FakeClock
) -> None:
    """genesys_emulator serves on genesys_emulator_clock, whose advances play the timeline."""
    assert genesys_emulator.clock is genesys_emulator_clock
    assert genesys_emulator.url.startswith("http://127.0.0.1:")
    user = genesys_emulator.add_user("Ada")
    handle = genesys_emulator.add_conversation(user_id=user, acw_timeout=5)
    genesys_emulator_clock.advance(5)
    assert genesys_emulator.state.conversations[handle.id].agents[0].wrapup is not None
    api = sdk.ApiClient(host=genesys_emulator.url)
    api.get_client_credentials_token(genesys_emulator.client_id, genesys_emulator.client_secret)
    assert sdk.ConversationsApi(api).get_conversation(handle.id).id == handle.id


def test_fixtures_are_fresh_per_test(genesys_emulator: Emulator, genesys_emulator_clock: FakeClock) -> None:
    """Each test gets a new emulator (no state from the previous test) and a clock at zero."""
    assert genesys_emulator.state.users == {}
    assert genesys_emulator_clock.monotonic() == 0.0


def test_a_first_test_is_three_lines(genesys_emulator: Emulator, genesys_client: Any) -> None:
    """genesys_client is logged in to the emulator on its fake clock: waiting costs no real time."""
    queue = genesys_emulator.add_queue("Support", codes=[genesys_emulator.add_code("Sale")])
    conv = genesys_emulator.add_conversation(
        user_id=genesys_emulator.add_user("Ada"), queue_id=queue, disconnect_after=10.0
    )
    assert genesys_client.apply_wrapup(conv.id, "Sale").waited >= 10.0


@pytest.mark.asyncio
async def test_the_async_client_fixture(genesys_emulator: Emulator, genesys_async_client: Any) -> None:
    """genesys_async_client is the same, for asyncio code."""
    queue = genesys_emulator.add_queue("Support", codes=[genesys_emulator.add_code("Sale")])
    conv = genesys_emulator.add_conversation(user_id=genesys_emulator.add_user("Ada"), queue_id=queue)
    result = await genesys_async_client.apply_wrapup(conv.id, "Sale")
    assert (result.attempts, result.code.name) == (1, "Sale")
