"""Ctrl-C, twice and more, in :func:`wrapupkit.apply_many` itself (Python's own SIGINT handling, no CLI):
the items in flight finish and are journaled, and BulkInterrupted carries every one that ended."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from small_org import Org, emulator_env, journal_records, real_emu_fixture, wait_for  # noqa: F401 - fixtures
from wrapupkit import WrapupClient, apply_many
from wrapupkit.emulator import Emulator


CHILD = textwrap.dedent(
    """
    import json, logging, os, sys
    from wrapupkit import WrapupClient, apply_many
    from wrapupkit.bulk import BulkInterrupted

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    items = json.loads(os.environ["BULK_ITEMS"])
    client = WrapupClient.from_env()
    try:
        apply_many(client, items, max_workers=4, rate_limit=None, journal=sys.argv[1], progress=False)
    except BulkInterrupted as stopped:
        outcomes = [(o.conversation_id, o.status) for o in stopped.report]
        print(json.dumps({"total": stopped.total, "outcomes": outcomes}))
        sys.exit(130)
    """
)


def test_repeated_ctrl_c_still_journals_and_reports_every_item_in_flight(
    real_emu: Emulator, tmp_path: Path
) -> None:
    """SIGINT until a second one has surely been delivered while four writes are held: the four end
    applied in the journal and in the report, nothing else started, and a rerun writes each once."""
    org = Org(real_emu)
    cids = org.conversations(12)
    real_emu.stall_next("POST", "wrapup", 4.0, times=4, after_processing=True)
    journal, err = tmp_path / "j.jsonl", tmp_path / "err.txt"
    env = {**os.environ, **emulator_env(real_emu), "BULK_ITEMS": json.dumps([[c, "Sale"] for c in cids])}
    with err.open("w", encoding="utf-8") as stderr:
        child = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", CHILD, str(journal)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        wait_for(lambda: sum(real_emu.wrapup(c) is not None for c in cids) == 4, "four writes to land")
        # Signals sent back to back may be delivered as one: repeat until the run says it is still finishing.
        deadline = time.monotonic() + 30
        while "still finishing" not in err.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, err.read_text(encoding="utf-8")
            child.send_signal(signal.SIGINT)
            time.sleep(0.3)
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=30)
    assert child.returncode == 130, err.read_text(encoding="utf-8")
    written = {c for c in cids if real_emu.wrapup(c) is not None}
    assert len(written) == 4
    answer = json.loads(out)
    assert answer["total"] == 12
    assert sorted(map(tuple, answer["outcomes"])) == sorted((c, "applied") for c in written)
    records = journal_records(journal)
    assert sorted((r["conversation_id"], r["event"]) for r in records) == sorted(
        [(c, "started") for c in written] + [(c, "applied") for c in written]
    )

    client = WrapupClient.from_credentials(real_emu.client_id, real_emu.client_secret, host=real_emu.url)
    report = apply_many(client, [(c, "Sale") for c in cids], journal=journal, progress=False, rate_limit=None)
    assert report.counts == {"applied": 8, "already_applied": 0, "skipped": 4, "failed": 0}
    assert all(real_emu.wrapup_writes(c) == 1 for c in cids)
