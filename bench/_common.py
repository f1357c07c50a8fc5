"""Shared set-up for the benchmarks: a served emulator on the real clock with one queue and agent."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Sequence
from typing import Any


def seed(emu: Any) -> dict[str, str]:
    """Three codes in a queue, and an agent."""
    ids = {name: emu.add_code(name) for name in ("Survey Complete", "Sale", "No Sale")}
    ids["queue"] = emu.add_queue("Bench", codes=list(ids.values()), wrapup_prompt="MANDATORY_TIMEOUT")
    ids["user"] = emu.add_user("Bench Agent")
    return ids


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of *values* (in the values' unit)."""
    ordered = sorted(values)
    if not ordered:
        return dict.fromkeys(("p50", "p95", "p99", "max"), float("nan"))
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": ordered[-1]}


class Stopwatch:
    """Per conversation: when ACW became pending, and when a wrap-up was recorded (emulator side).

    Times are wall-clock seconds (``time.time()``, the emulator's time base on the real clock),
    taken when the emulator announces the change.  When the announcement of "pending" is read only
    after the wrap-up already closed ACW (the client was that quick), the emulator's own record of
    when ACW opened is used instead (its scheduled time, which a loaded timeline thread may have
    applied later: those latencies can read high; ``late`` names them): every conversation whose ACW
    opened has a pending time.
    """

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.lock = threading.Lock()
        self.pending: dict[str, float] = {}
        self.recorded: dict[str, float] = {}
        self.late: set[str] = set()  # pending read from the emulator's record (scheduled, not seen)
        self.unsubscribe = emu.backend.on_change(self.changed)

    def changed(self, cid: str) -> None:
        now = time.time()
        with self.emu.backend.lock:
            conv = self.emu.backend.conversations.get(cid)
            agent = conv.agents[0] if conv is not None else None
            acw = agent.comm.acw if agent is not None else None
            opened = agent.comm.acw_start if agent is not None else None
            wrapped = agent is not None and agent.wrapup is not None
        with self.lock:
            if cid not in self.pending and acw in {"pending", "complete"}:
                self.pending[cid] = now if acw == "pending" or opened is None else opened
                if acw == "complete":
                    self.late.add(cid)
            if wrapped and cid not in self.recorded:
                self.recorded[cid] = now

    def latencies_ms(self, cids: Sequence[str]) -> list[float]:
        """ACW pending to wrap-up recorded, in ms, for each of *cids* that has both."""
        with self.lock:
            return [
                (self.recorded[c] - self.pending[c]) * 1000
                for c in cids
                if c in self.recorded and c in self.pending
            ]


def smoke_sizes(args: Any, **tiny: Any) -> Any:
    """With ``--smoke`` (or ``BENCH_SMOKE=1``), replace *args*' sizes by *tiny* ones: CI runs every
    bench this way (it completes and prints its table), so no bench rots between real runs."""
    if getattr(args, "smoke", False) or os.environ.get("BENCH_SMOKE") == "1":
        for name, value in tiny.items():
            setattr(args, name, value)
    return args


def add_smoke_flag(parser: Any) -> None:
    """Add ``--smoke``: a tiny run that only checks the bench still works (figures meaningless)."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny run that checks the bench works (CI); figures are meaningless",
    )
