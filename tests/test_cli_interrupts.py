"""Ctrl-C in ``wrapupkit bulk`` and ``apply``, with real signals to a real process against the emulator.

Whatever the operator presses and whenever, the journal, the ``--report`` and the printed summary
say what happened: what was written is recorded as written, the rest as not done, and a rerun with
the same journal writes every conversation exactly once.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from small_org import (  # noqa: F401 - fixtures
    Org,
    assert_rerun_finishes,
    emulator_env,
    journal_records,
    real_emu_fixture,
    wait_for,
    wrapupkit,
)
from wrapupkit.emulator import Emulator


def start(argv: list[str], emu: Emulator, err: Path) -> subprocess.Popen[str]:
    """``python -m wrapupkit ARGV`` in the background; stderr goes to *err* (read while it runs)."""
    with err.open("w", encoding="utf-8") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "wrapupkit", *argv],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, **emulator_env(emu)},
        )


def finish(proc: subprocess.Popen[str]) -> str:
    try:
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    return out


def sheet(tmp_path: Path, cids: list[str]) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("conversation_id,code\n" + "".join(f"{c},Sale\n" for c in cids), encoding="utf-8")
    return path


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_second_and_third_ctrl_c_leave_a_true_journal_report_and_summary(
    real_emu: Emulator, tmp_path: Path
) -> None:
    """SIGINT, then SIGINT twice more while the four items in flight are held: each written item is
    journaled and reported as applied, every other row as not started, the summary counts agree;
    the rerun finishes the rest and every conversation is written exactly once."""
    org = Org(real_emu)
    cids = org.conversations(20)
    # The first four writes (one per worker) land, and their answers are held: Ctrl-C comes meanwhile.
    real_emu.stall_next("POST", "wrapup", 4.0, times=4, after_processing=True)
    journal, report, err = tmp_path / "j.jsonl", tmp_path / "report.csv", tmp_path / "err.txt"
    argv = [
        "bulk",
        str(sheet(tmp_path, cids)),
        "--journal",
        str(journal),
        "--workers",
        "4",
        "--rate-limit",
        "0",
    ]
    proc = start([*argv, "--no-progress", "--report", str(report), "--json"], real_emu, err)
    try:
        wait_for(lambda: sum(real_emu.wrapup(c) is not None for c in cids) == 4, "four writes to land")
        proc.send_signal(signal.SIGINT)
        wait_for(
            lambda: "finishing the item(s) in flight" in err.read_text(encoding="utf-8"), "the first answer"
        )
        proc.send_signal(signal.SIGINT)
        wait_for(lambda: "still finishing" in err.read_text(encoding="utf-8"), "the second answer")
        proc.send_signal(signal.SIGINT)
    finally:
        out = finish(proc)
    stderr = err.read_text(encoding="utf-8")
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    written = [c for c in cids if real_emu.wrapup(c) is not None]
    assert len(written) == 4
    # The journal: each written conversation started and applied; nothing else started.
    records = journal_records(journal)
    assert sorted((r["conversation_id"], r["event"]) for r in records) == sorted(
        [(c, "started") for c in written] + [(c, "applied") for c in written]
    )
    # The report: every row, the written ones applied, the rest not started.
    rows = report_rows(report)
    assert [r["conversation_id"] for r in rows] == cids
    assert {r["conversation_id"] for r in rows if r["status"] == "applied"} == set(written)
    assert {r["status"] for r in rows if r["conversation_id"] not in written} == {"not_started"}
    # The summary and the JSON say the same.
    assert "interrupted: 4 of 20 item(s) ended (4 applied); 16 not started." in stderr
    answer = json.loads(out)
    assert answer["interrupted"] is True
    assert answer["counts"] == {
        "applied": 4,
        "already_applied": 0,
        "skipped": 0,
        "failed": 0,
        "not_started": 16,
    }

    assert_rerun_finishes(real_emu, argv, cids, applied=16, skipped=4)


def test_ctrl_c_while_the_report_is_written_does_not_cut_it_short(real_emu: Emulator, tmp_path: Path) -> None:
    """The run has ended and the report goes to a FIFO nobody reads yet: Ctrl-C there is answered,
    the report is then written whole, and the run's exit status stands."""
    org = Org(real_emu)
    cids = org.conversations(3)
    fifo, err = tmp_path / "report.csv", tmp_path / "err.txt"
    os.mkfifo(fifo)
    argv = ["bulk", str(sheet(tmp_path, cids)), "--no-progress", "--rate-limit", "0", "--report", str(fifo)]
    proc = start(argv, real_emu, err)
    try:
        wait_for(lambda: all(real_emu.wrapup(c) is not None for c in cids), "the writes to land")
        # The process now blocks opening the FIFO for writing (or is on its way there).
        wait_for(lambda: _blocked_on(proc.pid, fifo), "the report to be opened")
        proc.send_signal(signal.SIGINT)
        wait_for(lambda: "still finishing" in err.read_text(encoding="utf-8"), "the answer to Ctrl-C")
        with fifo.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    finally:
        finish(proc)
    stderr = err.read_text(encoding="utf-8")
    assert proc.returncode == 0, stderr
    assert [(r["conversation_id"], r["status"]) for r in rows] == [(c, "applied") for c in cids]
    assert "3 item(s) in" in stderr
    assert "Traceback" not in stderr


def _blocked_on(pid: int, path: Path) -> bool:
    """Whether process *pid* is waiting in open() on *path* (Linux: the syscall's first argument)."""
    try:
        syscall = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    # openat(dirfd, pathname, ...): 257 on x86-64, 56 on arm64; then wait on the FIFO itself.
    return bool(syscall) and syscall[0] in {"257", "56"}


@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc")
def test_blocked_on_sees_an_open_in_progress() -> None:
    """The helper the FIFO test waits with tells a process blocked in open() from one that is not."""
    assert not _blocked_on(os.getpid(), Path("/nowhere"))


# -- a closed pipe -----------------------------------------------------------------------------------------


def test_a_closed_pipe_on_stdout_is_a_quiet_exit(real_emu: Emulator, tmp_path: Path) -> None:
    """stdout is a pipe whose reader has gone: no message, no traceback, exit 141; the run was done."""
    org = Org(real_emu)
    cids = org.conversations(2)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader left before the first byte: every write is EPIPE
    try:
        done = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "wrapupkit",
                "bulk",
                str(sheet(tmp_path, cids)),
                "--json",
                "--no-progress",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, **emulator_env(real_emu)},
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr
    assert "error" not in done.stderr
    assert all(real_emu.wrapup_writes(c) == 1 for c in cids)


def test_bulk_json_piped_into_head_ends_quietly(real_emu: Emulator, tmp_path: Path) -> None:
    """`wrapupkit bulk rows.csv --json | head -3` in a shell: three lines out, nothing on stderr but
    the summary, and the command's status is 0 or 141 (whether head left before the last write)."""
    org = Org(real_emu)
    cids = org.conversations(40)  # about 25 kB of JSON: more than head reads
    command = (
        f"{sys.executable} -m wrapupkit bulk {sheet(tmp_path, cids)} --json --no-progress --rate-limit 0 "
        '| head -3; echo "status=${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(  # noqa: S603
        ["bash", "-c", command],  # noqa: S607 - bash from PATH, as a user's shell
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **emulator_env(real_emu)},
        check=False,
    )
    assert done.stdout.splitlines() == ["{", '  "ok": true,', '  "interrupted": false,']
    assert "Traceback" not in done.stderr
    assert "error" not in done.stderr
    status = done.stderr.strip().splitlines()[-1]
    assert status in {"status=0", "status=141"}
