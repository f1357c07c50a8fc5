"""Shared fixtures: a fake clock, the emulator on that clock, and a WrapupClient wired to it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from wrapupkit.testing import FakeClock


@pytest.fixture(autouse=True)
def _clean_genesys_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees credentials or hosts from the developer's environment."""
    for name in list(os.environ):
        if name.startswith(("GENESYSCLOUD_", "GENESYS_CLOUD_")):
            monkeypatch.delenv(name)


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="emu")
def _emu(clock: FakeClock) -> Iterator[object]:
    from wrapupkit.emulator import Emulator

    with Emulator(clock=clock) as emu:
        yield emu
