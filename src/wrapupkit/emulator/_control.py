"""The control plane: seeding, inspection, rules, faults and the clock, as JSON-in/JSON-out operations.

Each public method takes a JSON-like payload dict and returns JSON-like data.  The HTTP routes under
``/__emulator__/`` (see ``_routes.CONTROL_ROUTES``) and the Python methods of
:class:`~wrapupkit.emulator.Emulator` both call these methods, so argument checking and behaviour are
shared.  Bad arguments raise :class:`EmulatorError` (400), unknown ids 404, conflicts 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from wrapupkit._clock import Clock
from wrapupkit.emulator._backend import GenesysBackend
from wrapupkit.emulator._errors import EmulatorError, bad_request
from wrapupkit.emulator._faults import Faults, RequestLog
from wrapupkit.emulator._notifications import hub_for
from wrapupkit.emulator._notify_handlers import control as notifications_control
from wrapupkit.emulator._render import conversation_json
from wrapupkit.emulator._rules import Rules


__all__ = ["ControlPlane", "Payload"]

Payload = dict[str, Any]
_MISSING = object()


def _get(
    p: Payload, key: str, kinds: tuple[type, ...], default: Any = _MISSING, *, nullable: bool = False
) -> Any:
    value = p.get(key, default)
    if value is _MISSING:
        raise bad_request(f"{key} is required")
    if value is None and (nullable or default is None):
        return None
    # bool is an int subclass: only accept it where bool is asked for.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = "/".join(k.__name__ for k in kinds)
        raise bad_request(f"{key} must be {names}, not {type(value).__name__}")
    return value


def _str_list(p: Payload, key: str, default: Any = _MISSING) -> list[str] | None:
    value = _get(p, key, (list, tuple), default)
    if value is not None and not all(isinstance(v, str) for v in value):
        raise bad_request(f"{key} must be a list of strings")
    return None if value is None else list(value)


_NUM = (int, float)


class ControlPlane:
    """JSON operations over the backend, faults, rules, log and clock of one emulator."""

    def __init__(
        self,
        backend: GenesysBackend,
        *,
        faults: Faults,
        log: RequestLog,
        clock: Clock,
        default_client: tuple[str, str],
        url: Callable[[], str | None],
    ) -> None:
        self.backend = backend
        self.faults = faults
        self.log = log
        self.clock = clock
        self.default_client = default_client
        self._url = url
        self._seed_default_client()

    @property
    def rules(self) -> Rules:
        return self.backend.rules

    def _seed_default_client(self) -> None:
        self.backend.auth.add_client(*self.default_client)

    # -- state ------------------------------------------------------------------------------------

    def info(self, _p: Payload) -> Any:
        return {
            "url": self._url(),
            "client_id": self.default_client[0],
            "client_secret": self.default_client[1],
            "clock": "fake" if hasattr(self.clock, "advance") else "real",
            "monotonic": self.clock.monotonic(),
            "time": self.clock.time(),
        }

    def reset(self, _p: Payload) -> Any:
        self.backend.reset()
        hub_for(self.backend).reset()
        self.faults.clear()
        self.rules.reset()
        self.log.clear()
        self._seed_default_client()
        return {}

    def seed(self, p: Payload) -> Any:
        """Apply a seed document: ``{"rules", "codes", "queues", "users", "clients", "conversations"}``."""
        result: dict[str, list[Any]] = {}
        if "rules" in p:
            self.set_rules(_get(p, "rules", (dict,)))
        steps: list[tuple[str, Callable[[Payload], Any]]] = [
            ("codes", self.add_code),
            ("users", self.add_user),
            ("queues", self.add_queue),
            ("clients", self.add_client),
            ("conversations", self.add_conversation),
        ]
        for key, operation in steps:
            items = _get(p, key, (list,), [])
            result[key] = [operation(_get({"item": item}, "item", (dict,))) for item in items]
        return result

    def add_code(self, p: Payload) -> Any:
        code_id = self.backend.add_code(
            _get(p, "name", (str,)),
            id=_get(p, "id", (str,), None),
            division_id=_get(p, "division_id", (str,), None),
        )
        return {"id": code_id}

    def add_queue(self, p: Payload) -> Any:
        queue_id = self.backend.add_queue(
            _get(p, "name", (str,)),
            codes=_str_list(p, "codes", []) or [],
            id=_get(p, "id", (str,), None),
            wrapup_prompt=_get(p, "wrapup_prompt", (str,), "MANDATORY_TIMEOUT"),
            timeout_ms=_get(p, "timeout_ms", (int,), 300_000),
        )
        return {"id": queue_id}

    def set_queue_codes(self, p: Payload) -> Any:
        self.backend.set_queue_codes(_get(p, "queue_id", (str,)), _str_list(p, "codes") or [])
        return {}

    def add_user(self, p: Payload) -> Any:
        return {"id": self.backend.add_user(_get(p, "name", (str,)), id=_get(p, "id", (str,), None))}

    def add_client(self, p: Payload) -> Any:
        ttl = _get(p, "token_ttl", (int,), 86400)
        if ttl < 1:
            raise bad_request("token_ttl must be positive")
        client_id = _get(p, "client_id", (str,))
        self.backend.auth.add_client(
            client_id,
            _get(p, "client_secret", (str,)),
            permissions=_str_list(p, "permissions", None),
            token_ttl=ttl,
        )
        return {"client_id": client_id}

    def issue_token(self, p: Payload) -> Any:
        ttl = _get(p, "ttl", _NUM, 86400)
        if ttl <= 0:
            raise bad_request("ttl must be positive")
        token = self.backend.auth.issue_token(permissions=_str_list(p, "permissions", None), ttl=ttl)
        return {"access_token": token.value, "token_type": "bearer", "expires_in": round(ttl)}

    def expire_tokens(self, _p: Payload) -> Any:
        self.backend.auth.expire_tokens()
        return {}

    def add_conversation(self, p: Payload) -> Any:
        ui = _get(p, "ui_wrapup", (list, tuple), None)
        if ui is not None and (
            len(ui) != 2
            or not isinstance(ui[0], _NUM)
            or isinstance(ui[0], bool)
            or not isinstance(ui[1], str)
        ):
            raise bad_request("ui_wrapup must be [seconds_after_pending, code_id]")
        acw_delay = _get(p, "acw_delay", _NUM, 0.0)
        acw_timeout = _get(p, "acw_timeout", _NUM, None)
        if (ui is not None and ui[0] < 0) or (acw_timeout is not None and acw_timeout < 0):
            raise bad_request("ui_wrapup and acw_timeout delays must not be negative")
        handle = self.backend.add_conversation(
            user_id=_get(p, "user_id", (str,)),
            queue_id=_get(p, "queue_id", (str,), None),
            media=_get(p, "media", (str,), "call"),
            id=_get(p, "id", (str,), None),
            disconnect_after=_get(p, "disconnect_after", _NUM, 0.0, nullable=True),
            acw_delay=acw_delay,
            acw_timeout=acw_timeout,
            ui_wrapup=None if ui is None else (float(ui[0]), ui[1]),
            wrapup_required=_get(p, "wrapup_required", (bool,), True),
            agents=_get(p, "agents", (int,), 1),
        )
        return handle.to_json()

    def conversation_json(self, p: Payload) -> Any:
        with self.backend.lock:
            conv = self.backend.get_conversation(_get(p, "conversation_id", (str,)))
            return conversation_json(conv, self.rules)

    def wrapup(self, p: Payload) -> Any:
        """The stored wrap-ups of one agent participant (first agent by default) and the write count."""
        cid = _get(p, "conversation_id", (str,))
        with self.backend.lock:
            agent = self.backend.agent(cid, _get(p, "participant_id", (str,), None))
            return {
                "participant_id": agent.id,
                "wrapup": None if agent.wrapup is None else dict(agent.wrapup),
                "provisional": None if agent.provisional is None else dict(agent.provisional),
                "source": agent.wrapup_source,
                "writes": self.backend.get_conversation(cid).writes,
            }

    def disconnect(self, p: Payload) -> Any:
        self.backend.disconnect(_get(p, "conversation_id", (str,)))
        return {}

    def apply_ui_wrapup(self, p: Payload) -> Any:
        self.backend.apply_ui_wrapup(
            _get(p, "conversation_id", (str,)),
            _get(p, "code_id", (str,)),
            participant_id=_get(p, "participant_id", (str,), None),
        )
        return {}

    # -- log and rules ----------------------------------------------------------------------------

    def requests(self, p: Payload) -> Any:
        found = self.log.matching(_get(p, "method", (str,), None), _get(p, "path", (str,), None))
        return [attrs.asdict(r) for r in found]

    def clear_requests(self, _p: Payload) -> Any:
        self.log.clear()
        return {}

    def get_rules(self, _p: Payload) -> Any:
        return self.rules.as_dict()

    def set_rules(self, p: Payload) -> Any:
        try:
            self.rules.update(p)
        except (KeyError, ValueError) as exc:
            raise bad_request(str(exc).strip("'\"")) from None
        return self.rules.as_dict()

    # -- faults and clock -------------------------------------------------------------------------

    def get_faults(self, _p: Payload) -> Any:
        return self.faults.peek()

    def clear_faults(self, _p: Payload) -> Any:
        self.faults.clear()
        return {}

    def fail_next(self, p: Payload) -> Any:
        self.faults.fail_next(
            _get(p, "method", (str,)),
            _get(p, "path", (str,)),
            status=_get(p, "status", (int,), 503),
            times=_get(p, "times", (int,), 1),
            retry_after=_get(p, "retry_after", _NUM, None),
            code=_get(p, "code", (str,), None),
            message=_get(p, "message", (str,), None),
        )
        return {}

    def rate_limit(self, p: Payload) -> Any:
        self.faults.rate_limit(_get(p, "requests", (int,), None), _get(p, "per_seconds", _NUM, 60.0))
        return {}

    def add_latency(self, p: Payload) -> Any:
        self.faults.add_latency(
            _get(p, "seconds", _NUM),
            method=_get(p, "method", (str,), None),
            path=_get(p, "path", (str,), None),
        )
        return {}

    def stall_next(self, p: Payload) -> Any:
        self.faults.stall_next(
            _get(p, "method", (str,)),
            _get(p, "path", (str,)),
            _get(p, "seconds", _NUM),
            times=_get(p, "times", (int,), 1),
            after_processing=_get(p, "after_processing", (bool,), True),
        )
        return {}

    def reset_next(self, p: Payload) -> Any:
        self.faults.reset_next(
            _get(p, "method", (str,)),
            _get(p, "path", (str,)),
            times=_get(p, "times", (int,), 1),
            after_processing=_get(p, "after_processing", (bool,), False),
        )
        return {}

    def notifications(self, p: Payload) -> Any:
        """Notification channels: ``info`` and the faults of ``NotificationHub`` (``op`` in the path)."""
        return notifications_control(self.backend, p)

    def advance_clock(self, p: Payload) -> Any:
        seconds = _get(p, "seconds", _NUM)
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise EmulatorError(
                409, "general.conflict", "The emulator runs on a real clock; it cannot be advanced."
            )
        if seconds < 0:
            raise bad_request("seconds must not be negative")
        advance(seconds)
        self.backend.tick()
        return {"monotonic": self.clock.monotonic(), "time": self.clock.time()}
