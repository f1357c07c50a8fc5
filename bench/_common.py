"""Shared set-up for the benchmarks: a served emulator on the real clock with one queue and agent."""

from __future__ import annotations

import statistics
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
