"""A small emulated org, and the fixtures and helpers the bulk and CLI tests share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wrapupkit import BulkReport, RetryPolicy, WrapupClient, apply_many, cli
from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


SECRET = "TOP-SECRET-NOTES do not leak"


class Org:
    """An emulated org with one queue, two codes and an agent."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.sale = emu.add_code("Sale")
        self.no_sale = emu.add_code("No Sale")
        # MANDATORY: no ACW timeout, so fake time spent waiting for the rate limit cannot expire ACW.
        self.queue = emu.add_queue("Support", codes=[self.sale, self.no_sale], wrapup_prompt="MANDATORY")
        self.user = emu.add_user("Ada")

    def conversation(self, **kwargs: Any) -> str:
        return str(self.emu.add_conversation(user_id=self.user, queue_id=self.queue, **kwargs).id)

    def conversations(self, n: int) -> list[str]:
        return [self.conversation() for _ in range(n)]

    def posts(self, conversation_id: str | None = None) -> int:
        path = f"{conversation_id}/.*wrapup" if conversation_id else "wrapup"
        return len(self.emu.requests_matching("POST", path))


# Fixtures for the bulk tests: import them by these names (pytest finds them by their `name`).
@pytest.fixture(name="org")
def org_fixture(emu: Emulator) -> Org:
    return Org(emu)


@pytest.fixture(name="real_emu")
def real_emu_fixture() -> Iterator[Emulator]:
    """An emulator on the real clock, for tests where another process is the client."""
    with Emulator() as emu:
        yield emu


@pytest.fixture(name="client")
def client_fixture(emu: Emulator, clock: FakeClock) -> WrapupClient:
    return WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    )


def run(client: WrapupClient, items: list[Any], **kwargs: Any) -> BulkReport:
    """apply_many without a progress bar or a rate limit unless asked."""
    kwargs.setdefault("progress", False)
    kwargs.setdefault("rate_limit", None)
    return apply_many(client, items, **kwargs)


def journal_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for(condition: Callable[[], object], what: str, limit: float = 60.0) -> None:
    """Poll *condition* (another process is working) until it holds or *limit* real seconds pass."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def emulator_env(emu: Emulator) -> dict[str, str]:
    """The GENESYSCLOUD_* variables that point a client (or the CLI) at *emu*."""
    return {
        "GENESYSCLOUD_API_HOST": emu.url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
    }


# Fixtures and helpers for the command's tests.
@pytest.fixture(name="cli_org")
def cli_org_fixture(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Org:
    """The small org, with the GENESYSCLOUD_* variables pointing the command at it."""
    for name, value in emulator_env(emu).items():
        monkeypatch.setenv(name, value)
    return Org(emu)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``wrapupkit ARGV`` in this process: the exit status, stdout and stderr."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def wrapupkit(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wrapupkit ARGV`` to completion, in a process of its own."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "wrapupkit", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def assert_rerun_finishes(
    emu: Emulator, argv: list[str], cids: list[str], *, applied: int, skipped: int
) -> None:
    """Rerunning ``wrapupkit ARGV`` (a bulk run with its journal) finishes the rest: exit 0, the counts
    given, and every conversation written exactly once."""
    rerun = wrapupkit(*argv, "--json", env=emulator_env(emu))
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads(rerun.stdout)["counts"]
    assert counts == {"applied": applied, "already_applied": 0, "skipped": skipped, "failed": 0}
    assert all(emu.wrapup_writes(c) == 1 for c in cids)
