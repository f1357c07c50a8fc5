"""AsyncWrapupClient: the same wrap-up flow, driven with ``await``; a pending wait holds no thread.

The client shares :class:`~wrapupkit.WrapupClient`'s core (the same code cache, HTTP caller,
retry policy, argument checks, flow and steps; see ``_clientcore``) and replaces only the
driver: waits are awaited on the event loop (the clock's ``asleep`` or the strategy's
:class:`~wrapupkit.AsyncEventSource`), and each HTTP request runs the SDK's blocking call on a
bounded worker pool, holding a thread only while that request (with its retries) runs.  The
call's context (its deadline and request count) is copied into the worker.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from wrapupkit._clientcore import ClientCore, ClientOptions, Outcome, drive
from wrapupkit._clock import asleep
from wrapupkit._models import CodeSet, WrapupResult
from wrapupkit._readiness._flow import Read, Wait, Write


if TYPE_CHECKING:
    import asyncio
    import os
    from collections.abc import Iterable

    from typing_extensions import Self, Unpack

    from wrapupkit._explain import Explanation
    from wrapupkit._http import RateLimiter
    from wrapupkit._media import MediaType
    from wrapupkit._readiness import AsyncEventSource, Readiness
    from wrapupkit._readiness._flow import Effect, Request
    from wrapupkit.bulk import BulkItem, BulkReport
    from wrapupkit.intents import Intent, IntentStore

__all__ = ["AsyncWrapupClient", "Opening"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")
C = TypeVar("C", bound="AsyncWrapupClient")


class Opening(Generic[C]):
    """A client being built: ``await`` it, or use it as ``async with`` (closed at the block's end).

    What :meth:`AsyncWrapupClient.from_env` and :meth:`~AsyncWrapupClient.from_credentials`
    return, as aiohttp's ``session.get()`` is both awaitable and an async context manager.
    The SDK is imported and the client built in a worker thread, never on the event loop.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_build", "_client")

    def __init__(self, build: Callable[[], C]) -> None:
        self._build = build
        self._client: C | None = None

    async def _open(self) -> C:
        import asyncio

        return await asyncio.to_thread(self._build)

    def __await__(self) -> Generator[Any, None, C]:
        return self._open().__await__()

    async def __aenter__(self) -> C:
        self._client = await self._open()
        return self._client

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()


class AsyncWrapupClient(ClientCore):
    """:class:`~wrapupkit.WrapupClient` for asyncio: the same arguments, results, errors and guarantees.

    Build it with ``async with AsyncWrapupClient.from_env() as client:`` (or ``await`` it, or
    :meth:`from_credentials`: the SDK is imported and the client built in a worker thread, never
    on the loop), or around an SDK ``ApiClient`` you made.  Use it as ``async with`` or call
    :meth:`aclose`; a closed client refuses every call with
    :class:`~wrapupkit.exceptions.ConfigurationError`.
    One client serves any number of concurrent tasks on one event loop; each pending wait is
    a suspended coroutine, not a thread.

    Args:
        api_client: an ``ApiClient`` with a token.
        max_connections: HTTP connections kept open, and worker threads: at most this many
            requests run at once (a thread is held only while its request runs).

    The other arguments are :class:`~wrapupkit.WrapupClient`'s.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        api_client: Any,
        **options: Unpack[ClientOptions],
    ) -> None:
        import concurrent.futures  # here, not at import time: ``import wrapupkit`` stays cheap

        super().__init__(api_client, **options)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=options.get("max_connections", 10), thread_name_prefix="wrapupkit-http"
        )

    @classmethod
    def from_credentials(
        cls,
        client_id: str,
        client_secret: str,
        *,
        region: str | None = None,
        host: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> Opening[Self]:
        """Log in with OAuth client credentials (see :meth:`WrapupClient.from_credentials`).

        Returns an object both awaitable and an async context manager:
        ``async with AsyncWrapupClient.from_credentials(...) as client:`` or
        ``client = await AsyncWrapupClient.from_credentials(...)``.

        Raises:
            ConfigurationError: neither *region* nor *host* is given, or a setting is invalid.
        """
        return Opening(lambda: cls._with_credentials(client_id, client_secret, region, host, options))

    @classmethod
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> Opening[Self]:
        """A client configured from ``GENESYSCLOUD_*`` variables (see :meth:`WrapupClient.from_env`).

        Returns an object both awaitable and an async context manager:
        ``async with AsyncWrapupClient.from_env() as client:`` or
        ``client = await AsyncWrapupClient.from_env()``.

        Raises:
            ConfigurationError: a setting is missing or unknown.
        """
        return Opening(lambda: cls._with_env(environ, options))

    # -- lifecycle -------------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close everything the client owns: its notification channels, connections and worker threads.

        Idempotent.  Requests still running finish in their threads; no new one starts, and
        every later call raises :class:`~wrapupkit.exceptions.ConfigurationError`.
        """
        if self._closed:
            return
        self._closed = True
        try:
            await self._http.aclose()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
            from wrapupkit._intend import aclose_stores

            await aclose_stores(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _offload(self, fn: Callable[[], T], /) -> asyncio.Future[T]:
        """Run blocking *fn* on the worker pool with a copy of the current context."""
        import asyncio

        self._check_open()
        context = contextvars.copy_context()
        try:
            return asyncio.get_running_loop().run_in_executor(self._pool, context.run, fn)
        except RuntimeError:  # the pool shut down under us: closed by another task
            self._check_open()
            raise

    # -- start-up check --------------------------------------------------------------------------------

    async def check(
        self, *, queues: Iterable[str] = (), users: Iterable[str] = (), probe_write: bool = True
    ) -> None:
        """Fail at start-up rather than on the first wrap-up: :meth:`WrapupClient.check`, awaited.

        Raises:
            Forbidden: naming every probe that was refused and the permissions Genesys said are missing.
            InvalidInput: a malformed queue or user id (before any request).
        """
        queues, users = list(queues), list(users)
        await self._offload(lambda: self._check_permissions(queues, users, probe_write))

    # -- code sets -------------------------------------------------------------------------------------

    async def codes(self, queue_id: str) -> CodeSet:
        """The wrap-up codes of *queue_id*, from the cache or fetched across all pages."""
        codes: CodeSet = await self._offload(lambda: self._codes_of(queue_id))
        return codes

    async def refresh_codes(self, queue_id: str) -> CodeSet:
        """Fetch *queue_id*'s code set again, replacing the cached one."""
        codes: CodeSet = await self._offload(lambda: self._codes_of(queue_id, refresh=True))
        return codes

    # -- the call --------------------------------------------------------------------------------------

    async def apply_wrapup(
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
        """Apply wrap-up *code*, exactly once: :meth:`WrapupClient.apply_wrapup`, awaited.

        Arguments, result and exceptions are the sync client's.  Cancelling the task that
        awaits it ends a wait at once and releases its notification topic.  A cancel that
        comes while the wrap-up POST is in flight lets that POST finish (it is bounded by
        ``request_timeout`` and the call's deadline), then raises ``CancelledError``: no
        write is left running behind your back, so a later call with the same arguments
        finds the code applied (``already_applied``) or applies it, exactly once.

        Raises:
            InvalidInput: a malformed argument; nothing was sent.
            ConfigurationError: the client is closed.
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
            source = call.strategy.async_events(attrs.evolve(call.info, offload=self._offload))
            try:
                flow = self._flow(call)
                step = drive(flow, None)
                while not isinstance(step, WrapupResult):
                    try:
                        outcome = Outcome(await self._perform(step, source, call.request))
                    except Exception as exc:  # noqa: BLE001 - the flow re-raises what it does not handle
                        outcome = Outcome(error=exc)
                    step = drive(flow, outcome)
            finally:
                if source is not None:
                    await source.aclose()
            return attrs.evolve(step, requests=budget.requests, attempts=budget.writes)

    async def _perform(self, effect: Effect, source: AsyncEventSource | None, request: Request) -> Any:
        """The async driver's step: waits are awaited; the rest is the shared step, on a worker thread."""
        import asyncio

        cid = request.conversation_id
        if isinstance(effect, Wait):
            if source is None:
                await asleep(self.clock, effect.request.delay)
                view = None
            else:
                view = await source.wait(effect.request)
            return await self._offload(lambda: self._read(cid, waiting=True)) if view is None else view
        if isinstance(effect, Read) and effect.first and source is not None:
            first = await source.first()
            if first is not None:
                return first
        work = self._offload(lambda: self._step(effect, request))
        if not isinstance(effect, Write):
            return await work
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            log.info("apply_wrapup(%s) cancelled during the wrap-up POST; letting it finish", cid)
            try:
                await work
            except Exception as exc:  # noqa: BLE001 - the cancellation is what the caller asked for
                log.info("the wrap-up POST for %s ended with %r before the cancellation", cid, exc)
            raise

    async def explain(
        self,
        conversation_id: str,
        *,
        participant_id: str | None = None,
        user_id: str | None = None,
        media_type: MediaType | str | None = None,
        readiness: Readiness | None = None,
    ) -> Explanation:
        """What :meth:`apply_wrapup` would do right now, and why: :meth:`WrapupClient.explain`, awaited.

        .. versionadded:: 0.1.0
        """
        return await self._offload(
            lambda: self._explained(
                conversation_id,
                participant_id=participant_id,
                user_id=user_id,
                media_type=media_type,
                readiness=readiness,
            )
        )

    async def intend(
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
        """Record a wrap-up decision durably: :meth:`WrapupClient.intend`, awaited.

        .. versionadded:: 0.1.0
        """
        from wrapupkit import _intend

        return await _intend.intend_async(self, conversation_id, code, **_intend.intend_args(locals()))

    async def apply_many(
        self,
        items: Iterable[BulkItem | Sequence[Any] | Mapping[str, Any]],
        *,
        max_concurrency: int = 100,
        rate_limit: RateLimiter | float | None = 300,
        journal: str | os.PathLike[str] | None = None,
        progress: bool = True,
        readiness: Readiness | None = None,
        timeout: float | dt.timedelta | None = None,
        overwrite: bool = False,
        duration: float | dt.timedelta | None = None,
    ) -> BulkReport:
        """Apply many wrap-ups concurrently under one rate limit; see :func:`wrapupkit.apply_many_async`."""
        self._check_open()
        from wrapupkit.bulk._async_runner import apply_many_async

        return await apply_many_async(
            self,
            items,
            max_concurrency=max_concurrency,
            rate_limit=rate_limit,
            journal=journal,
            progress=progress,
            readiness=readiness,
            timeout=timeout,
            overwrite=overwrite,
            duration=duration,
        )
