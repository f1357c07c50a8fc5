"""The bulk journal: records before and after each write, resumes safely, one run at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from small_org import (  # noqa: F401 - fixtures
    SECRET,
    Org,
    client_fixture,
    emulator_env,
    journal_records,
    org_fixture,
    real_emu_fixture,
    run,
    wait_for,
)
from wrapupkit import BulkItem, WrapupClient, apply_many
from wrapupkit.bulk import JournalInUse
from wrapupkit.bulk._journal import Journal
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import ConfigurationError


# -- the journal -----------------------------------------------------------------------------------------


def test_journal_records_each_item_before_and_after(org: Org, client: WrapupClient, tmp_path: Path) -> None:
    """Each item writes a started record, then its final status, keyed by conversation, agent and code."""
    cids = org.conversations(3)
    journal = tmp_path / "j.jsonl"
    run(client, [(c, "Sale") for c in cids], journal=journal, max_workers=2)
    records = journal_records(journal)
    assert len(records) == 6
    for cid in cids:
        events = [r["event"] for r in records if r["conversation_id"] == cid]
        assert events == ["started", "applied"]
    finals = [r for r in records if r["event"] == "applied"]
    assert {r["key"] for r in finals} == {f"{c}|*|Sale" for c in cids}
    assert all(r["code_id"] == org.sale and r["participant_id"] for r in finals)


def test_rerun_with_journal_skips_done_items_and_retries_failures(
    org: Org, client: WrapupClient, tmp_path: Path
) -> None:
    """Done items are skipped without a request; a failed item is tried again."""
    cids = org.conversations(3)
    late = org.emu.add_code("Late")
    items = [(cids[0], "Sale"), (cids[1], "Sale"), (cids[2], "Late")]
    journal = tmp_path / "j.jsonl"
    first = run(client, items, journal=journal)
    assert [o.status for o in first.outcomes] == ["applied", "applied", "failed"]
    org.emu.set_queue_codes(org.queue, [org.sale, org.no_sale, late])
    client.clear_cache()
    org.emu.clear_requests()
    second = run(client, items, journal=journal)
    assert [o.status for o in second.outcomes] == ["skipped", "skipped", "applied"]
    assert org.emu.requests_matching(path=cids[0]) == []
    assert org.emu.requests_matching(path=cids[1]) == []
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)


def test_started_only_item_is_resolved_without_a_second_write(
    org: Org, client: WrapupClient, tmp_path: Path
) -> None:
    """An item the journal shows as started (a crash after the POST) ends already_applied, resumed."""
    (cid,) = org.conversations(1)
    client.apply_wrapup(cid, "Sale")
    journal = tmp_path / "j.jsonl"
    book = Journal(journal)
    book.record("started", BulkItem(cid, "Sale"), 0, 0.0)
    book.close()
    report = run(client, [(cid, "Sale")], journal=journal)
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.resumed) == ("already_applied", True)
    assert org.emu.wrapup_writes(cid) == 1


def test_a_torn_last_line_is_ignored_and_not_glued_to(org: Org, client: WrapupClient, tmp_path: Path) -> None:
    """A record cut short by a crash is skipped, and the next record starts on a fresh line."""
    (cid,) = org.conversations(1)
    journal = tmp_path / "j.jsonl"
    journal.write_text('{"v":1,"event":"applied","key":"x|*|Sale"', encoding="utf-8")
    report = run(client, [(cid, "Sale")], journal=journal)
    assert report.counts["applied"] == 1
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith('Sale"')
    assert [json.loads(line)["event"] for line in lines[1:]] == ["started", "applied"]


# -- crash safety with a real process --------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, os, sys
    from wrapupkit import apply_many
    from wrapupkit._client import WrapupClient

    items = json.loads(os.environ["BULK_ITEMS"])
    client = WrapupClient.from_env(request_timeout=120.0, timeout=300.0)
    apply_many(client, items, max_workers=1, rate_limit=None, journal=sys.argv[1], progress=False)
    """
)


def test_sigkill_mid_run_then_rerun_writes_every_conversation_once(
    real_emu: Emulator, tmp_path: Path
) -> None:
    """A process killed while a POST is in flight; the rerun finishes the rest and writes nothing twice."""
    org = Org(real_emu)
    cids = org.conversations(8)
    stalled = cids[4]
    # The write lands, but its response is held: the child is killed before it can journal it.
    real_emu.stall_next("POST", f"{stalled}/.*wrapup", 300.0, after_processing=True)
    journal = tmp_path / "journal.jsonl"
    env = {
        **os.environ,
        **emulator_env(real_emu),
        "BULK_ITEMS": json.dumps([[c, "Sale", SECRET] for c in cids]),
    }
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(journal)], env=env)  # noqa: S603
    try:
        wait_for(lambda: real_emu.wrapup(stalled) is not None, "the stalled write to land")
        assert child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    records = journal_records(journal)
    assert [r["event"] for r in records if r["conversation_id"] == stalled] == ["started"]
    assert {r["conversation_id"] for r in records if r["event"] == "applied"} == set(cids[:4])
    assert all(real_emu.wrapup_writes(c) == 0 for c in cids[5:])

    real_emu.clear_requests()
    client = WrapupClient.from_credentials(real_emu.client_id, real_emu.client_secret, host=real_emu.url)
    report = apply_many(client, [(c, "Sale", SECRET) for c in cids], journal=journal, progress=False)
    statuses = [o.status for o in report.outcomes]
    assert statuses == ["skipped"] * 4 + ["already_applied"] + ["applied"] * 3
    assert report.outcomes[4].resumed
    assert real_emu.requests_matching("POST", "|".join(cids[:5])) == []
    assert all(real_emu.wrapup_writes(c) == 1 for c in cids)


# -- one run per journal ---------------------------------------------------------------------------------


def test_a_journal_open_in_this_process_refuses_a_second_run(tmp_path: Path) -> None:
    """Two runs in one process on one journal: the second is refused at once; closing releases it."""
    path = tmp_path / "j.jsonl"
    first = Journal(path)
    try:
        with pytest.raises(JournalInUse) as info:
            Journal(path)
        assert info.value.path == str(path)
        assert isinstance(info.value, ConfigurationError)
        first.record("started", BulkItem("c-1", "Sale"), 0, 0.0)  # the refusal did not disturb the owner
    finally:
        first.close()
    again = Journal(path)
    again.close()
    assert [r["event"] for r in journal_records(path)] == ["started"]


def test_a_second_process_on_a_held_journal_is_refused_before_any_request(
    real_emu: Emulator, tmp_path: Path
) -> None:
    """While a run holds its journal, another process's apply_many and CLI bulk are refused (exit 9)."""
    org = Org(real_emu)
    cids = org.conversations(3)
    real_emu.stall_next("POST", f"{cids[0]}/.*wrapup", 300.0, after_processing=True)
    journal = tmp_path / "journal.jsonl"
    env = {**os.environ, **emulator_env(real_emu), "BULK_ITEMS": json.dumps([[c, "Sale"] for c in cids])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(journal)], env=env)  # noqa: S603
    try:
        wait_for(lambda: real_emu.wrapup(cids[0]) is not None, "the first run to hold its journal")
        real_emu.clear_requests()
        client = WrapupClient.from_credentials(real_emu.client_id, real_emu.client_secret, host=real_emu.url)
        with pytest.raises(JournalInUse):
            apply_many(client, [(c, "Sale") for c in cids[1:]], journal=journal, progress=False)
        sheet = tmp_path / "in.csv"
        sheet.write_text(
            "conversation_id,code\n" + "".join(f"{c},Sale\n" for c in cids[1:]), encoding="utf-8"
        )
        done = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "wrapupkit",
                "bulk",
                str(sheet),
                "--journal",
                str(journal),
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert done.returncode == 9
        assert done.stderr.splitlines() == [done.stderr.strip()]  # one line, no traceback
        assert "in use by another bulk run" in done.stderr
        assert real_emu.requests_matching("POST", "wrapup") == []
    finally:
        child.kill()
        child.wait(timeout=30)
    # The OS dropped the dead run's lock: the journal is usable again, and the rerun resumes it.
    report = apply_many(client, [(c, "Sale") for c in cids], journal=journal, progress=False)
    assert [o.status for o in report.outcomes] == ["already_applied", "applied", "applied"]
    assert all(real_emu.wrapup_writes(c) == 1 for c in cids)


# -- journals that cannot be trusted or used -------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b'{"v":1,"event":"applied","key":["c","*","Sale"]}',
        b'{"v":1,"event":"applied","key":{"c":1}}',
        b'{"v":1,"event":7,"key":"x|*|Sale"}',
        b'{"v":1,"event":"exploded","key":"x|*|Sale"}',
        b'{"v":1,"key":"x|*|Sale"}',
        b"[1, 2, 3]",
        b'"applied"',
        b"null",
        b"\xff\xfe not UTF-8",
        b"{not json",
    ],
    ids=[
        "key-list",
        "key-dict",
        "event-number",
        "event-unknown",
        "no-event",
        "array",
        "string",
        "null",
        "bytes",
        "junk",
    ],
)
def test_malformed_journal_lines_are_skipped_with_a_warning(
    org: Org, client: WrapupClient, tmp_path: Path, caplog: pytest.LogCaptureFixture, line: bytes
) -> None:
    """A line that is not one of our records is skipped (logged as a warning); the run goes on."""
    done, todo = org.conversations(2)
    client.apply_wrapup(done, "Sale")
    journal = tmp_path / "j.jsonl"
    good = json.dumps({"v": 1, "event": "applied", "key": f"{done}|*|Sale"}).encode()
    journal.write_bytes(line + b"\n" + good + b"\n")
    with caplog.at_level("WARNING", logger="wrapupkit"):
        report = run(client, [(done, "Sale"), (todo, "Sale")], journal=journal)
    assert [o.status for o in report.outcomes] == ["skipped", "applied"]
    assert any("line 1" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    assert org.emu.wrapup_writes(done) == 1
    assert org.emu.wrapup_writes(todo) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_journal_paths_that_are_not_regular_files_are_refused_up_front(
    org: Org, client: WrapupClient, tmp_path: Path
) -> None:
    """A FIFO, a directory or a device (/dev/full would be read forever) raises before any request."""
    (cid,) = org.conversations(1)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    paths = [fifo, tmp_path]
    if Path("/dev/full").exists():
        paths.append(Path("/dev/full"))
    for path in paths:
        with pytest.raises(ConfigurationError, match="journal"):
            run(client, [(cid, "Sale")], journal=path)
    assert org.emu.requests == []
