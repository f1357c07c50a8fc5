"""Emulator lifecycle: start/stop, URL, binding, and what importing the package pulls in."""

from __future__ import annotations

import subprocess
import sys
import urllib.error

import pytest
from emulator_helpers import fetch

from wrapupkit import SystemClock
from wrapupkit.emulator import Emulator, Rules
from wrapupkit.testing import FakeClock


def test_url_before_start_raises() -> None:
    """``url`` is only available while serving."""
    emu = Emulator(clock=FakeClock())
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.url


def test_context_manager_serves_on_loopback_and_stops() -> None:
    """The context manager binds 127.0.0.1 on an ephemeral port and closes it on exit."""
    with Emulator(clock=FakeClock()) as emu:
        url = emu.url
        assert url.startswith("http://127.0.0.1:")
        assert fetch(f"{url}/__emulator__/info") == 200
    with pytest.raises(urllib.error.URLError):
        fetch(f"{url}/__emulator__/info", timeout=2)


def test_start_and_stop_are_idempotent() -> None:
    """Calling start() or stop() twice is harmless; a restart serves again."""
    emu = Emulator(clock=FakeClock())
    emu.start()
    first = emu.url
    assert emu.start() is emu
    assert emu.url == first
    emu.stop()
    emu.stop()
    emu.start()
    try:
        assert fetch(f"{emu.url}/__emulator__/info") == 200
    finally:
        emu.stop()


def test_defaults_are_a_system_clock_and_default_rules() -> None:
    """Without arguments the emulator uses the real clock and default rules."""
    emu = Emulator()
    assert isinstance(emu.clock, SystemClock)
    assert emu.rules == Rules()


def test_rules_object_is_shared_not_copied() -> None:
    """The Rules passed in is the one the emulator consults."""
    rules = Rules(early_write=409)
    emu = Emulator(clock=FakeClock(), rules=rules)
    assert emu.rules is rules


def test_seeding_works_before_start() -> None:
    """Seeding needs no server; the state is served once started."""
    emu = Emulator(clock=FakeClock())
    code = emu.add_code("Sale")
    with emu:
        assert fetch(f"{emu.url}/__emulator__/info") == 200
    assert emu.state.codes[code].name == "Sale"


def test_importing_the_emulator_does_not_import_the_sdk() -> None:
    """``import wrapupkit.emulator`` (and its plugin and CLI) never loads PureCloudPlatformClientV2."""
    code = (
        "import sys, wrapupkit.emulator, wrapupkit.emulator.pytest_plugin, wrapupkit.emulator._cli;"
        "print(any(m.startswith('PureCloudPlatformClientV2') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "False"
