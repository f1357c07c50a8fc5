"""The SDK operations wrapupkit uses: ``PureCloudPlatformClientV2`` calls in, plain values out.

The SDK takes ~2 s and ~200 MB to import, so this module is imported only when a
client is first created.  SDK models never leave it: responses become JSON dicts or
:mod:`wrapupkit._models` values.  Errors need no translation here: the transport
raises wrapupkit's exceptions before the SDK could raise its own.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from wrapupkit._http._sdkload import sdk  # isort: split


from wrapupkit._media import MEDIA, MediaEndpoint, MediaType
from wrapupkit._models import WrapupCode
from wrapupkit.exceptions import NotFound


__all__ = ["Api", "ChannelInfo", "TopicResult", "new_api_client", "supported_media"]

log = logging.getLogger("wrapupkit")
# Pages asked for when listing codes; the server may clamp it, and we follow pageCount/nextUri.
PAGE_SIZE = 100
MAX_PAGES = 1000


def new_api_client(host: str) -> Any:
    """A fresh ``ApiClient`` for *host* (never the SDK's global configuration's host)."""
    return sdk.ApiClient(host=host)


def supported_media() -> frozenset[MediaType]:
    """The media types whose wrap-up methods exist in the installed SDK."""
    api = sdk.ConversationsApi
    return frozenset(
        ep.media for ep in MEDIA.values() if hasattr(api, ep.post_method) and hasattr(api, ep.get_method)
    )


@attrs.frozen
class ChannelInfo:
    """A created notification channel: its id, WebSocket URI and expiry (epoch seconds, if Genesys said)."""

    id: str
    connect_uri: str
    expires: float | None


@attrs.frozen
class TopicResult:
    """What a subscription call left on the channel: permitted topics, and rejected ones with reasons."""

    subscribed: frozenset[str]
    rejected: Mapping[str, tuple[str, tuple[str, ...]]]


class Api:
    """The SDK operations wrapupkit uses, on one ``ApiClient``. Strictly private."""

    def __init__(self, api_client: Any) -> None:
        self.api_client = api_client
        self.conversations = sdk.ConversationsApi(api_client)
        self.routing = sdk.RoutingApi(api_client)
        self.notifications = sdk.NotificationsApi(api_client)

    def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        """``GET /api/v2/conversations/{id}`` as JSON-keyed dicts."""
        model = self.conversations.get_conversation(conversation_id)
        result: dict[str, Any] = self.api_client.sanitize_for_serialization(model)
        return result

    def queue_codes(self, queue_id: str) -> list[WrapupCode]:
        """Every page of ``GET /api/v2/routing/queues/{id}/wrapupcodes``."""
        return self._all_pages(
            lambda n: self.routing.get_routing_queue_wrapupcodes(queue_id, page_size=PAGE_SIZE, page_number=n)
        )

    def org_codes_named(self, name: str) -> list[WrapupCode]:
        """Org-wide codes whose name is exactly *name* (the server filter is only a pattern)."""
        codes = self._all_pages(
            lambda n: self.routing.get_routing_wrapupcodes(page_size=PAGE_SIZE, page_number=n, name=name)
        )
        return [c for c in codes if c.name == name]

    def participant_codes(self, conversation_id: str, participant_id: str) -> list[WrapupCode]:
        """``GET .../participants/{pid}/wrapupcodes``: the codes valid for that participant."""
        items = self.conversations.get_conversation_participant_wrapupcodes(conversation_id, participant_id)
        return [WrapupCode(id=str(c.id), name=str(c.name)) for c in items or () if c.id]

    def _all_pages(self, fetch: Callable[[int], Any]) -> list[WrapupCode]:
        codes: list[WrapupCode] = []
        seen: set[str] = set()
        page = 1
        while page <= MAX_PAGES:
            listing = fetch(page)
            for entity in listing.entities or ():
                if entity.id and entity.id not in seen:
                    seen.add(entity.id)
                    codes.append(WrapupCode(id=str(entity.id), name=str(entity.name)))
            page_count = listing.page_count
            more = page < page_count if page_count is not None else bool(listing.next_uri)
            if not more or not listing.entities:
                break
            page += 1
        return codes

    def post_wrapup(
        self,
        endpoint: MediaEndpoint,
        conversation_id: str,
        participant_id: str,
        communication_id: str,
        fields: Mapping[str, Any],
    ) -> None:
        """``POST /api/v2/conversations/{media}/.../communications/{id}/wrapup`` with a ``WrapupInput``."""
        body = sdk.WrapupInput()  # SDK models take no constructor arguments
        for attr, value in fields.items():
            if value is not None:
                setattr(body, attr, value)
        if endpoint.deprecated:
            log.warning("Genesys marks the %s wrap-up endpoint deprecated", endpoint.segment)
        method = _undecorated(self.conversations, endpoint.post_method)
        method(conversation_id, participant_id, communication_id, body=body)

    def read_wrapup(
        self, endpoint: MediaEndpoint, conversation_id: str, participant_id: str, communication_id: str
    ) -> str | None:
        """The code id applied to the communication, or ``None``."""
        method = _undecorated(self.conversations, endpoint.get_method)
        try:
            assigned = method(conversation_id, participant_id, communication_id)
        except NotFound:  # some deployments answer 404 for "no wrap-up yet"
            return None
        code = getattr(assigned, "code", None)
        return str(code) if code else None

    def create_channel(self) -> ChannelInfo:
        """``POST /api/v2/notifications/channels``."""
        channel = self.notifications.post_notifications_channels()
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
            self.notifications.put_notifications_channel_subscriptions
            if replace
            else self.notifications.post_notifications_channel_subscriptions
        )
        listing = method(channel_id, body, ignore_errors=True)
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


def _undecorated(api: Any, name: str) -> Callable[..., Any]:
    """The API method without the SDK's ``@deprecated`` wrapper.

    That wrapper calls ``warnings.simplefilter('always')`` and then ``('default')`` on every
    call, rewriting the whole process's warning filters; wrapupkit logs the deprecation itself.
    """
    function = getattr(type(api), name)
    return functools.partial(getattr(function, "__wrapped__", function), api)
