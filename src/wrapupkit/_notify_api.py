"""The SDK border for notification channels: ``NotificationsApi`` calls in, plain values out.

Imports ``PureCloudPlatformClientV2``, so only code that already runs with a client imports it
(lazily).  Calls go over the client's own :class:`~wrapupkit._transport.Transport`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from wrapupkit._sdkload import sdk  # isort: split


from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit._sdk import from_api_exception


__all__ = ["ChannelInfo", "NotificationsCalls", "TopicResult"]


@attrs.frozen
class ChannelInfo:
    """A created channel: its id, WebSocket URI and expiry (epoch seconds, if Genesys said)."""

    id: str
    connect_uri: str
    expires: float | None


@attrs.frozen
class TopicResult:
    """What a subscription call left on the channel: permitted topics, and rejected ones with reasons."""

    subscribed: frozenset[str]
    rejected: Mapping[str, tuple[str, tuple[str, ...]]]


class NotificationsCalls:
    """``post_notifications_channels`` and the subscription calls, on one ``ApiClient``. Strictly private."""

    def __init__(self, api_client: Any) -> None:
        self.api = sdk.NotificationsApi(api_client)

    def create_channel(self) -> ChannelInfo:
        """``POST /api/v2/notifications/channels``."""
        try:
            channel = self.api.post_notifications_channels()
        except ApiException as exc:
            raise from_api_exception(exc) from None
        expires = getattr(channel, "expires", None)
        return ChannelInfo(
            id=str(channel.id),
            connect_uri=str(channel.connect_uri),
            expires=expires.timestamp() if expires is not None else None,
        )

    def subscribe(self, channel_id: str, topics: Iterable[str], *, replace: bool) -> TopicResult:
        """``PUT`` (replace) or ``POST`` (add) ``…/subscriptions?ignoreErrors=true``."""
        body = []
        for topic in topics:
            item = sdk.ChannelTopic()  # SDK models take no constructor arguments
            item.id = topic
            body.append(item)
        method = (
            self.api.put_notifications_channel_subscriptions
            if replace
            else self.api.post_notifications_channel_subscriptions
        )
        try:
            listing = method(channel_id, body, ignore_errors=True)
        except ApiException as exc:
            raise from_api_exception(exc) from None
        subscribed: set[str] = set()
        rejected: dict[str, tuple[str, tuple[str, ...]]] = {}
        for entity in getattr(listing, "entities", None) or ():
            if not entity.id:
                continue
            if entity.state == "Rejected":
                missing = tuple(str(p) for p in entity.missing_permissions or ())
                rejected[str(entity.id)] = (str(entity.rejection_reason or "rejected"), missing)
            else:
                subscribed.add(str(entity.id))
        return TopicResult(frozenset(subscribed), rejected)
