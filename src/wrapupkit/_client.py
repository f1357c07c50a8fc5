"""WrapupClient: the facade that applies a wrap-up, once, at the first moment Genesys accepts it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from wrapupkit._clientcore import ClientCore, ClientOptions, Outcome, drive
from wrapupkit._models import CodeSet, WrapupResult
from wrapupkit._readiness._flow import Read, Wait


if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    from typing_extensions import Self, Unpack

    from wrapupkit._explain import Explanation
    from wrapupkit._http import RateLimiter
    from wrapupkit._media import MediaType
    from wrapupkit._readiness import EventSource, Readiness
    from wrapupkit._readiness._flow import Effect, Request
    from wrapupkit.bulk import BulkItem, BulkReport
    from wrapupkit.intents import Intent, IntentStore

__all__ = ["ClientOptions", "WrapupClient"]

log = logging.getLogger("wrapupkit")


class WrapupClient(ClientCore):
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
        store: where :meth:`intend` records intents: a URL (``sqlite:///path``, ``redis://host``)
            or a store; ``None``: ``$WRAPUPKIT_STORE``, else an SQLite file (docs/fleet.md).
        share: an intent store (``SQLiteStore``, ``RedisStore``) or its ``share(...)``: every
            process given the same one shares one token and one request budget per OAuth client
            (:class:`~wrapupkit.intents.StoreShare`).

    Raises:
        InvalidType: an argument of the wrong type (``retry="3"``, ``clock=5``, an *api_client*
            that is not an SDK ``ApiClient``).
        ConfigurationError: a number out of range (``retry=-1`` is a wrong type, ``timeout=-1``
            out of range).

    .. versionadded:: 0.1.0
    """

    # -- lifecycle ------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the client: its notification channels and their threads, and its pooled connections.

        Idempotent.  A closed client refuses further calls with
        :class:`~wrapupkit.exceptions.ConfigurationError` before any network call.
        """
        self._closed = True
        self._http.close()
        from wrapupkit._intend import close_stores

        close_stores(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

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
    ) -> Self:
        """Log in with OAuth client credentials; the token is renewed before it expires and after a 401.

        Args:
            client_id: the OAuth client's id.
            client_secret: its secret (never logged or shown).
            region: a region key (``us_east_1`` or ``us-east-1``), domain or URL.
            host: an API base URL that wins over *region* (for the emulator: ``emu.url``).

        The other keyword arguments are the constructor's (:class:`ClientOptions`).
        """
        return cls._with_credentials(client_id, client_secret, region, host, options)

    @classmethod
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> Self:
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
        return cls._with_env(environ, options)

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
        self._check_permissions(queues, users, probe_write)

    # -- code sets ------------------------------------------------------------------------------------

    def codes(self, queue_id: str) -> CodeSet:
        """The wrap-up codes of *queue_id*, from the cache or fetched across all pages."""
        codes: CodeSet = self._codes_of(queue_id)
        return codes

    def refresh_codes(self, queue_id: str) -> CodeSet:
        """Fetch *queue_id*'s code set again, replacing the cached one."""
        codes: CodeSet = self._codes_of(queue_id, refresh=True)
        return codes

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
        call = self._begin(
            conversation_id,
            code,
            participant_id=participant_id,
            user_id=user_id,
            media_type=media_type,
            notes=notes,
            tags=tags,
            duration=duration,
            readiness=readiness,
            timeout=timeout,
            overwrite=overwrite,
        )
        with self._http.budget(call.request.deadline) as budget:
            source = call.strategy.events(call.info)
            try:
                flow = self._flow(call)
                step = drive(flow, None)
                while not isinstance(step, WrapupResult):
                    try:
                        outcome = Outcome(self._perform(step, source, call.request))
                    except Exception as exc:  # noqa: BLE001 - the flow re-raises what it does not handle
                        outcome = Outcome(error=exc)
                    step = drive(flow, outcome)
            finally:
                if source is not None:
                    source.close()
            return attrs.evolve(step, requests=budget.requests, attempts=budget.writes)

    def _perform(self, effect: Effect, source: EventSource | None, request: Request) -> Any:
        """The sync driver's step: a wait sleeps or asks the event source; the rest is shared."""
        if isinstance(effect, Wait):
            if source is None:
                self.clock.sleep(effect.request.delay)
                return self._read(request.conversation_id, waiting=True)
            view = source.wait(effect.request)
            return self._read(request.conversation_id, waiting=True) if view is None else view
        if isinstance(effect, Read) and effect.first and source is not None:
            first = source.first()
            if first is not None:
                return first
        return self._step(effect, request)

    def explain(
        self,
        conversation_id: str,
        *,
        participant_id: str | None = None,
        user_id: str | None = None,
        media_type: MediaType | str | None = None,
        readiness: Readiness | None = None,
    ) -> Explanation:
        """What :meth:`apply_wrapup` would do with *conversation_id* right now, and why; writes nothing.

        Reads the conversation once and runs the same choice and the same first readiness check
        as :meth:`apply_wrapup` (see :func:`wrapupkit.explain_conversation`).

        Raises:
            InvalidInput: a malformed argument; nothing was sent.
            GenesysAPIError: Genesys refused the read (``NotFound`` for an unknown conversation).

        .. versionadded:: 0.1.0
        """
        return self._explained(
            conversation_id,
            participant_id=participant_id,
            user_id=user_id,
            media_type=media_type,
            readiness=readiness,
        )

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
