"""Shared set-up for the benchmarks: a served emulator on the real clock with one queue and agent."""

from __future__ import annotations

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
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": ordered[-1]}


class Stopwatch:
    """Per conversation: when ACW became pending, and when a wrap-up was recorded (emulator side)."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.lock = threading.Lock()
        self.pending: dict[str, float] = {}
        self.recorded: dict[str, float] = {}
        self.unsubscribe = emu.backend.on_change(self.changed)

    def changed(self, cid: str) -> None:
        now = time.perf_counter()
        with self.emu.backend.lock:
            conv = self.emu.backend.conversations.get(cid)
            agent = conv.agents[0] if conv is not None else None
            acw = agent.comm.acw if agent is not None else None
            wrapped = agent is not None and agent.wrapup is not None
        with self.lock:
            if acw == "pending" and cid not in self.pending:
                self.pending[cid] = now
            if wrapped and cid not in self.recorded:
                self.recorded[cid] = now
