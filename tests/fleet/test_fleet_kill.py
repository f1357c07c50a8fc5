"""A real worker process killed with SIGKILL after its write reached Genesys, before it recorded it:
another worker finishes the intent through the read before the write, and the code is written once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from worker_helpers import final

from small_org import emulator_env
from wrapupkit import AsyncWrapupClient
from wrapupkit.fleet import Worker
from wrapupkit.intents import Intent, IntentState, intent_key, open_store
from wrapupkit.testing import FakeClock


# isort: off
from worker_helpers import _aclient, _org, _store, redis_url, store_url  # noqa: F401 - fixtures
# isort: on

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.asyncio
async def test_sigkill_after_the_write_then_another_worker_finishes_it_once(
    emu: Any, aclient: AsyncWrapupClient, store: Any, org: dict[str, str], request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue("store_url")
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    key = intent_key(conv.id, None, None)
    now = time.time()
    with open_store(url) as sync_store:  # recorded two minutes ago: the process's first sweep takes it
        sync_store.put(Intent(id=key, conversation_id=conv.id, code="Sale", created_at=now - 120,
                              updated_at=now - 120, expires_at=now + 3600))  # fmt: skip
    emu.stall_next("POST", r"/wrapup$", 30.0, after_processing=True)  # the write lands; its answer hangs
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "wrapupkit", "worker", "--store", url, "--events", "none", "--lease", "5",
         "--stale-after", "60", "--no-share"],
        env={**os.environ, **emulator_env(emu), "PYTHONPATH": str(SRC)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert emu.wait_for_requests("POST", r"/wrapup$", timeout=60)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
    held = await final(store, key)
    assert held.state is IntentState.PENDING  # the dead worker never recorded its write
    assert held.claims == 1
    # The next worker reads the time a minute on (the dead worker's 5 s lease has lapsed by then).
    later = FakeClock(epoch=time.time() + 60)
    survivor = Worker(aclient, store, None, sweep_every=None, stale_after=30.0, clock=later)
    assert await survivor.sweep() == 1
    done = await final(store, key)
    assert done.state is IntentState.APPLIED
    assert done.claims == 2
    assert emu.wrapup_writes(conv.id) == 1
