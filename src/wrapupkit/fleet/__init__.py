"""A fleet of workers that apply wrap-up intents when Genesys opens after-call work.

``import wrapupkit.fleet`` imports no AWS or Prometheus library: ``SQSEvents`` loads ``boto3``
when it starts, ``FleetMetrics`` and ``MetricsServer`` load ``prometheus_client`` on first use.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wrapupkit.fleet._events import Delivery, EventKind, EventSource, FleetEvent
from wrapupkit.fleet._notif import NotificationEvents
from wrapupkit.fleet._sqs import SQSEvents
from wrapupkit.fleet._stats import Observer, Stats
from wrapupkit.fleet._worker import Worker


if TYPE_CHECKING:
    from wrapupkit.fleet._metrics import FleetMetrics, MetricsServer

__all__ = [
    "Delivery",
    "EventKind",
    "EventSource",
    "FleetEvent",
    "FleetMetrics",
    "MetricsServer",
    "NotificationEvents",
    "Observer",
    "SQSEvents",
    "Stats",
    "Worker",
]

_LAZY = {"FleetMetrics": "wrapupkit.fleet._metrics", "MetricsServer": "wrapupkit.fleet._metrics"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wrapupkit.fleet' has no attribute {name!r}")
