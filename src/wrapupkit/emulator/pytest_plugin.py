"""pytest fixtures for the emulator (registered through the ``pytest11`` entry point).

- ``genesys_emulator_clock``: a fresh :class:`~wrapupkit.testing.FakeClock`.
- ``genesys_emulator``: an :class:`~wrapupkit.emulator.Emulator` on that clock, stopped after the test.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
