"""The fleet's worker: applies pending intents when Genesys says the agent's leg ended.

A :class:`Worker` runs on one event loop with one :class:`~wrapupkit.AsyncWrapupClient`, one
:class:`~wrapupkit.intents.AsyncIntentStore` and, optionally, one
:class:`~wrapupkit.fleet.EventSource`.  Any number of workers, in any number of processes, may
share a store: each intent is claimed with a lease before it is applied, and the flow's
read-before-write makes a re-run after a lost lease write the code exactly once.

What each event does (docs/fleet.md has the picture):

* ``user.end``: each pending intent of the conversation that the leg concerns is claimed and
  applied (one read confirms after-call work, then the write; the client's readiness strategy
  bridges the short gap before ACW opens).
* ``conversation``: a conversation view that shows after-call work open on the intent's leg
  is the first view of the flow, so the write needs no read (only on an intent's first claim:
  after a lost lease the flow reads afresh).
* ``acw``: the agent finished after-call work with a code: the intent is closed as ``already``
  (both codes named), or ``applied`` when the code is the intent's own.
* anything else (malformed, unknown topic, no intent) is counted and acknowledged.

A delivery is acknowledged only after each intent it concerns is final or durably pending.
A periodic sweep (one read per stale pending intent, bounded and paced) is the safety net for
events that never come, and expires overdue intents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wrapupkit import _validate as check
from wrapupkit._clock import Clock, asleep
from wrapupkit._intend import apply_args, log_transition, new_owner, settle, shows_acw
from wrapupkit._readiness._pass import Pass
from wrapupkit.fleet._closing import acw_outcome, code_name, concerns
from wrapupkit.fleet._events import Delivery, EventKind, EventSource, FleetEvent
from wrapupkit.fleet._stats import ResponseGate, Stats
from wrapupkit.intents import Intent, IntentState


if TYPE_CHECKING:
    from wrapupkit._aclient import AsyncWrapupClient
    from wrapupkit._models import WrapupResult
    from wrapupkit.fleet._stats import Observer
    from wrapupkit.intents import AsyncIntentStore, Lease

__all__ = ["Worker"]

log = logging.getLogger("wrapupkit.fleet")


class Worker:
    """Apply wrap-up intents from a shared store as their conversations reach after-call work.

    Args:
        client: the client that reads and writes (its readiness strategy bridges the gap between
            the end of the leg and after-call work).
        store: the intents (``open_store(url).asyncio()``).
        events: where events come from; ``None``: the sweep alone.
        concurrency: intents applied at once.
        lease: seconds a claim holds an intent; renewed every third of it while applying.
        sweep_every: seconds between sweeps; ``None``: no periodic sweep (call :meth:`sweep`).
        stale_after: a pending intent untouched this long is read by the sweep (each read
            counts as a touch, so a pending intent costs one read per *stale_after* at most).
        sweep_limit: the most intents one sweep looks at.
        sweep_rate: the most reads per second the sweep makes.
        apply_timeout: the bound on one apply (default: the client's timeout).
        clock: where the times recorded on intents and leases come from (``FakeClock`` in tests);
            the pauses between sweeps and lease renewals are real time and end early on
            :meth:`stop`.
        observers: what is told of events, claims and transitions (metrics).

    Attributes:
        owner: this worker's lease owner id (``worker@host:pid:random``).
        stats: plain counters (events, ignored events by reason, claims, transitions by state).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        client: AsyncWrapupClient,
        store: AsyncIntentStore,
        events: EventSource | None = None,
        *,
        concurrency: int = 16,
        lease: float = 30.0,
        sweep_every: float | None = 30.0,
        stale_after: float = 300.0,
        sweep_limit: int = 100,
        sweep_rate: float = 5.0,
        apply_timeout: float | None = None,
        receive_batch: int = 10,
        receive_wait: float = 5.0,
        clock: Clock | None = None,
        observers: tuple[Observer, ...] = (),
    ) -> None:

        self.client = client
        self.store = store
        self.events = events
        self.concurrency = check.whole("concurrency", concurrency, low=1, high=10_000)
        self.lease = check.seconds("lease", lease)
        self.sweep_every = None if sweep_every is None else check.seconds("sweep_every", sweep_every)
        self.stale_after = check.seconds("stale_after", stale_after, allow_zero=True)
        self.sweep_limit = check.whole("sweep_limit", sweep_limit, low=1)
        self.sweep_rate = check.seconds("sweep_rate", sweep_rate)
        self.apply_timeout = None if apply_timeout is None else check.seconds("apply_timeout", apply_timeout)
        self.receive_batch = check.whole("receive_batch", receive_batch, low=1, high=10)
        self.receive_wait = check.seconds("receive_wait", receive_wait, allow_zero=True)
        self.clock: Clock = clock or client.clock
        self.owner = new_owner("worker")
        self.stats = Stats()
        self._observers: tuple[Observer, ...] = (self.stats, *observers)
        self._slots = asyncio.Semaphore(self.concurrency)
        self._stopping = asyncio.Event()
        self._running = False
        self._inflight: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._last_seen: dict[str, str] = {}
        self._next_read = 0.0

    def __repr__(self) -> str:
        source = self.events.name if self.events is not None else None
        return f"Worker(owner={self.owner!r}, events={source!r}, concurrency={self.concurrency})"

    # -- lifecycle --------------------------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """Running, and no loop ended with an error (what ``/healthz`` reports)."""
        return self._running and not any(t.done() for t in self._loops)

    def install_signal_handlers(self) -> None:
        """On SIGTERM and SIGINT, :meth:`stop` (on the running loop; Unix only)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._stopping.set)

    async def run(self) -> None:
        """Receive events and sweep until :meth:`stop`; then finish the intents held and return.

        Raises:
            ConfigurationError: the event source cannot start (a source may raise its own typed
                error, such as :class:`~wrapupkit.exceptions.TransportError`).
        """
        if self.events is not None:
            await self.events.start()
        self._running = True
        with self.client.gated(ResponseGate(self._observers)):
            if self.events is not None:
                self._loops.append(asyncio.create_task(self._receiver(self.events), name="wrapupkit-receive"))
            if self.sweep_every is not None:
                self._loops.append(asyncio.create_task(self._sweeper(), name="wrapupkit-sweep"))
            try:
                await self._stopping.wait()
            finally:
                self._stopping.set()
                await asyncio.gather(*self._loops, return_exceptions=True)
                await self.drain()
                self._running = False
                if self.events is not None:
                    await self.events.close()
        log.info("worker %s stopped", self.owner)

    async def stop(self) -> None:
        """Stop taking work; :meth:`run` returns once the intents held are final or released."""
        self._stopping.set()

    async def drain(self) -> None:
        """Wait until every delivery taken is handled."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def _pause(self, seconds: float) -> bool:
        """Wait *seconds* of real time; ``True`` if :meth:`stop` came first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    # -- events -----------------------------------------------------------------------------------------

    async def _receiver(self, events: EventSource) -> None:
        while not self._stopping.is_set():
            receiving = asyncio.ensure_future(
                events.receive(max_messages=self.receive_batch, wait=self.receive_wait)
            )
            stopping = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not receiving.done():
                receiving.cancel()  # nothing taken yet: the queue delivers it again
                return
            try:
                deliveries = receiving.result()
            except Exception as exc:  # noqa: BLE001 - a source error pauses the loop, never ends it
                log.warning("receiving events failed: %s", exc)
                if await self._pause(1.0):
                    return
                continue
            for delivery in deliveries:  # what was received is handled, even when stopping
                await self._slots.acquire()
                task = asyncio.create_task(self._handle_in_slot(delivery))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)

    async def _handle_in_slot(self, delivery: Delivery) -> None:
        try:
            await self.handle(delivery)
        except Exception as exc:  # noqa: BLE001 - unacknowledged: the queue delivers it again
            log.warning("handling an event failed (%s); it will be delivered again", exc)
        finally:
            self._slots.release()

    async def handle(self, delivery: Delivery) -> None:
        """Act on one delivery and acknowledge it (its intents final or durably pending).

        When another holder has one of its intents, the delivery is not acknowledged: the queue
        brings it back after its visibility timeout, in case that holder died.
        """
        event = delivery.event
        self._tell("event", event.kind.value if event is not None else "malformed")
        done = True
        if event is None:
            self._ignore("malformed", delivery.problem)
        else:
            pending = await self.store.pending_for(event.conversation_id)
            concerned = [i for i in pending if concerns(i, event)]
            if not concerned:
                self._ignore("no intent", event.topic)
            else:
                done = all(await asyncio.gather(*(self._on_event(intent, event) for intent in concerned)))
        if self.events is not None and done:
            await self.events.ack(delivery)

    def _ignore(self, reason: str, detail: str | None) -> None:
        self._tell("ignored", reason)
        log.debug("event ignored (%s): %s", reason, detail)

    async def _on_event(self, intent: Intent, event: FleetEvent) -> bool:
        """Act on *event* for *intent*; ``False`` when another holder has the intent."""
        if event.kind is EventKind.ACW:
            await self._close_by_acw(intent, event)
            return True
        if event.kind is EventKind.USER_END:
            return await self._apply(intent, event_time=event.event_time, waits=True)
        if shows_acw(event.body, intent, self.client.readiness):
            return await self._apply(intent, event_time=event.event_time, view=event.body, waits=True)
        self._ignore("not ready", event.topic)
        return True

    async def _close_by_acw(self, intent: Intent, event: FleetEvent) -> None:
        code_id = event.wrapup_code
        if not code_id:
            self._ignore("no code", event.topic)
            return
        name = await code_name(self.client, code_id, event.queue_id)
        state, reason = acw_outcome(intent, code_id, name)
        done = await self.store.finish(
            None,
            state,
            intent_id=intent.id,
            now=self.clock.time(),
            reason=reason,
            applied_code_id=code_id,
            applied_code_name=name,
        )
        if done is not None:
            self._transition(done, reason=reason, via="acw")

    # -- claim, apply, finish ---------------------------------------------------------------------------

    async def _apply(
        self,
        intent: Intent,
        *,
        waits: bool,
        event_time: float | None = None,
        view: Mapping[str, Any] | None = None,
    ) -> bool:
        """Claim, apply and finish (or release) *intent*; ``False`` when another holder has it."""
        now = self.clock.time()
        if 0 < intent.expires_at <= now:
            return await self._expire(intent)
        lease = await self.store.claim(intent.id, owner=self.owner, lease=self.lease, now=now)
        if lease is None:
            self._tell("claim_conflict")
            current = await self.store.get(intent.id)
            return current is None or current.final
        current = await self.store.get(intent.id)
        if current is None or current.state is not IntentState.PENDING:
            return True
        if current.claims > 1:
            view = None  # an earlier holder may have written: the flow reads afresh
        renewing = asyncio.create_task(self._renew(lease))
        outcome: WrapupResult | BaseException
        try:
            outcome = await self.client.apply_wrapup(
                **apply_args(current),
                readiness=Pass(self.client.readiness, first_view=view, waits=waits),
                timeout=self.apply_timeout,
            )
        except Exception as exc:  # noqa: BLE001 - every error is the intent's state or leaves it pending
            outcome = exc
        finally:
            renewing.cancel()
        await self._settle(current, lease, outcome, event_time)
        return True

    async def _settle(
        self, intent: Intent, lease: Lease, outcome: WrapupResult | BaseException, event_time: float | None
    ) -> None:
        done = settle(outcome)
        if done.state is None:
            await self.store.release(lease)
            self._last_seen[intent.id] = done.reason or "pending"
            log_transition(intent, "pending", reason=done.reason, owner=self.owner)
            return
        finished = await self.store.finish(lease, done.state, now=self.clock.time(), **done.finish_args())
        if finished is None:
            log.warning(
                "lease on intent %s was lost before it was finished; its next holder reads", intent.id
            )
            return
        self._last_seen.pop(intent.id, None)
        self._transition(finished, reason=done.reason, via=self.owner)
        if done.state is IntentState.APPLIED and event_time is not None:
            self._tell("latency", max(0.0, self.clock.time() - event_time))

    async def _renew(self, lease: Lease) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            renewed = await self.store.renew(lease, lease_for=self.lease, now=self.clock.time())
            if renewed is None:
                log.warning("lease on intent %s lost while applying", lease.intent_id)
                return
            lease = renewed

    async def _expire(self, intent: Intent) -> bool:
        lease = await self.store.claim(intent.id, owner=self.owner, lease=self.lease, now=self.clock.time())
        if lease is None:
            self._tell("claim_conflict")
            return False
        last = self._last_seen.pop(intent.id, "never seen ready")
        reason = f"expired while pending; last seen: {last}"
        done = await self.store.finish(lease, IntentState.EXPIRED, now=self.clock.time(), reason=reason)
        if done is not None:
            self._transition(done, reason=reason, via=self.owner)
        return True

    def _transition(self, intent: Intent, **extra: object) -> None:
        self._tell("transition", intent.state.value)
        log_transition(intent, intent.state, **extra)

    def _tell(self, what: str, *args: Any) -> None:
        for observer in self._observers:
            getattr(observer, what)(*args)

    # -- the sweep --------------------------------------------------------------------------------------

    async def _sweeper(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception as exc:  # noqa: BLE001 - a failed sweep is retried at the next one
                log.warning("sweep failed: %s", exc)
            if self.sweep_every is None or await self._pause(self.sweep_every):
                return

    async def sweep(self) -> int:
        """Look at the stale and overdue pending intents once; returns how many were looked at.

        Each overdue intent is expired; each stale one is read once (paced to ``sweep_rate``
        reads per second) and applied if after-call work is open, else left pending.
        """
        due = await self.store.due(
            now=self.clock.time(), stale_after=self.stale_after, limit=self.sweep_limit
        )
        for intent in due:
            if self._stopping.is_set():
                break
            if 0 < intent.expires_at <= self.clock.time():
                await self._expire(intent)
                continue
            await self._paced()
            async with self._slots:
                await self._apply(intent, waits=False)
        return len(due)

    async def _paced(self) -> None:
        now = self.clock.monotonic()
        if self._next_read > now:
            await asleep(self.clock, self._next_read - now)
        self._next_read = max(now, self._next_read) + 1.0 / self.sweep_rate
