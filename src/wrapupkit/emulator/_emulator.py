"""The public :class:`Emulator`: a local Genesys Cloud for tests (moto for Genesys Cloud)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from wrapupkit._clock import Clock, SystemClock
from wrapupkit.emulator._app import App
from wrapupkit.emulator._backend import GenesysBackend
from wrapupkit.emulator._control import ControlPlane, Payload
from wrapupkit.emulator._faults import Faults, RecordedRequest, RequestLog
from wrapupkit.emulator._model import ConversationHandle
from wrapupkit.emulator._notifications import NotificationHub, hub_for
from wrapupkit.emulator._rules import Rules
from wrapupkit.emulator._server import EmulatorServer


__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Emulator"]

DEFAULT_CLIENT_ID = "wrapupkit-emulator"
DEFAULT_CLIENT_SECRET = "wrapupkit-emulator-secret"  # noqa: S105 (a fake, local-only test credential)


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

    Seeding and control methods raise :class:`~wrapupkit.emulator.EmulatorError` (400 bad argument,
    404 unknown id, 409 conflict); they share their implementation with the ``/__emulator__/`` routes.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        clock: Clock | None = None,
        rules: Rules | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.rules: Rules = rules if rules is not None else Rules()
        self.backend = GenesysBackend(self.clock, self.rules)
        self._host, self._port = host, port
        self.notifications: NotificationHub = hub_for(self.backend)
        """Notification channels, their WebSocket and its faults (see docs/emulator.md)."""
        self.notifications.host = host
        self._faults = Faults(self.clock)
        self._log = RequestLog()
        self._stopping = threading.Event()
        self._control = ControlPlane(
            self.backend,
            faults=self._faults,
            log=self._log,
            clock=self.clock,
            default_client=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            url=lambda: self._url,
        )
        self._app = App(self.backend, self._faults, self._log, self._control, self._stopping.wait)
        self._server: EmulatorServer | None = None
        self._url: str | None = None
        self._timer: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._state_lock = threading.Lock()

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
            server = EmulatorServer(self._app, self._host, self._port)
            server.start()
            self._server, self._url = server, server.url
            on_advance = getattr(self.clock, "on_advance", None)
            if on_advance is not None:
                self._unsubscribe = on_advance(lambda _now: self.backend.tick())
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
            self.backend.timeline.wake.set()
            self._server.stop()
            self.notifications.stop()
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

    def _play(self) -> None:
        """Background timeline for real clocks: sleep until the next transition is due, then tick."""
        wake = self.backend.timeline.wake
        while not self._stopping.is_set():
            wake.clear()
            due = self.backend.next_due()
            timeout = 0.5 if due is None else max(0.0, due - self.clock.monotonic())
            wake.wait(min(timeout, 0.5))
            self.backend.tick()

    def _call(self, operation: str, payload: Payload) -> Any:
        self.backend.tick()
        return getattr(self._control, operation)(payload)

    # -- seeding ----------------------------------------------------------------------------------

    def seed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Apply a seed document (the ``--seed`` file format; see docs/emulator.md)."""
        result: dict[str, Any] = self._call("seed", document)
        return result

    def add_code(self, name: str, *, id: str | None = None, division_id: str | None = None) -> str:
        """Add an org-wide wrap-up code; returns its id."""
        return str(self._call("add_code", {"name": name, "id": id, "division_id": division_id})["id"])

    def add_queue(
        self,
        name: str,
        *,
        codes: Iterable[str] = (),
        id: str | None = None,
        wrapup_prompt: str = "MANDATORY_TIMEOUT",
        timeout_ms: int = 300_000,
    ) -> str:
        """Add a queue with its wrap-up code ids and ACW settings (``AcwSettings`` enum); returns its id."""
        payload = {"name": name, "codes": list(codes), "id": id, "wrapup_prompt": wrapup_prompt}
        return str(self._call("add_queue", {**payload, "timeout_ms": timeout_ms})["id"])

    def set_queue_codes(self, queue_id: str, code_ids: Iterable[str]) -> None:
        """Replace a queue's wrap-up code set."""
        self._call("set_queue_codes", {"queue_id": queue_id, "codes": list(code_ids)})

    def add_user(self, name: str, *, id: str | None = None) -> str:
        """Add a user (agent); returns its id."""
        return str(self._call("add_user", {"name": name, "id": id})["id"])

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        permissions: Iterable[str] | None = None,
        token_ttl: int = 86400,
    ) -> None:
        """Add an OAuth client-credentials client; *permissions* None means all."""
        perms = None if permissions is None else list(permissions)
        payload = {"client_id": client_id, "client_secret": client_secret, "permissions": perms}
        self._call("add_client", {**payload, "token_ttl": token_ttl})

    def issue_token(self, *, permissions: Iterable[str] | None = None, ttl: float = 86400) -> str:
        """Mint a bearer token directly (no OAuth round trip)."""
        perms = None if permissions is None else list(permissions)
        return str(self._call("issue_token", {"permissions": perms, "ttl": ttl})["access_token"])

    def expire_tokens(self) -> None:
        """Make every token issued so far answer 401."""
        self._call("expire_tokens", {})

    def add_conversation(
        self,
        *,
        user_id: str,
        queue_id: str | None = None,
        media: str = "call",
        id: str | None = None,
        disconnect_after: float | None = 0.0,
        acw_delay: float = 0.0,
        acw_timeout: float | None = None,
        ui_wrapup: tuple[float, str] | None = None,
        wrapup_required: bool = True,
        agents: int = 1,
    ) -> ConversationHandle:
        """Create a conversation with a customer, an ACD participant and *agents* agents.

        Its timeline runs on :attr:`clock`: disconnect after *disconnect_after* seconds (None: only
        on :meth:`disconnect`), ACW pending *acw_delay* later, then ``ININ-WRAP-UP-TIMEOUT`` after
        *acw_timeout* (None: from the queue) unless wrapped up, or the agent's *ui_wrapup*
        ``(seconds_after_pending, code_id)``.
        """
        payload = {
            "user_id": user_id,
            "queue_id": queue_id,
            "media": media,
            "id": id,
            "disconnect_after": disconnect_after,
            "acw_delay": acw_delay,
            "acw_timeout": acw_timeout,
            "ui_wrapup": None if ui_wrapup is None else list(ui_wrapup),
            "wrapup_required": wrapup_required,
            "agents": agents,
        }
        return ConversationHandle.from_json(self._call("add_conversation", payload))

    def disconnect(self, conversation_id: str) -> None:
        """Disconnect the customer's and agents' communications now."""
        self._call("disconnect", {"conversation_id": conversation_id})

    def apply_ui_wrapup(
        self, conversation_id: str, code_id: str, *, participant_id: str | None = None
    ) -> None:
        """The agent applies *code_id* from the UI now (first agent by default)."""
        payload = {"conversation_id": conversation_id, "code_id": code_id, "participant_id": participant_id}
        self._call("apply_ui_wrapup", payload)

    def advance(self, seconds: float) -> None:
        """Advance a fake clock (as ``POST /__emulator__/clock/advance``); 409 on a real clock."""
        self._call("advance_clock", {"seconds": seconds})

    # -- inspection -------------------------------------------------------------------------------

    def wrapup(self, conversation_id: str, participant_id: str | None = None) -> dict[str, Any] | None:
        """The stored final wrap-up of an agent (first by default) as a ``Wrapup`` dict, or None."""
        found = self._call("wrapup", {"conversation_id": conversation_id, "participant_id": participant_id})
        result: dict[str, Any] | None = found["wrapup"]
        return result

    def wrapup_writes(self, conversation_id: str) -> int:
        """How many wrap-up writes (POST or PATCH) the API accepted for this conversation."""
        return int(self._call("wrapup", {"conversation_id": conversation_id})["writes"])

    def conversation_json(self, conversation_id: str) -> dict[str, Any]:
        """What ``GET /api/v2/conversations/{id}`` returns right now."""
        result: dict[str, Any] = self._call("conversation_json", {"conversation_id": conversation_id})
        return result

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request answered so far, oldest first (control-plane calls excluded)."""
        return self._log.snapshot()

    def requests_matching(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Logged requests with this *method* whose path matches the regex *path* (``re.search``)."""
        return self._log.matching(method, path)

    def clear_requests(self) -> None:
        self._log.clear()

    # -- rules, faults, reset ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 503,
        times: int = 1,
        retry_after: float | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next *times* requests matching *method* and the regex *path* with an ErrorBody."""
        payload = {"method": method, "path": path, "status": status, "times": times}
        self._call("fail_next", {**payload, "retry_after": retry_after, "code": code, "message": message})

    def rate_limit(self, requests: int | None, per_seconds: float = 60.0) -> None:
        """Allow *requests* per *per_seconds* per token (on :attr:`clock`); None disables the limit."""
        self._call("rate_limit", {"requests": requests, "per_seconds": per_seconds})

    def add_latency(self, seconds: float, *, method: str | None = None, path: str | None = None) -> None:
        """Delay matching responses by *seconds* of real time (adds up with other latencies)."""
        self._call("add_latency", {"seconds": seconds, "method": method, "path": path})

    def stall_next(
        self, method: str, path: str, seconds: float, *, times: int = 1, after_processing: bool = True
    ) -> None:
        """Hold matching responses *seconds* real seconds; with *after_processing* the effect lands first."""
        payload = {"method": method, "path": path, "seconds": seconds, "times": times}
        self._call("stall_next", {**payload, "after_processing": after_processing})

    def reset_next(self, method: str, path: str, *, times: int = 1, after_processing: bool = False) -> None:
        """Close matching connections without a response (TCP RST), optionally after applying the effect."""
        payload = {"method": method, "path": path, "times": times, "after_processing": after_processing}
        self._call("reset_next", payload)

    def clear_faults(self) -> None:
        """Drop scheduled faults, latency and the rate limit."""
        self._call("clear_faults", {})

    def reset(self) -> None:
        """Clear state, faults, the request log and rules (back to defaults); the default client stays."""
        self._call("reset", {})
