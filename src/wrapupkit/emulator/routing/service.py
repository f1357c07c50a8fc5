"""Routing operations on the state: wrap-up codes, queues with their ACW settings, users."""

from __future__ import annotations

from collections.abc import Iterable

from wrapupkit.emulator._state import State, new_id
from wrapupkit.emulator.core.errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator.routing.models import ACW_PROMPTS, DEFAULT_DIVISION_ID, Code, Queue, User


__all__ = [
    "add_code",
    "add_queue",
    "add_user",
    "codes_for_queue",
    "find_code",
    "get_code",
    "get_queue",
    "set_queue_codes",
]


def _conflict(message: str) -> EmulatorError:
    return EmulatorError(409, "general.conflict", message)


def add_code(state: State, name: str, *, id: str | None = None, division_id: str | None = None) -> str:
    """Add an org-wide wrap-up code; returns its id (409 on a used id or name)."""
    with state.lock:
        code_id = id or new_id()
        if code_id in state.codes or code_id in state.system_codes:
            raise _conflict(f"wrap-up code id {code_id} already exists")
        if any(c.name == name for c in state.codes.values()):
            raise _conflict(f"wrap-up code name {name!r} already exists")
        state.codes[code_id] = Code(code_id, name, division_id or DEFAULT_DIVISION_ID, state.now())
        return code_id


def add_queue(
    state: State,
    name: str,
    *,
    codes: Iterable[str] = (),
    id: str | None = None,
    wrapup_prompt: str = "MANDATORY_TIMEOUT",
    timeout_ms: int = 300_000,
) -> str:
    """Add a queue with its wrap-up code ids and ACW settings (``AcwSettings`` enum); returns its id."""
    if wrapup_prompt not in ACW_PROMPTS:
        raise bad_request(f"wrapup_prompt must be one of {', '.join(ACW_PROMPTS)}")
    if not 1_000 <= timeout_ms <= 3_600_000:
        raise bad_request("timeout_ms must be between 1000 and 3600000 (AcwSettings: 1 s to 60 min)")
    with state.lock:
        queue_id = id or new_id()
        if queue_id in state.queues:
            raise _conflict(f"queue id {queue_id} already exists")
        code_ids = _known_codes(state, codes)
        state.queues[queue_id] = Queue(queue_id, name, code_ids, wrapup_prompt, timeout_ms, state.now())
        return queue_id


def set_queue_codes(state: State, queue_id: str, codes: Iterable[str]) -> None:
    """Replace a queue's wrap-up code set."""
    with state.lock:
        get_queue(state, queue_id).code_ids = _known_codes(state, codes)


def _known_codes(state: State, code_ids: Iterable[str]) -> list[str]:
    result = list(dict.fromkeys(code_ids))
    unknown = [c for c in result if c not in state.codes]
    if unknown:
        raise bad_request(f"unknown wrap-up code id(s): {', '.join(unknown)}")
    return result


def add_user(state: State, name: str, *, id: str | None = None) -> str:
    """Add a user (agent); returns its id."""
    with state.lock:
        user_id = id or new_id()
        if user_id in state.users:
            raise _conflict(f"user id {user_id} already exists")
        state.users[user_id] = User(user_id, name)
        return user_id


def get_queue(state: State, queue_id: str) -> Queue:
    queue = state.queues.get(queue_id)
    if queue is None:
        raise not_found(f"Queue {queue_id} not found")
    return queue


def find_code(state: State, code_id: str) -> Code | None:
    return state.codes.get(code_id) or state.system_codes.get(code_id)


def get_code(state: State, code_id: str) -> Code:
    code = find_code(state, code_id)
    if code is None:
        raise not_found(f"Wrap-up code {code_id} not found")
    return code


def codes_for_queue(state: State, queue_id: str | None) -> list[Code]:
    """The codes valid in a queue; every org code when *queue_id* is None (or unknown)."""
    queue = state.queues.get(queue_id) if queue_id is not None else None
    if queue is None:
        return list(state.codes.values())
    return [state.codes[c] for c in queue.code_ids if c in state.codes]
