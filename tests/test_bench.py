"""Every benchmark still runs: each bench/*.py, tiny (``--smoke``), completes and prints its table.

The figures of a smoke run mean nothing (the real runs and their figures are in docs/benchmarks.md);
this only keeps a bench from rotting between real runs (a crash, as bench_notifications.py once had).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


BENCH = Path(__file__).resolve().parent.parent / "bench"
BENCHES = sorted(p.name for p in BENCH.glob("bench_*.py"))


def test_every_bench_is_listed() -> None:
    """The benches this file runs are the ones in bench/ (a new bench is smoke-run too)."""
    assert len(BENCHES) >= 7
    assert "bench_notifications.py" in BENCHES


@pytest.mark.timeout(240)
@pytest.mark.parametrize("script", BENCHES)
def test_bench_runs_tiny_and_prints_its_table(script: str) -> None:
    """`python bench/X.py --smoke` exits 0 and prints a markdown table with at least one row."""
    done = subprocess.run(  # noqa: S603 - our interpreter on our own script
        [sys.executable, script, "--smoke"],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=230,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    rule = next((i for i, line in enumerate(lines) if re.fullmatch(r"\|(-+\|)+", line)), None)
    assert rule is not None, done.stdout
    header, rows = lines[rule - 1], [line for line in lines[rule + 1 :] if line.startswith("| ")]
    assert rows, done.stdout
    assert all(row.count("|") == header.count("|") for row in rows), done.stdout
