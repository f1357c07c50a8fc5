"""pytest fixtures for the emulator (registered through the ``pytest11`` entry point).

- ``genesys_emulator_clock``: a fresh :class:`~wrapupkit.testing.FakeClock`.
- ``genesys_emulator``: an :class:`~wrapupkit.emulator.Emulator` on that clock, stopped after the test.
- ``genesys_client``: a :class:`~wrapupkit.WrapupClient` logged in to that emulator, on that clock,
  retrying without waiting; closed after the test.  A first test is three lines::

      def test_wraps_up(genesys_emulator, genesys_client):
          conv = genesys_emulator.add_conversation(user_id=genesys_emulator.add_user("Ada"), ...)
          assert genesys_client.apply_wrapup(conv.id, "Sale").attempts == 1

- ``genesys_async_client``: the same as an :class:`~wrapupkit.AsyncWrapupClient` (needs
  ``pytest-asyncio``; mark the test ``@pytest.mark.asyncio``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from wrapupkit import AsyncWrapupClient, RetryPolicy, WrapupClient
from wrapupkit.emulator._emulator import Emulator
from wrapupkit.testing import FakeClock


@pytest.fixture(name="genesys_emulator_clock")
def _genesys_emulator_clock() -> FakeClock:
    """A fake clock for the emulator's timeline; advance it instead of sleeping."""
    return FakeClock()


@pytest.fixture(name="genesys_emulator")
def _genesys_emulator(genesys_emulator_clock: FakeClock) -> Iterator[Emulator]:
    """A started emulator on ``genesys_emulator_clock``."""
    with Emulator(clock=genesys_emulator_clock) as emulator:
        yield emulator


@pytest.fixture(name="genesys_client")
def _genesys_client(genesys_emulator: Emulator, genesys_emulator_clock: FakeClock) -> Iterator[WrapupClient]:
    """A WrapupClient wired to ``genesys_emulator`` and its fake clock (waits advance it instantly)."""
    with WrapupClient.from_credentials(
        genesys_emulator.client_id,
        genesys_emulator.client_secret,
        host=genesys_emulator.url,
        clock=genesys_emulator_clock,
        retry=RetryPolicy.no_wait(),
    ) as client:
        yield client


async def _async_client(
    genesys_emulator: Emulator, genesys_emulator_clock: FakeClock
) -> AsyncIterator[AsyncWrapupClient]:
    """An AsyncWrapupClient wired to ``genesys_emulator`` and its fake clock."""
    client = await AsyncWrapupClient.from_credentials(
        genesys_emulator.client_id,
        genesys_emulator.client_secret,
        host=genesys_emulator.url,
        clock=genesys_emulator_clock,
        retry=RetryPolicy.no_wait(),
    )
    async with client:
        yield client


def _needs_pytest_asyncio() -> None:
    """Needs pytest-asyncio."""
    pytest.fail("the genesys_async_client fixture needs pytest-asyncio: pip install pytest-asyncio")


genesys_async_client: Any
try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the fixture says what is missing when used
    genesys_async_client = pytest.fixture(name="genesys_async_client")(_needs_pytest_asyncio)
else:
    genesys_async_client = pytest_asyncio.fixture(name="genesys_async_client")(_async_client)
