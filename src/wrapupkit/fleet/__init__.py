"""A fleet of workers that apply wrap-up intents when Genesys opens after-call work.

.. versionadded:: 0.1.0
"""

from wrapupkit.fleet._events import Delivery, EventKind, EventSource, FleetEvent
from wrapupkit.fleet._notif import NotificationEvents
from wrapupkit.fleet._sqs import SQSEvents


__all__ = ["Delivery", "EventKind", "EventSource", "FleetEvent", "NotificationEvents", "SQSEvents"]
