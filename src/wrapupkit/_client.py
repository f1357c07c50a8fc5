"""WrapupClient: the facade that applies a wrap-up, once, at the first moment Genesys accepts it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict

import attrs

from wrapupkit import _validate as check
from wrapupkit._clock import Clock, SystemClock
from wrapupkit._codes import CodeBook
from wrapupkit._http import RetryPolicy, api_host_for, new_api_client, new_caller, read_env
from wrapupkit._media import MediaType
from wrapupkit._models import CodeSet, WrapupResult
from wrapupkit._preflight import probe, refused
from wrapupkit._readiness import CallInfo, EventSource, Readiness, as_strategy
from wrapupkit._readiness._flow import Lookup, Read, Request, Resolve, Wait, Write, wrapup_flow
from wrapupkit.exceptions import ConfigurationError


if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    from typing_extensions import Self, Unpack

    from wrapupkit._http import Caller, RateLimiter
    from wrapupkit._readiness._flow import Effect, Flow
    from wrapupkit.bulk import BulkItem, BulkReport
    from wrapupkit.intents import Intent, IntentStore

__all__ = ["ClientOptions", "WrapupClient"]

log = logging.getLogger("wrapupkit")


class ClientOptions(TypedDict, total=False):
    """The constructor's keyword arguments, as :meth:`WrapupClient.from_env` and
    :meth:`WrapupClient.from_credentials` accept them (a type checker flags a misspelt one).

    .. versionadded:: 0.1.0
    """

    readiness: Readiness | None
    retry: RetryPolicy | None
    timeout: float | dt.timedelta
    request_timeout: float | dt.timedelta
    cache_ttl: float | dt.timedelta
    cache_maxsize: int
    max_connections: int
    clock: Clock | None
    store: str | IntentStore | None
    share: Any


class WrapupClient:
    """Apply wrap-up codes through one authenticated ``PureCloudPlatformClientV2.ApiClient``.

    All state (the code cache, the retry policy, the token, the clock) lives on
    the instance; the SDK's global ``Configuration`` is never read or changed.
    The client installs its own HTTP client into *api_client* (the SDK's
    ``set_http_client`` seam) so that it owns retries and timeouts.  It is
    thread-safe: share one client between threads (size ``max_connections`` to the
    number of threads that call it at once).  Use it as a context manager, or call
    :meth:`close`, to release its connections and notification channels.

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
        store: where :meth:`intend` records intents: a URL (``sqlite:///path``, ``redis://host``)
            or a store; ``None``: ``$WRAPUPKIT_STORE``, else an SQLite file (docs/fleet.md).
        share: an intent store (``SQLiteStore``, ``RedisStore``) or its ``share(...)``: every
            process given the same one shares one token and one request budget per OAuth client
            (:class:`~wrapupkit.intents.StoreShare`).

    Attributes:
        http: the one object through which the client makes every HTTP call (advanced:
            rate limiters install on its transport).

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
        store: str | IntentStore | None = None,
        share: Any = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.intent_store = store
        self.readiness = as_strategy(readiness)
        self.retry = retry or RetryPolicy()
        self.timeout = check.seconds("timeout", timeout)
        ttl = check.seconds("cache_ttl", cache_ttl, allow_zero=True)
        check.whole("cache_maxsize", cache_maxsize, low=1)
        self.http: Caller = new_caller(
            api_client,
            retry=self.retry,
            clock=self.clock,
            request_timeout=check.seconds("request_timeout", request_timeout),
            max_connections=max_connections,
            default_timeout=self.timeout,
        )
        if share is not None:
            self.http.use_share(share)
        self._codes = CodeBook(self.http, ttl=ttl, maxsize=cache_maxsize, clock=self.clock)
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the client: its notification channels and their threads, and its pooled connections.

        Idempotent.  A closed client refuses further calls with
        :class:`~wrapupkit.exceptions.ConfigurationError` before any network call.
        """
        self._closed = True
        self.http.close()
        from wrapupkit._intend import close_stores

        close_stores(self)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigurationError("This WrapupClient is closed; create a new one.")

    @property
    def api_client(self) -> Any:
        """The SDK ``ApiClient`` the client calls through."""
        return self.http.api_client

    # -- construction ---------------------------------------------------------------------------------

    @classmethod
    def from_credentials(
        cls,
        client_id: str,
        client_secret: str,
        *,
        region: str | None = None,
        host: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> WrapupClient:
        """Log in with OAuth client credentials; the token is renewed before it expires and after a 401.

        Args:
            region: a region key (``us_east_1`` or ``us-east-1``), domain or URL.
            host: an API base URL that wins over *region* (for the emulator: ``emu.url``).

        The other keyword arguments are the constructor's (:class:`ClientOptions`).
        """
        if host is None and region is None:
            raise ConfigurationError("Pass region= or host= to say which Genesys Cloud to use.")
        api_client = new_api_client(host.rstrip("/") if host else api_host_for(region or ""))
        client = cls(api_client, **options)
        client.http.login(client_id, client_secret)
        return client

    @classmethod
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> WrapupClient:
        """A client configured from ``GENESYSCLOUD_*`` environment variables.

        Reads ``GENESYSCLOUD_OAUTHCLIENT_ID``, ``GENESYSCLOUD_OAUTHCLIENT_SECRET`` and
        ``GENESYSCLOUD_REGION``.

        Falls back to the SDK README's ``GENESYS_CLOUD_*`` names.  ``GENESYSCLOUD_API_HOST``
        (or ``GENESYSCLOUD_API_REGION``, the name Genesys's blueprints use for the API URL)
        overrides the region's host (point it at the emulator); ``GENESYSCLOUD_ACCESS_TOKEN``
        uses a ready token instead of client credentials (it is not renewed).  The other
        arguments are the constructor's.

        Raises:
            ConfigurationError: a setting is missing or unknown.
        """
        env = read_env(environ)
        if "api_host" not in env and "region" not in env:
            raise ConfigurationError(
                "Set GENESYSCLOUD_REGION (or GENESYSCLOUD_API_HOST) to choose the Genesys Cloud."
            )
        host = api_host_for(env.get("api_host") or env["region"])
        if "access_token" in env and not ("client_id" in env and "client_secret" in env):
            api_client = new_api_client(host.rstrip("/"))
            api_client.access_token = env["access_token"]  # type: ignore[attr-defined]
            return cls(api_client, **options)
        missing = [n for n in ("client_id", "client_secret") if n not in env]
        if missing:
            names = " and ".join(f"GENESYSCLOUD_OAUTHCLIENT_{n.split('_')[1].upper()}" for n in missing)
            raise ConfigurationError(f"Set {names} (or GENESYSCLOUD_ACCESS_TOKEN).")
        return cls.from_credentials(env["client_id"], env["client_secret"], host=host, **options)

    def __repr__(self) -> str:
        return f"WrapupClient(host={self.http.host!r}, readiness={self.readiness!r}, retry={self.retry!r})"

    # -- start-up check --------------------------------------------------------------------------------

    def check(
        self, *, queues: Iterable[str] = (), users: Iterable[str] = (), probe_write: bool = True
    ) -> None:
        """Fail at start-up rather than on the first wrap-up: log in and probe each permission in use.

        Logs in (:class:`~wrapupkit.exceptions.AuthenticationError` on refused credentials), reads
        each queue's code set (``routing:queue:view``), POSTs a wrap-up to a conversation that does
        not exist when *probe_write* (a 404 proves ``conversation:participant:wrapup``; nothing can
        be written), and, with :class:`~wrapupkit.Notifications`, subscribes the topics its waits
        will use for *users* (or *queues*, with ``topic="queue"``).

        Raises:
            Forbidden: naming every probe that was refused and the permissions Genesys said are missing.
            InvalidInput: a malformed queue or user id (before any request).
        """
        self._check_open()
        queue_ids = [str(check.check_id("queues", q)) for q in queues]
        user_ids = [str(check.check_id("users", u)) for u in users]
        with self.http.budget(self.clock.monotonic() + self.timeout):
            missing = probe(
                self.http, self._codes, self.readiness, queue_ids, user_ids, probe_write=probe_write
            )
        if missing:
            raise refused(missing)

    # -- code sets ------------------------------------------------------------------------------------

    def codes(self, queue_id: str) -> CodeSet:
        """The wrap-up codes of *queue_id*, from the cache or fetched across all pages."""
        self._check_open()
        check.check_id("queue_id", queue_id)
        with self.http.budget(self.clock.monotonic() + self.timeout):
            return self._codes.queue(queue_id)[0]

    def refresh_codes(self, queue_id: str) -> CodeSet:
        """Fetch *queue_id*'s code set again, replacing the cached one."""
        self._check_open()
        check.check_id("queue_id", queue_id)
        with self.http.budget(self.clock.monotonic() + self.timeout):
            return self._codes.queue(queue_id, refresh=True)[0]

    def clear_cache(self) -> None:
        """Forget every cached code set."""
        self._codes.clear()

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
        strategy = self.readiness if readiness is None else as_strategy(readiness)
        limit = self.timeout if timeout is None else check.seconds("timeout", timeout)
        request = self.request(
            conversation_id,
            code,
            participant_id=participant_id,
            user_id=user_id,
            media_type=media_type,
            notes=notes,
            tags=tags,
            duration=duration,
            overwrite=overwrite,
            deadline=self.clock.monotonic() + limit,
        )
        call = self.call_info(request)
        with self.http.budget(request.deadline) as budget:
            source = strategy.events(call)
            try:
                flow = wrapup_flow(attrs.evolve(request, listening=source is not None), strategy)
                result = self._drive(flow, source, request)
            finally:
                if source is not None:
                    source.close()
            return attrs.evolve(result, requests=budget.requests, attempts=budget.writes)

    def request(
        self,
        conversation_id: str,
        code: str,
        *,
        participant_id: str | None,
        user_id: str | None,
        media_type: MediaType | str | None,
        notes: str | None,
        tags: Sequence[str] | None,
        duration: float | dt.timedelta | None,
        overwrite: bool,
        deadline: float,
    ) -> Request:
        """Check every argument (before any network call) and build the flow's request. Strictly private."""
        self._check_open()
        check.check_id("conversation_id", conversation_id)
        check.check_id("participant_id", participant_id, optional=True)
        check.check_id("user_id", user_id, optional=True)
        wanted = check.check_code(code)
        check.flag("overwrite", overwrite)
        fields: dict[str, Any] = {
            "notes": check.check_notes(notes),
            "tags": check.check_tags(tags),
            "duration_seconds": None
            if duration is None
            else round(check.seconds("duration", duration, allow_zero=True)),
        }
        return Request(
            conversation_id=conversation_id,
            participant_id=participant_id,
            user_id=user_id,
            code=wanted,
            media=check.media(media_type),
            fields=fields,
            overwrite=overwrite,
            deadline=deadline,
            supported=self.http.supported_media,
            now=self.clock.monotonic,
        )

    def call_info(self, request: Request) -> CallInfo:
        """What an event source sees of the call (both drivers). Strictly private."""
        return CallInfo(
            conversation_id=request.conversation_id,
            participant_id=request.participant_id,
            user_id=request.user_id,
            deadline=request.deadline,
            clock=self.clock,
            http=self.http,
        )

    def _drive(self, flow: Flow, source: EventSource | None, request: Request) -> WrapupResult:
        """The sync driver: perform each effect the flow asks for and send back its result."""
        effect: Effect = next(flow)
        while True:
            try:
                try:
                    value = self._perform(effect, source, request)
                except Exception as exc:  # noqa: BLE001 - the flow re-raises what it does not handle
                    effect = flow.throw(exc)
                else:
                    effect = flow.send(value)
            except StopIteration as done:
                result: WrapupResult = done.value
                return result

    def _perform(self, effect: Effect, source: EventSource | None, request: Request) -> Any:
        cid = request.conversation_id
        if isinstance(effect, Read):
            first = source.first() if source is not None and effect.first else None
            return first if first is not None else self.http.get_conversation(cid)
        if isinstance(effect, Wait):
            if source is None:
                self.clock.sleep(effect.request.delay)
                view = None
            else:
                view = source.wait(effect.request)
            if view is None:
                view = self.http.get_conversation(cid, what="GET conversation (readiness)")
            return view
        if isinstance(effect, Resolve):
            return self._codes.resolve(request.code, effect.target)
        if isinstance(effect, Lookup):
            return self._codes.name_of(effect.code_id, effect.target.queue_id)
        if isinstance(effect, Write):
            target = effect.target
            self.http.write_wrapup(
                target.endpoint,
                target.conversation_id,
                target.participant_id,
                target.communication_id,
                effect.fields,
                overwrite=request.overwrite,
            )
            return None
        raise TypeError(f"unknown effect {effect!r}")  # pragma: no cover - the flow yields only these

    def intend(
        self,
        conversation_id: str,
        code: str,
        *,
        participant_id: str | None = None,
        user_id: str | None = None,
        notes: str | None = None,
        tags: Sequence[str] | None = None,
        media_type: MediaType | str | None = None,
        expires: float | dt.timedelta | dt.datetime = 86_400.0,
        replace: bool = False,
        store: str | IntentStore | None = None,
    ) -> Intent:
        """Record the decision to apply *code* durably; apply it now if after-call work is open.

        Checks the arguments as :meth:`apply_wrapup` does (before any I/O), stores a ``pending``
        :class:`~wrapupkit.intents.Intent` and returns it; one read decides whether the
        communication is ready now, and if so the code is written and the intent comes back
        ``applied``, ``already`` or ``failed``.  Otherwise a :class:`~wrapupkit.fleet.Worker`
        applies it when the agent's leg ends.  See docs/fleet.md.

        Args:
            expires: seconds (or a ``timedelta``, or an aware ``datetime``) until a pending
                intent expires (default a day).
            replace: replace a pending intent for the same leg that names another code.
            store: this call's store (default: the client's ``store=`` option).

        Raises:
            InvalidInput: a malformed argument; nothing was stored or sent.
            IntentConflict: a pending intent for the leg names another code (and not *replace*).
            StoreError: the store failed.

        .. versionadded:: 0.1.0
        """
        from wrapupkit import _intend

        return _intend.intend(self, conversation_id, code, **_intend.intend_args(locals()))

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
