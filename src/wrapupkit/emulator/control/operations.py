"""Control operations that belong to no single service: info, reset, seed, inspection, rules, clock.

Each is a typed function of the state, called by :class:`~wrapupkit.emulator.Emulator` directly
and by the ``/__emulator__/`` routes through :func:`~wrapupkit.emulator.core.jsonargs.call_with_json`.
Bad arguments raise :class:`EmulatorError` (400), unknown ids 404, conflicts 409.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from wrapupkit.emulator._state import State
from wrapupkit.emulator.auth.models import Token
from wrapupkit.emulator.conversations import service as conversations
from wrapupkit.emulator.conversations import timeline
from wrapupkit.emulator.conversations.build import add_shape
from wrapupkit.emulator.conversations.render import conversation_json
from wrapupkit.emulator.conversations.shapes import Shape
from wrapupkit.emulator.core.errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator.core.jsonargs import call_with_json
from wrapupkit.emulator.routing import service as routing


__all__ = [
    "add_client",
    "advance_clock",
    "conversation_snapshot",
    "info",
    "issue_token",
    "play_shape",
    "requests",
    "seed",
    "set_rules",
    "stored_wrapup",
    "token_json",
]


def info(state: State, url: str | None) -> dict[str, Any]:
    """The URL, the default client and the clock (``fake`` when it can be advanced)."""
    return {
        "url": url,
        "client_id": state.default_client[0],
        "client_secret": state.default_client[1],
        "clock": "fake" if hasattr(state.clock, "advance") else "real",
        "monotonic": state.clock.monotonic(),
        "time": state.clock.time(),
    }


def add_client(
    state: State,
    client_id: str,
    client_secret: str,
    *,
    permissions: list[str] | None = None,
    token_ttl: int = 86400,
) -> dict[str, Any]:
    """Add an OAuth client-credentials client; *permissions* None means all."""
    state.auth.add_client(client_id, client_secret, permissions=permissions, token_ttl=token_ttl)
    return {"client_id": client_id}


def issue_token(state: State, *, permissions: list[str] | None = None, ttl: float = 86400) -> Token:
    """Mint a bearer token directly (no OAuth round trip)."""
    return state.auth.issue_token(permissions=permissions, ttl=ttl)


def token_json(token: Token, ttl: float) -> dict[str, Any]:
    return {"access_token": token.value, "token_type": "bearer", "expires_in": round(ttl)}


def play_shape(state: State, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Play the :class:`Shape` whose fields *fields* holds (JSON); returns the handle's JSON."""
    return add_shape(state, call_with_json(Shape, fields)).to_json()


def _operation(operation: Callable[..., Any], shape: Callable[[Any], Any]) -> Callable[[State, Any], Any]:
    return lambda state, item: shape(call_with_json(operation, item, bound=(state,)))


def _seed_steps() -> list[tuple[str, Callable[[State, Any], Any]]]:
    return [
        ("codes", _operation(routing.add_code, lambda i: {"id": i})),
        ("users", _operation(routing.add_user, lambda i: {"id": i})),
        ("queues", _operation(routing.add_queue, lambda i: {"id": i})),
        ("clients", _operation(add_client, lambda r: r)),
        ("conversations", _operation(conversations.add_conversation, lambda h: h.to_json())),
        ("shapes", play_shape),
    ]


def seed(state: State, document: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Apply a seed document ``{"rules", "codes", "users", "queues", "clients", "conversations", "shapes"}``.

    Each item is the JSON form of one seeding call (the keyword arguments of ``add_code`` ...; a
    :class:`Shape`'s fields for ``shapes``).
    """
    steps = _seed_steps()
    unknown = sorted(set(document) - {"rules", *(key for key, _ in steps)})
    if unknown:
        raise bad_request(f"unknown seed section(s): {', '.join(unknown)}")
    if "rules" in document:
        rules = document["rules"]
        if not isinstance(rules, dict):
            raise bad_request("rules must be an object")
        set_rules(state, rules)
    result: dict[str, list[Any]] = {}
    for key, run in steps:
        items = document.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise bad_request(f"{key} must be a list of objects")
        result[key] = [run(state, item) for item in items]
    return result


def conversation_snapshot(state: State, conversation_id: str) -> dict[str, Any]:
    """What ``GET /api/v2/conversations/{id}`` returns right now."""
    with state.lock:
        return conversation_json(state, conversations.get_conversation(state, conversation_id))


def stored_wrapup(
    state: State,
    conversation_id: str,
    participant_id: str | None = None,
    communication_id: str | None = None,
) -> dict[str, Any]:
    """The stored wrap-ups of one agent or user leg (the first by default) and the write count.

    With *communication_id*, those of that communication; else the leg's (see ``Participant.wrapup``).
    """
    with state.lock:
        agent = conversations.agent(state, conversation_id, participant_id)
        holder: Any = agent
        if communication_id is not None:
            holder = agent.communication(communication_id)
            if holder is None:
                raise not_found(f"Communication {communication_id} not found for participant {agent.id}")
        return {
            "participant_id": agent.id,
            "communication_id": communication_id or agent.comm.id,
            "wrapup": None if holder.wrapup is None else dict(holder.wrapup),
            "provisional": None if holder.provisional is None else dict(holder.provisional),
            "source": holder.wrapup_source,
            "acw": agent.comm.acw if communication_id is None else holder.acw,
            "writes": conversations.get_conversation(state, conversation_id).writes,
        }


def requests(state: State, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
    """The request log as JSON, filtered like ``Emulator.requests_matching``."""
    return [attrs.asdict(r) for r in state.log.matching(method, path)]


def set_rules(state: State, values: Mapping[str, Any]) -> dict[str, Any]:
    """Change rules; unknown names and bad values are a 400."""
    try:
        state.rules.update(dict(values))
    except (KeyError, ValueError) as exc:
        raise bad_request(str(exc).strip("'\"")) from None
    return state.rules.as_dict()


def advance_clock(state: State, seconds: float) -> dict[str, float]:
    """Advance a fake clock and play what fell due; 409 on a real clock."""
    advance = getattr(state.clock, "advance", None)
    if advance is None:
        raise EmulatorError(
            409, "general.conflict", "The emulator runs on a real clock; it cannot be advanced."
        )
    if seconds < 0:
        raise bad_request("seconds must not be negative")
    advance(seconds)
    timeline.tick(state)
    return {"monotonic": state.clock.monotonic(), "time": state.clock.time()}
