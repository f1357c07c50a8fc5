"""Readiness: strategies judge, the flow decides what happens next, drivers do the I/O."""

from __future__ import annotations

from wrapupkit._readiness._events import (
    DEADLINE,
    AsyncEventSource,
    CallInfo,
    Deadline,
    EventSource,
    Offload,
    WaitRequest,
)
from wrapupkit._readiness._strategy import (
    Decision,
    FunctionStrategy,
    Immediate,
    Optimistic,
    Polling,
    Readiness,
    ReadinessContext,
    ReadinessStrategy,
    as_strategy,
    is_not_yet,
    is_unclear,
    judge,
    may_enter_acw,
)


__all__ = [
    "DEADLINE",
    "AsyncEventSource",
    "CallInfo",
    "Deadline",
    "Decision",
    "EventSource",
    "FunctionStrategy",
    "Immediate",
    "Offload",
    "Optimistic",
    "Polling",
    "Readiness",
    "ReadinessContext",
    "ReadinessStrategy",
    "WaitRequest",
    "as_strategy",
    "is_not_yet",
    "is_unclear",
    "judge",
    "may_enter_acw",
]
