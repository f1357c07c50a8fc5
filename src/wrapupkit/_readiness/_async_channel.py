"""The notification channel on an asyncio event loop, and one call's async listening. Strictly private.

:class:`AsyncChannel` is a :class:`~wrapupkit._readiness._channel.Channel` (the same topics,
references, lingering, event cache, frame handling and renewal) whose socket is read by a task
on the event loop with ``websockets.asyncio.client`` instead of a thread.  Its HTTP requests
(creating the channel, subscribing) run on the async client's worker pool through the call's
``offload``; the loop never blocks: waits are futures woken by the frame that concerns them.
:class:`AsyncChannelEvents` drives a call's :class:`~wrapupkit._readiness._listener.Listener`
with ``await``, exactly as the sync source drives it with blocking calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from wrapupkit._clock import Clock, asleep
from wrapupkit._readiness._channel import Channel
from wrapupkit._readiness._listener import Acquire, Listener, Open, Settings, Sleep, Step, Steps
from wrapupkit._readiness._reader import Event, Gone, Options, Outcome, Received


if TYPE_CHECKING:
    from wrapupkit._http import Caller
    from wrapupkit._readiness._events import CallInfo, Deadline, Offload, WaitRequest

__all__ = ["AsyncChannel", "AsyncChannelEvents"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")


class _Socket:
    """The open WebSocket, closable from any thread (the channel's sync code calls ``close()``)."""

    def __init__(self, ws: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._ws = ws
        self._loop = loop

    def close(self) -> None:
        _call_soon(self._loop, self._close)

    def _close(self) -> None:
        task = self._loop.create_task(self._ws.close())
        _CLOSING.add(task)
        task.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Task[None]] = set()  # closes in progress (a task needs a strong reference)


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: nothing is waiting any more
        loop.call_soon_threadsafe(fn)


class AsyncChannel(Channel):
    """A :class:`Channel` whose socket is read by a task on the running event loop.

    Args:
        http: the async client's caller.
        options: the strategy's channel options.
        offload: runs a blocking callable (an HTTP request) on the client's worker pool.
        wall: real time for the socket (heartbeat silence, reconnect pauses).
    """

    def __init__(
        self, http: Caller, options: Options, *, offload: Offload, wall: Clock | None = None
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()  # the reader's first connection attempt ended
        self._stopping = asyncio.Event()
        self._offload = offload
        super().__init__(http, options, wall=wall)

    # -- waking waits (thread-safe entry points) --------------------------------------------------

    def _wake(self, conversation_id: str | None = None) -> None:
        """Resolve the waits of *conversation_id* (all waits when ``None``).  On the loop only."""
        if conversation_id is None:
            groups = list(self._waiters.values())
        else:
            groups = [self._waiters.get(conversation_id, set())]
        for group in groups:
            for future in group:
                if not future.done():
                    future.set_result(None)

    def _poke(self) -> None:  # the client's clock moved (a FakeClock): deadlines may have passed
        super()._poke()
        _call_soon(self._loop, self._wake)

    def _forget_channel(self) -> None:
        super()._forget_channel()
        _call_soon(self._loop, self._wake)

    def close(self) -> None:
        """Stop the reader and close the socket; waits see ``CLOSED``.  Thread-safe, idempotent."""
        super().close()
        _call_soon(self._loop, self._stopping.set)
        _call_soon(self._loop, self._started.set)
        _call_soon(self._loop, self._wake)

    async def aclose(self) -> None:
        """:meth:`close`, then let the reader task end (at most a few seconds)."""
        self.close()
        task, self._task = self._task, None
        if task is not None and not task.done():
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), 5.0)
            task.cancel()

    # -- waits ------------------------------------------------------------------------------------

    def ensure_open(self) -> None:
        """Start the reader (thread-safe; :meth:`open` also waits for its first attempt)."""
        _call_soon(self._loop, self._start)

    def _start(self) -> None:
        if self._task is None and not self.closed:
            # a fresh context: the reader's requests belong to no call's budget (as a thread's would)
            self._task = contextvars.Context().run(self._loop.create_task, self._run_async())

    async def open(self) -> None:
        """Start the reader on first use and wait (``connect_timeout``) for its first attempt."""
        if self.closed:
            return
        self._start()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._started.wait(), self._opts.connect_timeout)

    async def await_async(
        self, conversation_id: str, *, after: int, generation: int | None, until: float
    ) -> tuple[Outcome, Event | None]:
        """:meth:`Channel.await_` without blocking: a future woken by a frame, a change or the clock."""
        counted = generation is not None
        with self._lock:
            self.waiting += counted
        try:
            while True:
                outcome, left = self.outcome(conversation_id, after=after, generation=generation, until=until)
                if outcome is not None:
                    return outcome
                future: asyncio.Future[None] = self._loop.create_future()
                group = self._waiters.setdefault(conversation_id, set())
                group.add(future)
                timer = self._loop.call_later(left, _resolve, future)
                try:
                    await future
                finally:
                    timer.cancel()
                    group.discard(future)
                    if not group and self._waiters.get(conversation_id) is group:
                        del self._waiters[conversation_id]
        finally:
            with self._lock:
                self.waiting -= counted

    # -- the reader task --------------------------------------------------------------------------

    async def _run_async(self) -> None:
        """The reader task: :meth:`Channel.lifecycle`'s steps done with ``await``."""
        steps = self.lifecycle()
        try:
            step = next(steps)
            while True:
                if step is not None:
                    with contextlib.suppress(asyncio.TimeoutError):  # real seconds, interrupted by close()
                        await asyncio.wait_for(self._stopping.wait(), step)
                    step = next(steps)
                    continue
                try:
                    uri = await self._offload(self._prepare)
                    started = self._wall.monotonic()
                    reason = await self._read_async(uri)
                except Exception as exc:  # noqa: BLE001 - the lifecycle decides what a failure means
                    step = steps.throw(exc)
                else:
                    step = steps.send((reason, self._wall.monotonic() - started))
        except StopIteration:
            return

    def _attempted(self) -> None:
        super()._attempted()
        self._started.set()

    async def _read_async(self, uri: str) -> str:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidStatus

        loopback = urlsplit(uri).hostname in ("127.0.0.1", "localhost", "::1")
        try:
            ws = await connect(
                uri,
                open_timeout=self._opts.connect_timeout,
                close_timeout=1.0,
                proxy=None if loopback else True,
                max_size=None,
            )
        except InvalidStatus as exc:
            if exc.response.status_code in (404, 410):
                raise Gone from exc
            raise
        reason = "closed"
        try:
            self._connected(_Socket(ws, self._loop), up=True)
            self._attempted()
            log.info("notification socket connected (channel %s)", self.channel_id)
            steps = self.reading()
            try:
                step = next(steps)
                while True:
                    if step is None:  # upkeep: at most every 0.2 s, its requests off the loop
                        due = self._wall.monotonic() >= self._next_check
                        step = steps.send(await self._offload(self._maintain) if due else None)
                        continue
                    try:
                        raw: str | bytes | Received = await asyncio.wait_for(ws.recv(), step)
                    except asyncio.TimeoutError:
                        raw = Received.NOTHING
                    except ConnectionClosed:
                        raw = Received.CLOSED
                    step = steps.send(raw)
            except StopIteration as done:
                reason = str(done.value)
        finally:
            self._connected(None, up=False)
            await ws.close()
        if not self.closed:
            log.info("notification socket %s; reconnecting", reason)
        return reason

    def _connected(self, socket: Any, *, up: bool) -> None:
        super()._connected(socket, up=up)
        self._wake()

    def _frame(self, raw: str | bytes) -> bool:
        """Record one frame (:meth:`Channel._handle`) and wake the waits of its conversation."""
        seq = self.seq
        closing = self._handle(raw)
        if self.seq != seq:
            with self._lock:
                latest = next(reversed(self._events), None)
            if latest is not None:
                self._wake(latest)
        return closing


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AsyncChannelEvents(Listener):
    """The async driver of one call's :class:`Listener`: waits are awaited, HTTP is offloaded."""

    def __init__(self, strategy: Settings, channel: AsyncChannel | None, call: CallInfo) -> None:
        super().__init__(strategy, channel, call)
        self.achannel = channel
        self.offload = cast("Offload", call.offload)

    async def first(self) -> Mapping[str, Any] | None:
        return await self._drive(self.first_steps())

    async def wait(self, request: WaitRequest) -> Mapping[str, Any] | Deadline | None:
        return await self._drive(self.wait_steps(request))

    async def _drive(self, steps: Steps[T]) -> T:
        try:
            step = next(steps)
            while True:
                step = steps.send(await self._do(step))
        except StopIteration as done:
            value: T = done.value
            return value

    async def _do(self, step: Step) -> Any:
        if isinstance(step, Sleep):
            await asleep(self.clock, step.seconds)
            return None
        channel = cast("AsyncChannel", self.achannel)  # a listener yields other steps only with a channel
        if isinstance(step, Open):
            return await channel.open()
        if isinstance(step, Acquire):
            topic = step.topic
            return await self.offload(lambda: channel.acquire(topic))
        return await channel.await_async(
            self.call.conversation_id, after=step.after, generation=step.generation, until=step.until
        )

    async def aclose(self) -> None:
        """Give the topic back; shielded, so a cancelled call still releases it."""
        topic = self.release()
        channel = self.achannel
        if channel is not None and topic is not None:
            await asyncio.shield(self.offload(lambda: channel.release(topic)))
