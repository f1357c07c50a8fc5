"""The border with ``PureCloudPlatformClientV2``: SDK calls in, wrapupkit values out.

The SDK takes ~3 s and ~200 MB to import, so this module is imported only when
a client first needs it.  SDK models never leave this module: responses are
turned into JSON dicts or :mod:`wrapupkit._models` values, and
``ApiException`` into :class:`~wrapupkit.exceptions.GenesysAPIError`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from wrapupkit._sdkload import sdk  # isort: split


from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit._media import MediaEndpoint
from wrapupkit._models import WrapupCode
from wrapupkit._transport import Transport
from wrapupkit.exceptions import GenesysAPIError, NotFound


__all__ = [
    "Api",
    "from_api_exception",
    "new_api_client",
]

T = TypeVar("T")
log = logging.getLogger("wrapupkit")
SDK_VERSION: str = getattr(sdk, "__version__", "unknown")
# Pages asked for when listing codes; the server may clamp it, and we follow pageCount/nextUri.
PAGE_SIZE = 100
MAX_PAGES = 1000


def new_api_client(host: str) -> Any:
    """A fresh ``ApiClient`` for *host* (never the SDK's global configuration's host)."""
    return sdk.ApiClient(host=host)


def from_api_exception(exc: ApiException) -> GenesysAPIError:
    """Map an SDK ``ApiException`` to the wrapupkit exception for its status."""
    headers = {str(k): str(v) for k, v in dict(exc.headers or {}).items()}
    body = exc.body.decode("utf8", "replace") if isinstance(exc.body, bytes) else exc.body
    return GenesysAPIError.from_response(int(exc.status or 0), body, headers)


def _translated(fn: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except ApiException as exc:
            raise from_api_exception(exc) from None

    return wrapper


class Api:
    """The SDK operations wrapupkit uses, on one ``ApiClient``. Strictly private."""

    def __init__(self, api_client: Any, transport: Transport) -> None:
        self.api_client = api_client
        self.transport = transport
        self.conversations = sdk.ConversationsApi(api_client)
        self.routing = sdk.RoutingApi(api_client)

    def _json(self, model: Any) -> Any:
        return self.api_client.sanitize_for_serialization(model)

    @_translated
    def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        """``GET /api/v2/conversations/{id}`` as JSON-keyed dicts."""
        result: dict[str, Any] = self._json(self.conversations.get_conversation(conversation_id))
        return result

    @_translated
    def queue_codes(self, queue_id: str) -> list[WrapupCode]:
        """Every page of ``GET /api/v2/routing/queues/{id}/wrapupcodes``."""
        return self._all_pages(
            lambda n: self.routing.get_routing_queue_wrapupcodes(queue_id, page_size=PAGE_SIZE, page_number=n)
        )

    @_translated
    def org_codes_named(self, name: str) -> list[WrapupCode]:
        """Org-wide codes whose name is exactly *name* (the server filter is only a pattern)."""
        codes = self._all_pages(
            lambda n: self.routing.get_routing_wrapupcodes(page_size=PAGE_SIZE, page_number=n, name=name)
        )
        return [c for c in codes if c.name == name]

    @_translated
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

    @_translated
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
            log.warning("wrapupkit: Genesys marks the %s wrap-up endpoint deprecated", endpoint.segment)
        method = _undecorated(self.conversations, endpoint.post_method)
        method(conversation_id, participant_id, communication_id, body=body)

    @_translated
    def read_wrapup(
        self, endpoint: MediaEndpoint, conversation_id: str, participant_id: str, communication_id: str
    ) -> str | None:
        """The code id applied to the communication, or ``None``."""
        method = _undecorated(self.conversations, endpoint.get_method)
        try:
            assigned = method(conversation_id, participant_id, communication_id)
        except ApiException as exc:
            err = from_api_exception(exc)
            if isinstance(err, NotFound):  # some deployments answer 404 for "no wrap-up yet"
                return None
            raise err from None
        code = getattr(assigned, "code", None)
        return str(code) if code else None


def _undecorated(api: Any, name: str) -> Callable[..., Any]:
    """The API method without the SDK's ``@deprecated`` wrapper.

    That wrapper calls ``warnings.simplefilter('always')`` and then ``('default')`` on every
    call, rewriting the whole process's warning filters; wrapupkit logs the deprecation itself.
    """
    function = getattr(type(api), name)
    return functools.partial(getattr(function, "__wrapped__", function), api)


def supported_endpoints(endpoints: Sequence[MediaEndpoint]) -> list[MediaEndpoint]:
    """The rows of the media table whose SDK methods exist in the installed SDK."""
    api = sdk.ConversationsApi
    return [ep for ep in endpoints if hasattr(api, ep.post_method) and hasattr(api, ep.get_method)]
