"""AsyncWrapupClient: the same wrap-up flow, driven with ``await``; a pending wait holds no thread.

The client wraps a :class:`~wrapupkit.WrapupClient` (the same code cache, HTTP caller, retry
policy, argument checks and flow) and replaces only the driver: waits are awaited on the event
loop (the clock's ``asleep`` or the strategy's :class:`~wrapupkit.AsyncEventSource`), and each
HTTP request runs the SDK's blocking call on a bounded worker pool, holding a thread only while
that request (with its retries) runs.  The call's context (its deadline and request count) is
copied into the worker.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from wrapupkit import _validate as check
from wrapupkit._client import ClientOptions, WrapupClient
from wrapupkit._clock import Clock, asleep
from wrapupkit._readiness import AsyncEventSource, Readiness, ReadinessStrategy, as_strategy
from wrapupkit._readiness._flow import Read, Request, Wait, Write, wrapup_flow
from wrapupkit.exceptions import ConfigurationError


if TYPE_CHECKING:
    import asyncio
    import concurrent.futures
    import os
    from collections.abc import Iterable

    from typing_extensions import Unpack

    from wrapupkit._http import Caller, RateLimiter
    from wrapupkit._media import MediaType
    from wrapupkit._models import CodeSet, WrapupResult
    from wrapupkit._readiness._flow import Effect, Flow
    from wrapupkit.bulk import BulkItem, BulkReport
    from wrapupkit.intents import Intent, IntentStore

__all__ = ["AsyncWrapupClient"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")


class AsyncWrapupClient:
    """:class:`~wrapupkit.WrapupClient` for asyncio: the same arguments, results, errors and guarantees.

    Build it with ``await AsyncWrapupClient.from_env()`` or ``await ...from_credentials()``
    (the SDK is imported and the client built in a worker thread, never on the loop), or
    around an SDK ``ApiClient`` you made.  Use it as ``async with`` or call :meth:`aclose`.
    One client serves any number of concurrent tasks on one event loop; each pending wait is
    a suspended coroutine, not a thread.

    Args:
        api_client: an ``ApiClient`` with a token.
        max_connections: HTTP connections kept open, and worker threads: at most this many
            requests run at once (a thread is held only while its request runs).

    The other arguments are :class:`~wrapupkit.WrapupClient`'s.

    .. versionadded:: 0.2.0
    """

    def __init__(
        self,
        api_client: Any,
        **options: Unpack[ClientOptions],
    ) -> None:
        sync = WrapupClient(api_client, **options)
        self._adopt(sync, options.get("max_connections", 10))

    def _adopt(self, sync: WrapupClient, max_connections: int) -> None:
        import concurrent.futures  # here, not at import time: ``import wrapupkit`` stays cheap

        check.whole("max_connections", max_connections, low=1)
        self._sync = sync
        self._pool: concurrent.futures.ThreadPoolExecutor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_connections, thread_name_prefix="wrapupkit-http"
        )
        self._listening: weakref.WeakSet[ReadinessStrategy] = weakref.WeakSet()
        self._closed = False

    @classmethod
    async def from_credentials(
        cls,
        client_id: str,
        client_secret: str,
        *,
        region: str | None = None,
        host: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> AsyncWrapupClient:
        """Log in with OAuth client credentials (see :meth:`WrapupClient.from_credentials`).

        Raises:
            ConfigurationError: neither *region* nor *host* is given, or a setting is invalid.
        """
        import asyncio

        sync = await asyncio.to_thread(
            WrapupClient.from_credentials,
            client_id,
            client_secret,
            region=region,
            host=host,
            **options,
        )
        return cls._wrapping(sync, options.get("max_connections", 10))

    @classmethod
    async def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> AsyncWrapupClient:
        """A client configured from ``GENESYSCLOUD_*`` variables (see :meth:`WrapupClient.from_env`).

        Raises:
            ConfigurationError: a setting is missing or unknown.
        """
        import asyncio

        sync = await asyncio.to_thread(
            WrapupClient.from_env,
            environ=environ,
            **options,
        )
        return cls._wrapping(sync, options.get("max_connections", 10))

    @classmethod
    def _wrapping(cls, sync: WrapupClient, max_connections: int) -> AsyncWrapupClient:
        client = cls.__new__(cls)
        client._adopt(sync, max_connections)
        return client

    # -- what the sync client has --------------------------------------------------------------------

    @property
    def api_client(self) -> Any:
        """The SDK ``ApiClient`` the client calls through."""
        return self._sync.api_client

    @property
    def http(self) -> Caller:
        """The one object through which every HTTP call is made (rate limiters install on it)."""
        return self._sync.http

    @property
    def clock(self) -> Clock:
        """Where time comes from."""
        return self._sync.clock

    @property
    def readiness(self) -> ReadinessStrategy:
        """The default readiness strategy."""
        return self._sync.readiness

    @readiness.setter
    def readiness(self, value: Readiness | None) -> None:
        self._sync.readiness = as_strategy(value)

    @property
    def timeout(self) -> float:
        """The default bound on a whole :meth:`apply_wrapup` call, in seconds."""
        return self._sync.timeout

    def __repr__(self) -> str:
        sync = self._sync
        return (
            f"AsyncWrapupClient(host={sync.http.host!r}, readiness={sync.readiness!r}, retry={sync.retry!r})"
        )

    # -- lifecycle -------------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the notification channels this client opened and stop its worker threads.  Idempotent.

        Requests still running finish in their threads; no new one starts.
        """
        if self._closed:
            return
        self._closed = True
        for strategy in list(self._listening):
            detach = getattr(strategy, "_aclose_client", None)
            if detach is not None:
                await detach(self.http)
        self._pool.shutdown(wait=False, cancel_futures=True)
        from wrapupkit._intend import aclose_stores

        await aclose_stores(self)

    async def __aenter__(self) -> AsyncWrapupClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def offload(self, fn: Callable[[], T], /) -> asyncio.Future[T]:
        """Run blocking *fn* on the worker pool with a copy of the current context. Strictly private."""
        import asyncio

        context = contextvars.copy_context()
        return asyncio.get_running_loop().run_in_executor(self._pool, context.run, fn)

    # -- code sets -------------------------------------------------------------------------------------

    async def codes(self, queue_id: str) -> CodeSet:
        """The wrap-up codes of *queue_id*, from the cache or fetched across all pages."""
        check.check_id("queue_id", queue_id)
        return await self.offload(lambda: self._sync.codes(queue_id))

    async def refresh_codes(self, queue_id: str) -> CodeSet:
        """Fetch *queue_id*'s code set again, replacing the cached one."""
        check.check_id("queue_id", queue_id)
        return await self.offload(lambda: self._sync.refresh_codes(queue_id))

    def clear_cache(self) -> None:
        """Forget every cached code set."""
        self._sync.clear_cache()

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
        sync = self._sync
        if self._closed:
            raise ConfigurationError("this AsyncWrapupClient is closed")
        strategy = sync.readiness if readiness is None else as_strategy(readiness)
        limit = sync.timeout if timeout is None else check.seconds("timeout", timeout)
        request = sync.request(
            conversation_id,
            code,
            participant_id=participant_id,
            user_id=user_id,
            media_type=media_type,
            notes=notes,
            tags=tags,
            duration=duration,
            overwrite=overwrite,
            deadline=sync.clock.monotonic() + limit,
        )
        call = attrs.evolve(sync.call_info(request), offload=self.offload)
        with sync.http.budget(request.deadline) as budget:
            source = strategy.async_events(call)
            if source is not None:
                self._listening.add(strategy)
            try:
                flow = wrapup_flow(attrs.evolve(request, listening=source is not None), strategy)
                result = await self._drive(flow, source, request)
            finally:
                if source is not None:
                    await source.aclose()
            return attrs.evolve(result, requests=budget.requests, attempts=budget.writes)

    async def _drive(self, flow: Flow, source: AsyncEventSource | None, request: Request) -> WrapupResult:
        """The async driver: the sync driver's loop, each effect awaited."""
        effect: Effect = next(flow)
        while True:
            try:
                try:
                    value = await self._perform(effect, source, request)
                except Exception as exc:  # noqa: BLE001 - the flow re-raises what it does not handle
                    effect = flow.throw(exc)
                else:
                    effect = flow.send(value)
            except StopIteration as done:
                result: WrapupResult = done.value
                return result

    async def _perform(self, effect: Effect, source: AsyncEventSource | None, request: Request) -> Any:
        import asyncio

        sync, cid = self._sync, request.conversation_id
        if isinstance(effect, Wait):
            if source is None:
                await asleep(sync.clock, effect.request.delay)
                view = None
            else:
                view = await source.wait(effect.request)
            if view is None:
                view = await self.offload(
                    lambda: sync.http.get_conversation(cid, what="GET conversation (readiness)")
                )
            return view
        if isinstance(effect, Read) and effect.first and source is not None:
            first = await source.first()
            if first is not None:
                return first
        # a read, a code resolution or the write: the sync driver's own step, on a worker thread
        work = self.offload(lambda: sync._perform(effect, None, request))
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
