"""WrapupClient: the facade that applies a wrap-up, once, at the first moment Genesys accepts it."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from wrapupkit import _validate as check
from wrapupkit._cache import SingleFlightCache
from wrapupkit._clock import Clock, SystemClock
from wrapupkit._conversation import Target, select_target, snapshot_of
from wrapupkit._media import MEDIA, MediaType
from wrapupkit._models import CodeSet, CommunicationSnapshot, WrapupCode, WrapupResult
from wrapupkit._readiness import Decision, ReadinessContext, ReadinessStrategy, Waiter, as_strategy
from wrapupkit._retry import RetryPolicy, call_with_retries
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    BadRequest,
    ConfigurationError,
    Conflict,
    GenesysAPIError,
    InteractionTypeMismatch,
    ReadinessFailed,
    ReadinessTimeout,
    TransportError,
    UnknownWrapupCode,
    UnsupportedInteraction,
)


if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    from wrapupkit._auth import ClientCredentials
    from wrapupkit._ratelimit import RateLimiter
    from wrapupkit._sdk import Api
    from wrapupkit._transport import CallBudget, Transport
    from wrapupkit.bulk import BulkItem, BulkReport

__all__ = ["WrapupClient"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")
Readiness = ReadinessStrategy | Callable[[ReadinessContext], "bool | Decision"]


class WrapupClient:
    """Apply wrap-up codes through one authenticated ``PureCloudPlatformClientV2.ApiClient``.

    All state (the code cache, the retry policy, the token, the clock) lives on
    the instance; the SDK's global ``Configuration`` is never read or changed.
    The client installs its own HTTP client into *api_client* (the SDK's
    ``set_http_client`` seam) so that it owns retries and timeouts.

    Args:
        api_client: an ``ApiClient`` with a token, or one made by :meth:`from_env`.
        readiness: the default readiness strategy (:class:`~wrapupkit.Polling` when ``None``).
        retry: the :class:`~wrapupkit.RetryPolicy` for every HTTP call.
        timeout: the default bound on a whole :meth:`apply_wrapup` call, in seconds.
        request_timeout: the bound on any single HTTP request.
        cache_ttl: how long a queue's code set is trusted, in seconds.
        cache_maxsize: how many queues' code sets are kept.
        max_connections: HTTP connections kept open (raise for many threads).
        clock: where time comes from (:class:`~wrapupkit.testing.FakeClock` in tests).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        api_client: Any,
        *,
        readiness: Readiness | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | dt.timedelta = 30.0,
        request_timeout: float | dt.timedelta = 15.0,
        cache_ttl: float | dt.timedelta = 300.0,
        cache_maxsize: int = 1024,
        max_connections: int = 10,
        clock: Clock | None = None,
        credentials: ClientCredentials | None = None,
    ) -> None:
        from wrapupkit._sdk import Api, supported_endpoints
        from wrapupkit._transport import Transport

        self.clock: Clock = clock or SystemClock()
        self.readiness = as_strategy(readiness)
        self.retry = retry or RetryPolicy()
        self.timeout = check.seconds("timeout", timeout)
        ttl = check.seconds("cache_ttl", cache_ttl, allow_zero=True)
        if cache_maxsize < 1:
            raise ConfigurationError("cache_maxsize must be >= 1")
        self.transport: Transport = Transport(
            timeout=check.seconds("request_timeout", request_timeout),
            maxsize=max_connections,
            clock=self.clock,
        )
        api_client.set_http_client(self.transport)
        self.api_client = api_client
        self._api: Api = Api(api_client, self.transport)
        self._credentials = credentials
        self._codes: SingleFlightCache[CodeSet] = SingleFlightCache(
            ttl=ttl, maxsize=cache_maxsize, clock=self.clock
        )
        self._supported = {ep.media for ep in supported_endpoints(list(MEDIA.values()))}

    # -- construction ---------------------------------------------------------------------------------

    @classmethod
    def from_credentials(
        cls,
        client_id: str,
        client_secret: str,
        *,
        region: str | None = None,
        host: str | None = None,
        **options: Any,
    ) -> WrapupClient:
        """Log in with OAuth client credentials; the token is renewed before it expires and after a 401.

        Args:
            region: a region key (``us_east_1`` or ``us-east-1``), domain or URL.
            host: an API base URL that wins over *region* (for the emulator: ``emu.url``).
        """
        from wrapupkit._auth import ClientCredentials, api_host_for
        from wrapupkit._sdk import new_api_client

        if host is None and region is None:
            raise ConfigurationError("Pass region= or host= to say which Genesys Cloud to use.")
        api_client = new_api_client(host.rstrip("/") if host else api_host_for(region or ""))
        client = cls(api_client, **options)
        client._credentials = ClientCredentials(
            client_id, client_secret, api_client=api_client, transport=client.transport, clock=client.clock
        )
        return client

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **options: Any) -> WrapupClient:
        """A client configured from ``GENESYSCLOUD_*`` environment variables.

        Reads ``GENESYSCLOUD_OAUTHCLIENT_ID``, ``GENESYSCLOUD_OAUTHCLIENT_SECRET`` and
        ``GENESYSCLOUD_REGION``.

        Falls back to the SDK README's ``GENESYS_CLOUD_*`` names.  ``GENESYSCLOUD_API_HOST``
        overrides the region's host (point it at the emulator); ``GENESYSCLOUD_ACCESS_TOKEN``
        uses a ready token instead of client credentials (it is not renewed).

        Raises:
            ConfigurationError: a setting is missing or unknown.
        """
        from wrapupkit._auth import api_host_for, read_env
        from wrapupkit._sdk import new_api_client

        env = read_env(environ)
        if "api_host" not in env and "region" not in env:
            raise ConfigurationError(
                "Set GENESYSCLOUD_REGION (or GENESYSCLOUD_API_HOST) to choose the Genesys Cloud."
            )
        host = env.get("api_host") or api_host_for(env["region"])
        if "access_token" in env and not ("client_id" in env and "client_secret" in env):
            api_client = new_api_client(host.rstrip("/"))
            api_client.access_token = env["access_token"]
            return cls(api_client, **options)
        missing = [n for n in ("client_id", "client_secret") if n not in env]
        if missing:
            names = " and ".join(f"GENESYSCLOUD_OAUTHCLIENT_{n.split('_')[1].upper()}" for n in missing)
            raise ConfigurationError(f"Set {names} (or GENESYSCLOUD_ACCESS_TOKEN).")
        return cls.from_credentials(env["client_id"], env["client_secret"], host=host, **options)

    def __repr__(self) -> str:
        return (
            f"WrapupClient(host={self.api_client.host!r}, readiness={self.readiness!r}, retry={self.retry!r})"
        )

    # -- code sets ------------------------------------------------------------------------------------

    def codes(self, queue_id: str) -> CodeSet:
        """The wrap-up codes of *queue_id*, from the cache or fetched across all pages."""
        check.check_id("queue_id", queue_id)
        with self.transport.budget(self.clock.monotonic() + self.timeout):
            return self._queue_codes(queue_id)[0]

    def refresh_codes(self, queue_id: str) -> CodeSet:
        """Fetch *queue_id*'s code set again, replacing the cached one."""
        check.check_id("queue_id", queue_id)
        with self.transport.budget(self.clock.monotonic() + self.timeout):
            return self._queue_codes(queue_id, refresh=True)[0]

    def clear_cache(self) -> None:
        """Forget every cached code set."""
        self._codes.clear()

    def _queue_codes(self, queue_id: str, *, refresh: bool = False) -> tuple[CodeSet, bool]:
        def fetch() -> CodeSet:
            codes = self._call(lambda: self._api.queue_codes(queue_id), "GET queue wrap-up codes")
            return CodeSet(queue_id, tuple(codes), fetched_at=self.clock.monotonic())

        return self._codes.get(("queue", queue_id), fetch, refresh=refresh)

    def _resolve(self, code: str, target: Target) -> WrapupCode:
        """A code name (exact) or id, in the queue's set, else in the participant's list."""
        if target.queue_id:
            codes, fresh = self._queue_codes(target.queue_id)
            found = codes.find(code)
            if found is None and not fresh:  # the code may be new: look once more
                codes, _ = self._queue_codes(target.queue_id, refresh=True)
                found = codes.find(code)
        else:
            listed = self._call(
                lambda: self._api.participant_codes(target.conversation_id, target.participant_id),
                "GET participant wrap-up codes",
            )
            codes = CodeSet(None, tuple(listed), fetched_at=self.clock.monotonic())
            found = codes.find(code)
        if found is not None:
            return found
        raise UnknownWrapupCode(
            code,
            queue_id=target.queue_id,
            suggestions=_close_matches(code, codes.names),
            in_org=self._in_org(code),
        )

    def _in_org(self, name: str) -> bool:
        try:
            return bool(self._call(lambda: self._api.org_codes_named(name), "GET org wrap-up codes"))
        except (GenesysAPIError, TransportError):
            return False  # only used to improve the message

    # -- the call -------------------------------------------------------------------------------------

    def apply_wrapup(
        self,
        conversation_id: str,
        code: str,
        *,
        participant_id: str | None = None,
        user_id: str | None = None,
        media_type: MediaType | str | None = None,
        notes: str | None = None,
        tags: Sequence[str] | None = None,
        duration: float | dt.timedelta | None = None,
        readiness: Readiness | None = None,
        timeout: float | dt.timedelta | None = None,
        overwrite: bool = False,
    ) -> WrapupResult:
        """Apply wrap-up *code* to the agent's communication in *conversation_id*, exactly once.

        Finds the agent participant (by *participant_id*, *user_id*, or as the one agent
        awaiting wrap-up), checks the media type, resolves *code* in the queue's code set,
        waits until *readiness* says the communication is ready, then writes the wrap-up.

        Args:
            code: a wrap-up code name (exact, case-sensitive) or id.
            media_type: if given, must match the communication's media type.
            notes: wrap-up notes (never logged).
            tags: wrap-up tags.
            duration: seconds (or a ``timedelta``) the agent spent in after-call work.
            readiness: a strategy for this call only.
            timeout: the bound on the whole call, HTTP requests included (default: the client's).
            overwrite: replace a different code already applied (Genesys runs outbound
                wrap-up rules only on the first wrap-up, so this is off by default).

        Returns:
            A :class:`~wrapupkit.WrapupResult`.

        Raises:
            InvalidInput: a malformed argument; nothing was sent.
            ParticipantNotFound: no (or no single) agent participant matches.
            InteractionTypeMismatch: *media_type* differs from the communication's.
            UnsupportedInteraction: the media type cannot take a wrap-up.
            UnknownWrapupCode: *code* is not in the applicable code set.
            AlreadyWrappedUp: a different code is applied and *overwrite* is false.
            ReadinessTimeout: the communication was not ready before the deadline.
            ReadinessFailed: the strategy gave up.
            GenesysAPIError: Genesys refused a request (after retries where they apply).
            TransportError: no usable response (after retries).
        """
        check.check_id("conversation_id", conversation_id)
        check.check_id("participant_id", participant_id, optional=True)
        check.check_id("user_id", user_id, optional=True)
        wanted = check.check_code(code)
        fields: dict[str, Any] = {
            "notes": check.check_notes(notes),
            "tags": check.check_tags(tags),
            "duration_seconds": None
            if duration is None
            else round(check.seconds("duration", duration, allow_zero=True)),
        }
        requested_media = check.media(media_type)
        strategy = self.readiness if readiness is None else as_strategy(readiness)
        limit = self.timeout if timeout is None else check.seconds("timeout", timeout)
        deadline = self.clock.monotonic() + limit

        session = _Session(self, conversation_id, participant_id, user_id, deadline)
        with self.transport.budget(deadline) as budget:
            try:
                return self._apply(session, strategy, wanted, fields, requested_media, budget, overwrite)
            finally:
                strategy.end(session)

    def _apply(  # noqa: PLR0917 - private, called once
        self,
        session: _Session,
        strategy: ReadinessStrategy,
        wanted: str,
        fields: dict[str, Any],
        requested_media: MediaType | None,
        budget: CallBudget,
        overwrite: bool,
    ) -> WrapupResult:
        conversation_id = session.conversation_id
        conversation = strategy.begin(session)
        if conversation is None:
            conversation = self._call(lambda: self._api.get_conversation(conversation_id), "GET conversation")
        target = select_target(conversation, participant_id=session.participant_id, user_id=session.user_id)
        session.choose(target)
        actual = target.endpoint.media
        if requested_media is not None and requested_media is not actual:
            raise InteractionTypeMismatch(
                expected=requested_media.value, actual=actual.value, conversation_id=conversation_id
            )
        if actual not in self._supported:
            raise UnsupportedInteraction(actual.value, "the installed SDK has no wrap-up endpoint for it")
        resolved = self._resolve(wanted, target)
        fields["code"] = resolved.id
        fields["name"] = resolved.name
        first = session.snapshot_from(conversation)
        return self._wait_and_write(strategy, session, resolved, fields, first, budget, overwrite)

    def apply_many(
        self,
        items: Iterable[BulkItem | Sequence[Any] | Mapping[str, Any]],
        *,
        max_workers: int = 4,
        rate_limit: RateLimiter | float | None = 300,
        journal: str | os.PathLike[str] | None = None,
        progress: bool = True,
        readiness: Readiness | None = None,
        timeout: float | dt.timedelta | None = None,
        overwrite: bool = False,
        duration: float | dt.timedelta | None = None,
    ) -> BulkReport:
        """Apply many wrap-ups concurrently under one rate limit; see :func:`wrapupkit.apply_many`.

        .. versionadded:: 0.1.0
        """
        from wrapupkit.bulk import apply_many

        return apply_many(
            self,
            items,
            max_workers=max_workers,
            rate_limit=rate_limit,
            journal=journal,
            progress=progress,
            readiness=readiness,
            timeout=timeout,
            overwrite=overwrite,
            duration=duration,
        )

    def _wait_and_write(  # noqa: PLR0917 - private, called once
        self,
        strategy: ReadinessStrategy,
        waiter: _Session,
        code: WrapupCode,
        fields: dict[str, Any],
        snapshot: CommunicationSnapshot,
        budget: CallBudget,
        overwrite: bool,
    ) -> WrapupResult:
        started = self.clock.monotonic()
        deadline = waiter.deadline
        target = waiter.target
        if target is None:  # chosen by _apply before the wait
            raise RuntimeError("no participant chosen")
        attempt, rejections, posts, state_attempt = 1, 0, 0, 1
        last_error: GenesysAPIError | None = None

        def result(*, already: bool) -> WrapupResult:
            return WrapupResult(
                conversation_id=target.conversation_id,
                participant_id=target.participant_id,
                communication_id=target.communication_id,
                media_type=target.endpoint.media,
                code=code,
                queue_id=target.queue_id,
                already_applied=already,
                attempts=posts,
                requests=budget.requests,
                waited=round(self.clock.monotonic() - started, 6),
            )

        while True:
            if snapshot.wrapup_code is not None and (snapshot.wrapup_code == code.id or not overwrite):
                if snapshot.wrapup_code == code.id:
                    log.info("wrapupkit: code %s already applied to %s", code.id, target.conversation_id)
                    return result(already=posts == 0)
                raise AlreadyWrappedUp(
                    conversation_id=target.conversation_id,
                    participant_id=target.participant_id,
                    existing_code=snapshot.wrapup_code,
                    requested_code=code.id,
                )
            now = self.clock.monotonic()
            ctx = ReadinessContext(
                snapshot=snapshot,
                attempt=attempt,
                elapsed=now - started,
                remaining=deadline - now,
                rejections=rejections,
                last_error=last_error,
                state_attempt=state_attempt,
            )
            decision = strategy.decide(ctx)
            if decision.is_ready:
                try:
                    posts += 1
                    self._write(target, code, fields)
                except (BadRequest, Conflict) as exc:
                    rejections += 1
                    last_error = exc
                    ctx = attrs.evolve(ctx, rejections=rejections, last_error=exc)
                    decision = strategy.on_rejected(ctx)
                    if decision.kind != "wait":
                        raise
                else:
                    log.info(
                        "wrapupkit: applied code %s to %s participant %s (%s)",
                        code.id,
                        target.conversation_id,
                        target.participant_id,
                        target.endpoint.media.value,
                    )
                    return result(already=False)
            if decision.kind == "fail":
                raise ReadinessFailed(
                    decision.reason, waited=now - started, attempts=attempt, last_snapshot=snapshot
                )
            delay = decision.delay if decision.delay is not None else strategy.next_delay(ctx)
            left = deadline - self.clock.monotonic()
            if left <= 0 or delay >= left:
                raise ReadinessTimeout(
                    decision.reason or "not ready",
                    waited=self.clock.monotonic() - started,
                    attempts=attempt,
                    last_snapshot=snapshot,
                ) from last_error
            log.debug("wrapupkit: not ready (%s); checking again in %.2fs", decision.reason, delay)
            previous = (snapshot.state, snapshot.acw_state)
            try:
                snapshot = strategy.wait(waiter, delay)
            except TransportError as exc:
                if deadline - self.clock.monotonic() > 0:
                    raise
                raise ReadinessTimeout(
                    decision.reason or "not ready",
                    waited=self.clock.monotonic() - started,
                    attempts=attempt,
                    last_snapshot=snapshot,
                ) from exc
            attempt += 1
            state_attempt = state_attempt + 1 if (snapshot.state, snapshot.acw_state) == previous else 1

    def _write(self, target: Target, code: WrapupCode, fields: dict[str, Any]) -> None:
        """POST the wrap-up; after a failure with an unknown outcome, read it back before re-sending."""

        def post() -> bool:
            self._api.post_wrapup(
                target.endpoint,
                target.conversation_id,
                target.participant_id,
                target.communication_id,
                fields,
            )
            return True

        def settle(exc: BaseException) -> bool | None:
            try:
                applied = self._call(
                    lambda: self._api.read_wrapup(
                        target.endpoint,
                        target.conversation_id,
                        target.participant_id,
                        target.communication_id,
                    ),
                    "GET wrap-up (read back)",
                )
            except (GenesysAPIError, TransportError) as read_error:
                _add_note(
                    exc,
                    f"wrapupkit: the write's outcome is unknown and reading it back failed ({read_error})",
                )
                raise exc from read_error
            return True if applied == code.id else None

        self._call(post, "POST wrap-up", settle=settle)

    def _call(
        self, fn: Callable[[], T], what: str, *, settle: Callable[[BaseException], T | None] | None = None
    ) -> T:
        """One HTTP operation under the retry policy and the current call's deadline."""
        from wrapupkit._transport import _budget

        credentials = self._credentials
        budget = _budget.get()
        deadline = budget.deadline if budget is not None else self.clock.monotonic() + self.timeout

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


class _Session(Waiter):
    """One apply_wrapup() call: its ids, deadline and how it polls. Strictly private."""

    def __init__(
        self,
        client: WrapupClient,
        conversation_id: str,
        participant_id: str | None,
        user_id: str | None,
        deadline: float,
    ) -> None:
        self.client = client
        self.conversation_id = conversation_id
        self.participant_id = participant_id
        self.user_id = user_id
        self.queue_id: str | None = None
        self.deadline = deadline
        self.target: Target | None = None

    def choose(self, target: Target) -> None:
        self.target = target
        self.participant_id = target.participant_id
        self.user_id = target.user_id
        self.queue_id = target.queue_id

    def snapshot_from(self, conversation: Mapping[str, Any]) -> CommunicationSnapshot:
        if self.target is None:
            raise RuntimeError("no participant chosen yet")
        return snapshot_of(conversation, self.target, taken_at=self.client.clock.monotonic())

    def poll(self) -> CommunicationSnapshot:
        client = self.client
        conversation = client._call(
            lambda: client._api.get_conversation(self.conversation_id), "GET conversation (readiness)"
        )
        return self.snapshot_from(conversation)

    def sleep_then_poll(self, delay: float) -> CommunicationSnapshot:
        self.client.clock.sleep(delay)
        return self.poll()


def _close_matches(code: str, names: Sequence[str]) -> list[str]:
    """Names equal ignoring case first, then similar ones (difflib), at most three."""
    folded = [n for n in names if n.casefold() == code.casefold()]
    similar = difflib.get_close_matches(code, names, n=3, cutoff=0.6)
    similar += difflib.get_close_matches(code.casefold(), [n.casefold() for n in names], n=3, cutoff=0.6)
    by_fold = {n.casefold(): n for n in names}
    out = list(dict.fromkeys([*folded, *(by_fold.get(s, s) for s in similar)]))
    return [n for n in out if n in names][:3]


def _add_note(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(text)
