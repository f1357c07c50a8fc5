"""The one seam through which every part of wrapupkit makes an HTTP call.

A :class:`Caller` owns what one request needs besides its arguments: the transport
(timeouts bounded by the current call's deadline, rate-limit gates), a fresh token,
and the retry policy.  Every operation wrapupkit performs against Genesys is a method
here, so the client, the readiness loop's driver and the notification channel receive
one object and never reach into each other.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from wrapupkit._clock import Clock
from wrapupkit._http._auth import ClientCredentials
from wrapupkit._http._retry import RetryPolicy, call_with_retries
from wrapupkit._http._sdk import Api, ChannelInfo, TopicResult, supported_media
from wrapupkit._http._transport import CallBudget, Transport, current_budget
from wrapupkit._media import MediaEndpoint, MediaType
from wrapupkit._models import WrapupCode
from wrapupkit.exceptions import GenesysAPIError, TransportError


__all__ = ["Caller"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")


class Caller:
    """Genesys operations over one ``ApiClient``, each under the retry policy and the call's deadline.

    Args:
        api_client: the SDK ``ApiClient``; the caller installs its :class:`Transport` into it.
        transport: the HTTP client (timeouts, gates, request counts).
        retry: the retry policy for every operation.
        clock: where time comes from.
        default_timeout: the deadline of an operation made outside any call's budget.
        credentials: a client-credentials login to keep fresh, or ``None`` for a fixed token.
    """

    def __init__(
        self,
        api_client: Any,
        *,
        transport: Transport,
        retry: RetryPolicy,
        clock: Clock,
        default_timeout: float,
        credentials: ClientCredentials | None = None,
    ) -> None:
        api_client.set_http_client(transport)
        self.api_client = api_client
        self.transport = transport
        self.retry = retry
        self.clock = clock
        self.default_timeout = default_timeout
        self.credentials = credentials
        self._api = Api(api_client)
        self.supported_media: frozenset[MediaType] = supported_media()
        self._closers: list[Callable[[], None]] = []
        self._closers_lock = threading.Lock()

    @property
    def host(self) -> str:
        return str(self.api_client.host)

    def login(self, client_id: str, client_secret: str) -> None:
        """Use client credentials from now on (the token is fetched on the first request)."""
        self.credentials = ClientCredentials(
            client_id, client_secret, api_client=self.api_client, transport=self.transport, clock=self.clock
        )

    @contextlib.contextmanager
    def budget(self, deadline: float) -> Iterator[CallBudget]:
        """Bound every request inside the block by *deadline* and count them."""
        with self.transport.budget(deadline) as budget:
            yield budget

    def call(
        self, fn: Callable[[], T], what: str, *, settle: Callable[[BaseException], T | None] | None = None
    ) -> T:
        """One HTTP operation under the retry policy and the current call's deadline."""
        credentials = self.credentials
        budget = current_budget()
        deadline = budget.deadline if budget is not None else self.clock.monotonic() + self.default_timeout

        def attempt() -> T:
            if credentials is not None:
                credentials.ensure_fresh()
            return fn()

        return call_with_retries(
            attempt,
            policy=self.retry,
            clock=self.clock,
            deadline=deadline,
            what=what,
            reauthenticate=credentials.refresh if credentials is not None else None,
            settle=settle,
        )

    # -- conversations --------------------------------------------------------------------------------

    def get_conversation(self, conversation_id: str, *, what: str = "GET conversation") -> dict[str, Any]:
        return self.call(lambda: self._api.get_conversation(conversation_id), what)

    def read_wrapup(
        self, endpoint: MediaEndpoint, conversation_id: str, participant_id: str, communication_id: str
    ) -> str | None:
        return self.call(
            lambda: self._api.read_wrapup(endpoint, conversation_id, participant_id, communication_id),
            "GET wrap-up (read back)",
        )

    def write_wrapup(
        self,
        endpoint: MediaEndpoint,
        conversation_id: str,
        participant_id: str,
        communication_id: str,
        fields: Mapping[str, Any],
    ) -> None:
        """POST the wrap-up; after a failure with an unknown outcome, read it back before re-sending."""
        code_id = fields.get("code")

        def post() -> bool:
            self._api.post_wrapup(endpoint, conversation_id, participant_id, communication_id, fields)
            return True

        def settle(exc: BaseException) -> bool | None:
            try:
                applied = self.read_wrapup(endpoint, conversation_id, participant_id, communication_id)
            except (GenesysAPIError, TransportError) as read_error:
                _add_note(exc, f"the write's outcome is unknown and reading it back failed ({read_error})")
                raise exc from read_error
            return True if applied == code_id else None

        self.call(post, "POST wrap-up", settle=settle)

    # -- codes ----------------------------------------------------------------------------------------

    def queue_codes(self, queue_id: str) -> list[WrapupCode]:
        return self.call(lambda: self._api.queue_codes(queue_id), "GET queue wrap-up codes")

    def participant_codes(self, conversation_id: str, participant_id: str) -> list[WrapupCode]:
        return self.call(
            lambda: self._api.participant_codes(conversation_id, participant_id),
            "GET participant wrap-up codes",
        )

    def org_codes_named(self, name: str) -> list[WrapupCode]:
        return self.call(lambda: self._api.org_codes_named(name), "GET org wrap-up codes")

    # -- notifications --------------------------------------------------------------------------------

    def create_channel(self) -> ChannelInfo:
        return self.call(self._api.create_channel, "POST notifications channel")

    def subscribe(self, channel_id: str, topics: Iterable[str], *, replace: bool) -> TopicResult:
        wanted = list(topics)
        return self.call(
            lambda: self._api.subscribe(channel_id, wanted, replace=replace),
            "PUT notification subscriptions" if replace else "POST notification subscriptions",
        )

    # -- lifecycle ------------------------------------------------------------------------------------

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run *callback* when the caller closes (a notification channel registers its own close)."""
        with self._closers_lock:
            self._closers.append(callback)

    def close(self) -> None:
        """Run every close callback once, then drop the pooled connections.  Idempotent."""
        with self._closers_lock:
            closers, self._closers = self._closers, []
        for callback in closers:
            callback()
        self.transport.pool.clear()

    def __repr__(self) -> str:
        return f"Caller(host={self.host!r}, retry={self.retry!r})"


def _add_note(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(text)
