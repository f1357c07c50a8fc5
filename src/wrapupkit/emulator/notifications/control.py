"""Control operations of the notification service that are more than one hub method call."""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator.core.errors import bad_request
from wrapupkit.emulator.notifications.hub import NotificationHub


__all__ = ["overview", "settings"]


def overview(hub: NotificationHub) -> dict[str, Any]:
    """Every channel and the connection count (``GET /__emulator__/notifications``)."""
    return {"channels": hub.info(), "connections": hub.connections}


def settings(
    hub: NotificationHub,
    *,
    heartbeat_interval: float | None = -1.0,
    max_topics: int | None = None,
    max_channels: int | None = None,
    channel_ttl: float | None = None,
) -> dict[str, Any]:
    """Change the hub's settings; a key left out keeps its value (``heartbeat_interval`` null: off)."""
    for name, value in (("max_topics", max_topics), ("max_channels", max_channels)):
        if value is not None and value < 1:
            raise bad_request(f"{name} must be a positive number")
    if channel_ttl is not None and channel_ttl <= 0:
        raise bad_request("channel_ttl must be positive")
    if heartbeat_interval is None or heartbeat_interval >= 0:
        hub.heartbeat_interval = heartbeat_interval
    hub.max_topics = max_topics or hub.max_topics
    hub.max_channels = max_channels or hub.max_channels
    hub.channel_ttl = channel_ttl or hub.channel_ttl
    return {}
