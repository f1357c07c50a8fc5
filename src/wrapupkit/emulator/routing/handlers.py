"""Routing endpoints (queues and wrap-up codes) and their route table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wrapupkit.emulator._state import State
from wrapupkit.emulator.core.errors import bad_request
from wrapupkit.emulator.core.http import Request, Response
from wrapupkit.emulator.core.routes import ID, ApiRoute, route
from wrapupkit.emulator.routing.models import Code
from wrapupkit.emulator.routing.render import code_json, listing_json, queue_json
from wrapupkit.emulator.routing.service import codes_for_queue, get_code
from wrapupkit.emulator.routing.service import get_queue as find_queue


__all__ = ["ROUTES"]


def get_queue(state: State, _req: Request, args: dict[str, str]) -> Response:
    with state.lock:
        return Response.json(200, queue_json(find_queue(state, args["qid"])))


def _int_param(req: Request, name: str, default: int) -> int:
    raw = req.param(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None
    if value < 1:
        raise bad_request(f"{name} must be at least 1")
    return value


def _name_matches(state: State, pattern: str) -> Callable[[Code], bool]:
    """``name`` filter: exact, or a prefix when it ends in ``*``; case rule from ``Rules`` [INF]."""
    fold = (lambda s: s) if state.rules.name_filter_case_sensitive else str.casefold
    if pattern.endswith("*"):
        prefix = fold(pattern.rstrip("*"))
        return lambda code: fold(code.name).startswith(prefix)
    wanted = fold(pattern)
    return lambda code: fold(code.name) == wanted


def _page(state: State, req: Request, codes: list[Code], path: str, keys: tuple[str, ...]) -> Response:
    page_size = min(_int_param(req, "pageSize", 25), state.rules.page_size_cap)
    page_number = _int_param(req, "pageNumber", 1)
    name = req.param("name")
    if name is not None:
        codes = [c for c in codes if _name_matches(state, name)(c)]
    start = (page_number - 1) * page_size
    entities = [code_json(c) for c in codes[start : start + page_size]]
    query = [(k, v) for k in keys for v in req.query.get(k, [])]
    body = listing_json(
        entities, total=len(codes), page_size=page_size, page_number=page_number, path=path, query=query
    )
    return Response.json(200, body)


def get_queue_wrapupcodes(state: State, req: Request, args: dict[str, str]) -> Response:
    with state.lock:
        queue = find_queue(state, args["qid"])
        codes = sorted(codes_for_queue(state, queue.id), key=lambda c: c.name)
        return _page(state, req, codes, f"/api/v2/routing/queues/{queue.id}/wrapupcodes", ("name",))


def get_wrapupcodes(state: State, req: Request, _args: dict[str, str]) -> Response:
    sort_by = req.param("sortBy") or "name"
    sort_order = req.param("sortOrder") or "ascending"
    if sort_by not in ("name", "id"):
        raise bad_request("sortBy must be name or id")
    if sort_order not in ("ascending", "descending"):
        raise bad_request("sortOrder must be ascending or descending")
    ids, divisions = set(req.params("id")), set(req.params("divisionId"))
    with state.lock:
        codes = [
            c
            for c in state.codes.values()
            if (not ids or c.id in ids) and (not divisions or c.division_id in divisions)
        ]

        def key(code: Code) -> Any:
            return code.name if sort_by == "name" else code.id

        codes.sort(key=key, reverse=sort_order == "descending")
        keys = ("sortBy", "sortOrder", "name", "id", "divisionId")
        return _page(state, req, codes, "/api/v2/routing/wrapupcodes", keys)


def get_wrapupcode(state: State, _req: Request, args: dict[str, str]) -> Response:
    with state.lock:
        return Response.json(200, code_json(get_code(state, args["code_id"])))


_VIEW_QUEUE = ("routing:queue:view",)
_VIEW_CODES = ("routing:wrapupCode:view",)
ROUTES: tuple[ApiRoute[State], ...] = (
    route("GET", f"/api/v2/routing/queues/(?P<qid>{ID})", get_queue, all_of=_VIEW_QUEUE),
    route(
        "GET", f"/api/v2/routing/queues/(?P<qid>{ID})/wrapupcodes", get_queue_wrapupcodes, all_of=_VIEW_QUEUE
    ),
    route("GET", "/api/v2/routing/wrapupcodes", get_wrapupcodes, all_of=_VIEW_CODES),
    route("GET", f"/api/v2/routing/wrapupcodes/(?P<code_id>{ID})", get_wrapupcode, all_of=_VIEW_CODES),
)
