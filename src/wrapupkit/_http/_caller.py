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
from wrapupkit._http._auth import ClientCredentials, check_token
from wrapupkit._http._retry import RetryPolicy, call_with_retries, outcome_unknown
from wrapupkit._http._sdk import Api, ChannelInfo, TopicResult, supported_media
from wrapupkit._http._share import Share, as_share, share_key
from wrapupkit._http._transport import CallBudget, Transport, current_budget
from wrapupkit._media import MediaEndpoint, MediaType
from wrapupkit._models import WrapupCode
from wrapupkit.exceptions import AlreadyWrappedUp, GenesysAPIError, TransportError, WrapupkitError


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
        if api_client.access_token:
            check_token(api_client.access_token)
        api_client.set_http_client(transport)
        self.api_client = api_client
        self.transport = transport
        self.retry = retry
        self.clock = clock
        self.default_timeout = default_timeout
        self.credentials = credentials
        self.share: Share | None = None
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
            client_id,
            client_secret,
            api_client=self.api_client,
            transport=self.transport,
            clock=self.clock,
            share=self.share.tokens() if self.share is not None else None,
        )
        if self.share is not None:
            self._share_gate()

    def use_share(self, share: Any) -> None:
        """Share the token and the request budget with every process of the same OAuth client.

        *share* is a :class:`~wrapupkit._http._share.Share`, or an intent store (its ``share()``).

        Raises:
            InvalidType: *share* is neither.
        """
        self.share = as_share(share)
        if self.credentials is not None:
            self.credentials.share = self.share.tokens()
        self._share_gate()

    def _share_gate(self) -> None:
        assert self.share is not None  # noqa: S101
        client_id = self.credentials.client_id if self.credentials is not None else None
        self.transport.share_gate(self.share.gate(share_key(self.host, client_id), self.clock))

    @contextlib.contextmanager
    def budget(self, deadline: float) -> Iterator[CallBudget]:
        """Bound every request inside the block by *deadline* and count them."""
        with self.transport.budget(deadline) as budget:
            yield budget

    def deadline(self) -> float:
        """The current call's deadline on :attr:`clock` (outside a call: :attr:`default_timeout` on)."""
        budget = current_budget()
        return budget.deadline if budget is not None else self.clock.monotonic() + self.default_timeout

    def remaining(self) -> float:
        """Seconds left before :meth:`deadline` (never negative)."""
        return max(0.0, self.deadline() - self.clock.monotonic())

    def call(
        self,
        fn: Callable[[], T],
        what: str,
        *,
        settle: Callable[[BaseException, bool], T | None] | None = None,
    ) -> T:
        """One HTTP operation under the retry policy and the current call's deadline.

        Raises:
            ConfigurationError: a fixed access token that cannot be sent (empty, a line break,
                a character outside Latin-1); nothing was sent and the token is not echoed.
            AuthenticationError: the login was refused (remembered: later calls fail at once).
            GenesysAPIError: Genesys refused the request (after retries where they apply).
            TransportError: no usable response, or one that could not be read (after retries).
        """
        credentials = self.credentials
        if credentials is None:
            check_token(self.api_client.access_token)
        used: list[str | None] = [None]

        def attempt() -> T:
            if credentials is not None:
                used[0] = credentials.ensure_fresh()
            try:
                return fn()
            except WrapupkitError:
                raise
            except (ValueError, TypeError, AttributeError, LookupError) as exc:
                # the SDK could not deserialise the answer (a field of the wrong type, say)
                raise TransportError(
                    f"{what}: the answer could not be read ({type(exc).__name__})", maybe_sent=True
                ) from None

        return call_with_retries(
            attempt,
            policy=self.retry,
            clock=self.clock,
            deadline=self.deadline(),
            what=what,
            reauthenticate=(lambda: credentials.invalidate(used[0])) if credentials is not None else None,
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
        *,
        overwrite: bool = False,
    ) -> None:
        """POST the wrap-up; before any re-send, read it back.

        Before every re-send (after a 429, a 5xx, a reset, a timeout) the wrap-up is read:
        our code there is success; a different code there is :class:`AlreadyWrappedUp`
        unless *overwrite*.  After a failure whose outcome is unknown, the read is repeated
        over a settle window (:attr:`RetryPolicy.settle_window`, or the request timeout if
        longer), since a request still in flight may land late; when the deadline leaves no
        room for that window, the write is not sent again and the failure is raised with a
        note saying the outcome is unknown.

        Raises:
            AlreadyWrappedUp: a different code appeared meanwhile and *overwrite* is false.
            GenesysAPIError: Genesys refused the write (after retries where they apply).
            TransportError: no usable answer; its notes say whether the write may have landed.
        """
        code_id = fields.get("code")
        ids = (endpoint, conversation_id, participant_id, communication_id)

        def post() -> bool:
            self._api.post_wrapup(*ids, fields)
            return True

        def read(exc: BaseException) -> str | None:
            try:
                return self.read_wrapup(*ids)
            except (GenesysAPIError, TransportError) as read_error:
                _add_note(
                    exc,
                    f"wrapupkit: the write's outcome is unknown and reading it back failed ({read_error})",
                )
                raise exc from read_error

        def found(applied: str | None) -> bool | None:
            if applied is None:
                return None
            if applied == code_id:
                return True
            if overwrite:
                return None
            raise AlreadyWrappedUp(
                conversation_id=conversation_id,
                participant_id=participant_id,
                existing_code=applied,
                requested_code=str(code_id),
                requested_name=_str_or_none(fields.get("name")),
            )

        def settle(exc: BaseException, giving_up: bool) -> bool | None:
            unknown = outcome_unknown(exc)
            if giving_up:
                applied = read(exc)
                return True if applied == code_id else None
            if not unknown:
                return found(read(exc))
            # a request that went a whole request timeout unanswered may take as long again to land
            window = max(self.retry.settle_window, float(self.transport.timeout))
            window_end = self.clock.monotonic() + window
            if window_end >= self.deadline():
                applied = read(exc)
                if applied == code_id:
                    return True
                _add_note(
                    exc,
                    "wrapupkit: the write's outcome is unknown and the deadline leaves no time to "
                    "wait for it to settle; not re-sent",
                )
                raise exc
            step = max(window / 4, 0.05)
            while True:
                answer = found(read(exc))
                left = window_end - self.clock.monotonic()
                if answer is not None or left <= 0:
                    return answer
                self.clock.sleep(min(step, left))

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


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _add_note(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(text)
