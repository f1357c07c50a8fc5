"""Fixtures for the emulator's own tests: a fake clock, a started emulator, a seeded org, SDK clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import NoRetryHttpClient, Org, sdk_client

from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


@pytest.fixture(name="fake_clock")
def _fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="emulator")
def _emulator(fake_clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(clock=fake_clock) as emu:
        yield emu


@pytest.fixture(name="org")
def _org(emulator: Emulator) -> Org:
    codes = {name: emulator.add_code(name) for name in ("Sale", "No Sale", "Other")}
    queue = emulator.add_queue("Support", codes=[codes["Sale"], codes["No Sale"]])
    return Org(codes=codes, queue=queue, user=emulator.add_user("Ada"))


@pytest.fixture(name="api")
def _api(emulator: Emulator) -> Any:
    """The SDK's default HTTP client (with its urllib3 retries), logged in."""
    return sdk_client(emulator)


@pytest.fixture(name="strict_api")
def _strict_api(emulator: Emulator) -> Any:
    """The SDK with :class:`NoRetryHttpClient`: every fault surfaces at once."""
    return sdk_client(emulator, NoRetryHttpClient())


@pytest.fixture(name="conversations")
def _conversations(api: Any) -> Any:
    return sdk.ConversationsApi(api)


@pytest.fixture(name="routing")
def _routing(api: Any) -> Any:
    return sdk.RoutingApi(api)
