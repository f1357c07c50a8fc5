"""The control-plane route table: ``/__emulator__/...`` -> the same typed operations as the Python API.

Each route names a typed function (or method) and, when the function belongs to a service
object, how to reach that object from the state; the JSON payload (query, body and path
arguments) becomes its keyword arguments through
:func:`~wrapupkit.emulator.core.jsonargs.call_with_json`.  No operation is dispatched by name.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

import attrs

from wrapupkit.emulator._state import State
from wrapupkit.emulator.control import operations as ops
from wrapupkit.emulator.control.page import page
from wrapupkit.emulator.conversations import library
from wrapupkit.emulator.conversations import service as conversations
from wrapupkit.emulator.conversations.build import add_shape
from wrapupkit.emulator.conversations.shapes import Shape
from wrapupkit.emulator.core.faults import Faults
from wrapupkit.emulator.core.jsonargs import call_with_json
from wrapupkit.emulator.core.pipeline import CONTROL_PREFIX, ControlRoute
from wrapupkit.emulator.core.routes import ID
from wrapupkit.emulator.notifications import control as notify
from wrapupkit.emulator.notifications.hub import NotificationHub
from wrapupkit.emulator.routing import service as routing


__all__ = ["SHAPES", "control_routes"]


def _empty(_result: Any) -> Any:
    return {}


def _same(result: Any) -> Any:
    return result


def _op(
    method: str,
    path: str,
    fn: Callable[..., Any],
    *,
    on: Callable[[State], Any] = lambda state: state,
    shape: Callable[[Any], Any] = _empty,
) -> ControlRoute[State]:
    def handler(state: State, payload: dict[str, Any]) -> Any:
        return shape(call_with_json(fn, payload, bound=(on(state),)))

    return ControlRoute(method, re.compile(CONTROL_PREFIX.rstrip("/") + path), handler)


def _hub(state: State) -> NotificationHub:
    return state.notifications


def _faults(state: State) -> Faults:
    return state.faults


def _with_id(result: Any) -> Any:
    return {"id": result}


def _sockets(result: Any) -> Any:
    return {"sockets": result}


def _handle(handle: Any) -> Any:
    return handle.to_json()


SHAPES: dict[str, Callable[..., Shape]] = {
    fn.__name__.replace("_", "-"): fn
    for fn in (
        library.blind_transfer,
        library.consult_transfer,
        library.conference,
        library.reoffer,
        library.transfer_back,
        library.callback_dial,
        library.outbound,
        library.direct_call,
    )
}
"""``POST /__emulator__/shapes/{name}``: the ready-made shapes by route name (``blind-transfer`` ...)."""


def _played(helper: Callable[..., Shape]) -> Callable[..., Any]:
    """An operation ``(state, **helper_kwargs, id=None)`` that plays the helper's shape."""

    def play(state: State, *args: Any, id: str | None = None, **kwargs: Any) -> Any:
        shape = helper(*args, **kwargs)
        return add_shape(state, attrs.evolve(shape, id=id) if id is not None else shape)

    signature = inspect.signature(helper)
    state_param = inspect.Parameter("state", inspect.Parameter.POSITIONAL_ONLY)
    id_param = inspect.Parameter("id", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="str | None")
    play.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[state_param, *signature.parameters.values(), id_param]
    )
    play.__annotations__ = {**typing.get_type_hints(helper), "id": str | None}
    return play


def _notification_routes() -> list[ControlRoute[State]]:
    counted = {
        "heartbeat": NotificationHub.heartbeat,
        "socket-closing": NotificationHub.socket_closing,
        "drop": NotificationHub.drop,
        "silence": NotificationHub.silence,
    }
    plain: dict[str, Callable[..., Any]] = {
        "expire": NotificationHub.expire,
        "refuse": NotificationHub.refuse_connections,
        "accept": NotificationHub.accept_connections,
        "hold": NotificationHub.hold_events,
        "delay": NotificationHub.delay_events,
        "permissions": NotificationHub.require_permissions,
        "settings": notify.settings,
    }
    base = "/notifications"
    return [
        _op("GET", base, notify.overview, on=_hub, shape=_same),
        *(_op("POST", f"{base}/{name}", fn, on=_hub, shape=_sockets) for name, fn in counted.items()),
        *(_op("POST", f"{base}/{name}", fn, on=_hub) for name, fn in plain.items()),
        _op(
            "POST", f"{base}/release", NotificationHub.release_events, on=_hub, shape=lambda n: {"events": n}
        ),
    ]


def control_routes(url: Callable[[], str | None]) -> tuple[ControlRoute[State], ...]:
    """Every control route; *url* gives the emulator's URL for ``GET /info``."""
    conv = f"/conversations/(?P<conversation_id>{ID})"

    def token(state: State, payload: dict[str, Any]) -> Any:
        issued = call_with_json(ops.issue_token, payload, bound=(state,))
        return ops.token_json(issued, issued.expires_at - state.clock.monotonic())

    def info(state: State, payload: dict[str, Any]) -> Any:
        return call_with_json(ops.info, {**payload, "url": url()}, bound=(state,))

    return (
        ControlRoute("GET", re.compile(re.escape(CONTROL_PREFIX)), page),
        ControlRoute("GET", re.compile(CONTROL_PREFIX + "info"), info),
        _op("POST", "/reset", State.reset),
        ControlRoute("POST", re.compile(CONTROL_PREFIX + "seed"), ops.seed),
        _op("POST", "/codes", routing.add_code, shape=_with_id),
        _op("POST", "/queues", routing.add_queue, shape=_with_id),
        _op("PUT", f"/queues/(?P<queue_id>{ID})/codes", routing.set_queue_codes),
        _op("POST", "/users", routing.add_user, shape=_with_id),
        _op("POST", "/clients", ops.add_client, shape=_same),
        ControlRoute("POST", re.compile(CONTROL_PREFIX + "tokens"), token),
        _op("POST", "/tokens/expire", lambda state: state.auth.expire_tokens()),
        _op("POST", "/conversations", conversations.add_conversation, shape=_handle),
        ControlRoute("POST", re.compile(CONTROL_PREFIX + "shapes"), ops.play_shape),
        *(_op("POST", f"/shapes/{name}", _played(fn), shape=_handle) for name, fn in SHAPES.items()),
        _op("POST", f"{conv}/aftercallwork", conversations.request_acw),
        _op("POST", f"{conv}/park", conversations.park),
        _op("GET", conv, ops.conversation_snapshot, shape=_same),
        _op("GET", f"{conv}/wrapup", ops.stored_wrapup, shape=_same),
        _op("POST", f"{conv}/disconnect", conversations.disconnect),
        _op("POST", f"{conv}/ui-wrapup", conversations.apply_ui_wrapup),
        _op("GET", "/requests", ops.requests, shape=_same),
        _op("DELETE", "/requests", lambda state: state.log.clear()),
        _op("GET", "/rules", lambda state: state.rules.as_dict(), shape=_same),
        ControlRoute("PATCH", re.compile(CONTROL_PREFIX + "rules"), ops.set_rules),
        _op("GET", "/faults", Faults.peek, on=_faults, shape=_same),
        _op("DELETE", "/faults", Faults.clear, on=_faults),
        _op("POST", "/faults/fail-next", Faults.fail_next, on=_faults),
        _op("POST", "/faults/rate-limit", Faults.rate_limit, on=_faults),
        _op("POST", "/faults/latency", Faults.add_latency, on=_faults),
        _op("POST", "/faults/stall", Faults.stall_next, on=_faults),
        _op("POST", "/faults/reset", Faults.reset_next, on=_faults),
        _op("POST", "/clock/advance", ops.advance_clock, shape=_same),
        *_notification_routes(),
    )
