"""The public :class:`Emulator`: a local Genesys Cloud for tests (moto for Genesys Cloud)."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable
from functools import partial
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from wrapupkit import Clock, SystemClock
from wrapupkit.emulator._state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, State
from wrapupkit.emulator.auth import handlers as auth_api
from wrapupkit.emulator.auth.service import Auth
from wrapupkit.emulator.control import operations as ops
from wrapupkit.emulator.control.routes import control_routes
from wrapupkit.emulator.conversations import events as conversation_events
from wrapupkit.emulator.conversations import handlers as conversation_api
from wrapupkit.emulator.conversations import service as conversations
from wrapupkit.emulator.conversations import timeline
from wrapupkit.emulator.conversations.build import add_shape
from wrapupkit.emulator.core.faults import Faults, RecordedRequest
from wrapupkit.emulator.core.pipeline import Pipeline
from wrapupkit.emulator.core.rules import Rules
from wrapupkit.emulator.core.server import EmulatorServer
from wrapupkit.emulator.notifications import handlers as notification_api
from wrapupkit.emulator.notifications.eventbridge import EventBridgeSink
from wrapupkit.emulator.notifications.hub import NotificationHub
from wrapupkit.emulator.routing import handlers as routing_api
from wrapupkit.emulator.routing import service as routing


__all__ = ["API_ROUTES", "DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Emulator"]

API_ROUTES = (*auth_api.ROUTES, *conversation_api.ROUTES, *routing_api.ROUTES, *notification_api.ROUTES)
"""Every Genesys endpoint the emulator serves, service by service."""


P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def _delegate(
    receiver: Callable[[Emulator], T], operation: Callable[Concatenate[T, P], R]
) -> Callable[Concatenate[Emulator, P], R]:
    """An :class:`Emulator` method running *operation* on ``receiver(emulator)`` after due steps play.

    The method keeps *operation*'s keyword signature and docstring: one implementation, typed.
    """

    def method(self: Emulator, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._tick()
        return operation(receiver(self), *args, **kwargs)

    signature = inspect.signature(operation)
    params = list(signature.parameters.values())[1:]
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    method.__signature__ = signature.replace(parameters=[self_param, *params])  # type: ignore[attr-defined]
    method.__name__ = method.__qualname__ = operation.__name__
    method.__doc__ = operation.__doc__
    return method


def _state(emulator: Emulator) -> State:
    return emulator.state


def _auth(emulator: Emulator) -> Auth:
    return emulator.state.auth


def _faults(emulator: Emulator) -> Faults:
    return emulator.state.faults


class Emulator:
    """An in-memory Genesys Cloud organisation served over HTTP on 127.0.0.1.

    Use it as a context manager (it starts serving on entry and stops on exit), or call
    :meth:`start`/:meth:`stop` (both idempotent).  Seeding and inspection work before start too.

    Args:
        clock: the time source for tokens, the rate limiter and conversation timelines.  ``None``
            means :class:`~wrapupkit.SystemClock` (a background thread plays timelines on time); with a
            clock that has ``on_advance`` (``FakeClock``) every advance plays them.
        rules: the answers to undocumented behaviours; default :class:`Rules` ().
        host: the interface to bind; keep the default ``127.0.0.1``.
        port: the TCP port; 0 picks a free one.
        eventbridge_sqs: an SQS queue URL: every event on *eventbridge_topics* also goes there as
            the EventBridge envelope Genesys sends (see :attr:`eventbridge`; needs ``boto3``).
        eventbridge_source_name: the integration's name in the envelopes' ``source``
            (``aws.partner/genesys.com/cloud/{orgId}/{name}``).
        eventbridge_topics: the topics the integration sends, as templates or concrete topics
            (default: ``.user.end`` and ``.acw``; add ``v2.routing.queues.{id}.conversations`` ...).

    Seeding and control methods raise :class:`~wrapupkit.emulator.EmulatorError` (400 bad argument,
    404 unknown id, 409 conflict); the ``/__emulator__/`` routes call the same operations.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        clock: Clock | None = None,
        rules: Rules | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        eventbridge_sqs: str | None = None,
        eventbridge_source_name: str = "wrapupkit-emulator",
        eventbridge_topics: Iterable[str] | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.rules: Rules = rules if rules is not None else Rules()
        self.state = State(self.clock, self.rules, host)
        """Everything the emulator knows (internal; its shape may change between releases)."""
        self.eventbridge: EventBridgeSink | None = None
        """The EventBridge-to-SQS sink (``eventbridge_sqs``): ``flush()``, ``sent``, ``failed``; or None."""
        if eventbridge_sqs is not None:
            self.eventbridge = EventBridgeSink(
                eventbridge_sqs,
                source_name=eventbridge_source_name,
                topics=eventbridge_topics,
                clock=self.clock.time,
            )
        sinks = [self.eventbridge.put] if self.eventbridge is not None else []
        self.state.on_change(partial(conversation_events.publish, self.state, sinks=sinks))
        self._host, self._port = host, port
        self._stopping = threading.Event()
        self._pipeline = Pipeline(
            self.state,
            api_routes=API_ROUTES,
            control_routes=control_routes(lambda: self._url),
            faults=self.state.faults,
            log=self.state.log,
            authenticate=self.state.auth.authenticate,
            tick=self._tick,
            wait=self._stopping.wait,
        )
        self._server: EmulatorServer | None = None
        self._url: str | None = None
        self._timer: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._state_lock = threading.Lock()

    @property
    def notifications(self) -> NotificationHub:
        """Notification channels, their WebSocket and its faults (see docs/emulator.md)."""
        return self.state.notifications

    @property
    def backend(self) -> State:
        """The same object as :attr:`state` (kept for code written against 0.1)."""
        return self.state

    def on_change(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(conversation_id)`` after every conversation change; returns an unsubscribe."""
        return self.state.on_change(callback)

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``; :class:`RuntimeError` before :meth:`start`."""
        if self._url is None:
            raise RuntimeError("the emulator is not running; call start() or use it as a context manager")
        return self._url

    @property
    def client_id(self) -> str:
        """The default client-credentials client (it has every permission)."""
        return DEFAULT_CLIENT_ID

    @property
    def client_secret(self) -> str:
        return DEFAULT_CLIENT_SECRET

    def start(self) -> Emulator:
        """Bind and serve; a no-op when already serving."""
        with self._state_lock:
            if self._server is not None:
                return self
            self._stopping.clear()
            server = EmulatorServer(self._pipeline.handle, self._host, self._port)
            server.start()
            self._server, self._url = server, server.url
            on_advance = getattr(self.clock, "on_advance", None)
            if on_advance is not None:
                self._unsubscribe = on_advance(lambda _now: self._tick())
            else:
                self._timer = threading.Thread(
                    target=self._play, name="wrapupkit-emulator-timeline", daemon=True
                )
                self._timer.start()
            return self

    def stop(self) -> None:
        """Stop serving, end stalls early and close open connections; a no-op when stopped."""
        with self._state_lock:
            if self._server is None:
                return
            self._stopping.set()
            self.state.schedule.wake.set()
            self._server.stop()
            self.state.notifications.stop()
            if self.eventbridge is not None:
                self.eventbridge.close()  # sends what is queued first
            if self._unsubscribe is not None:
                self._unsubscribe()
            if self._timer is not None:
                self._timer.join(timeout=5)
            self._server = self._url = self._timer = self._unsubscribe = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Emulator(url={self._url!r}, clock={self.clock!r})"

    def _tick(self) -> None:
        timeline.tick(self.state)

    def _play(self) -> None:
        """Background timeline for real clocks: sleep until the next step is due, then tick."""
        wake = self.state.schedule.wake
        while not self._stopping.is_set():
            wake.clear()
            due = timeline.next_due(self.state)
            timeout = 0.5 if due is None else max(0.0, due - self.clock.monotonic())
            wake.wait(min(timeout, 0.5))
            self._tick()

    # -- seeding ----------------------------------------------------------------------------------

    add_code = _delegate(_state, routing.add_code)
    add_queue = _delegate(_state, routing.add_queue)
    add_user = _delegate(_state, routing.add_user)
    add_client = _delegate(_auth, Auth.add_client)
    add_conversation = _delegate(_state, conversations.add_conversation)
    add_shape = _delegate(_state, add_shape)
    request_acw = _delegate(_state, conversations.request_acw)
    disconnect = _delegate(_state, conversations.disconnect)
    apply_ui_wrapup = _delegate(_state, conversations.apply_ui_wrapup)

    def seed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Apply a seed document (the ``--seed`` file format; see docs/emulator.md)."""
        self._tick()
        return ops.seed(self.state, document)

    def set_queue_codes(self, queue_id: str, code_ids: Iterable[str]) -> None:
        """Replace a queue's wrap-up code set."""
        routing.set_queue_codes(self.state, queue_id, code_ids)

    def issue_token(self, *, permissions: Iterable[str] | None = None, ttl: float = 86400) -> str:
        """Mint a bearer token directly (no OAuth round trip)."""
        perms = None if permissions is None else list(permissions)
        return ops.issue_token(self.state, permissions=perms, ttl=ttl).value

    def expire_tokens(self) -> None:
        """Make every token issued so far answer 401."""
        self.state.auth.expire_tokens()

    def advance(self, seconds: float) -> None:
        """Advance a fake clock (as ``POST /__emulator__/clock/advance``); 409 on a real clock."""
        ops.advance_clock(self.state, seconds)

    # -- inspection -------------------------------------------------------------------------------

    def wrapup(
        self, conversation_id: str, participant_id: str | None = None, communication_id: str | None = None
    ) -> dict[str, Any] | None:
        """The stored final wrap-up as a ``Wrapup`` dict, or None.

        Args:
            conversation_id: the conversation.
            participant_id: the agent or user leg; None: the first one.
            communication_id: one communication of that leg; None: the one carrying its
                after-call work (else any with a wrap-up).
        """
        self._tick()
        found = ops.stored_wrapup(self.state, conversation_id, participant_id, communication_id)
        result: dict[str, Any] | None = found["wrapup"]
        return result

    def wrapup_writes(self, conversation_id: str) -> int:
        """How many wrap-up writes (POST or PATCH) the API accepted for this conversation."""
        self._tick()
        return int(ops.stored_wrapup(self.state, conversation_id)["writes"])

    def conversation_json(self, conversation_id: str) -> dict[str, Any]:
        """What ``GET /api/v2/conversations/{id}`` returns right now."""
        self._tick()
        return ops.conversation_snapshot(self.state, conversation_id)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request answered so far, oldest first (control-plane calls excluded)."""
        return self.state.log.snapshot()

    def requests_matching(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Logged requests with this *method* whose path matches the regex *path* (``re.search``)."""
        return self.state.log.matching(method, path)

    def wait_for_requests(
        self, method: str | None = None, path: str | None = None, *, count: int = 1, timeout: float = 10.0
    ) -> bool:
        """Block until at least *count* requests matching *method* and the regex *path* are logged.

        Woken by each request the server logs (no polling loop); *timeout* is in real seconds,
        since the requests come from other threads.  Returns whether the count was reached.

        .. versionadded:: 0.2.0
        """
        return self.state.log.wait_for(method, path, count, timeout)

    def clear_requests(self) -> None:
        self.state.log.clear()

    # -- rules, faults, reset ---------------------------------------------------------------------

    fail_next = _delegate(_faults, Faults.fail_next)
    rate_limit = _delegate(_faults, Faults.rate_limit)
    add_latency = _delegate(_faults, Faults.add_latency)
    stall_next = _delegate(_faults, Faults.stall_next)
    reset_next = _delegate(_faults, Faults.reset_next)
    clear_faults = _delegate(_faults, Faults.clear)

    # -- reliability faults (hold, trickle, corrupt): added for issue 10 --------------------------

    hold_next = _delegate(_faults, Faults.hold_next)
    trickle_next = _delegate(_faults, Faults.trickle_next)
    corrupt_next = _delegate(_faults, Faults.corrupt_next)

    def reset(self) -> None:
        """Clear state, faults, the request log and rules (back to defaults); the default client stays."""
        self.state.reset()
