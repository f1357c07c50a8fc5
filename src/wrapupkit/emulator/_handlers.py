"""One thin function per API route: parse the request, call the backend, shape the JSON (moto's responses.py).

Every handler has the signature ``(backend, request, path_args) -> Response`` and raises
:class:`EmulatorError` for Genesys-shaped failures.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from wrapupkit.emulator._backend import DEFAULT_DIVISION_ID, GenesysBackend
from wrapupkit.emulator._errors import EmulatorError, bad_request
from wrapupkit.emulator._http import Request, Response
from wrapupkit.emulator._model import Code
from wrapupkit.emulator._render import (
    call_conversation_json,
    code_json,
    conversation_json,
    listing_json,
    queue_json,
)


__all__ = ["Handler"]

Handler = Callable[[GenesysBackend, Request, dict[str, str]], Response]


def _oauth_error(status: int, error: str, description: str) -> Response:
    # Login-service errors are OAuth-style, not ErrorBody [INF].
    return Response.json(
        status, {"error": error, "description": description, "error_description": description}
    )


def oauth_token(backend: GenesysBackend, req: Request, _args: dict[str, str]) -> Response:
    """POST /oauth/token: client-credentials grant with HTTP Basic client authentication."""
    form = req.form()
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    auth = req.header("authorization") or ""
    scheme, _, encoded = auth.partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        client_id = secret = ""
    if scheme.lower() != "basic" or not client_id:
        return _oauth_error(401, "invalid_client", "client authentication is required")
    try:
        token = backend.auth.login(client_id, secret)
    except KeyError:
        return _oauth_error(401, "invalid_client", "client not found or bad client secret")
    ttl = round(token.expires_at - backend.clock.monotonic())
    return Response.json(200, {"access_token": token.value, "token_type": "bearer", "expires_in": ttl})


def get_conversation(backend: GenesysBackend, _req: Request, args: dict[str, str]) -> Response:
    with backend.lock:
        conv = backend.get_conversation(args["cid"])
        return Response.json(200, conversation_json(conv, backend.rules))


def get_call_conversation(backend: GenesysBackend, _req: Request, args: dict[str, str]) -> Response:
    with backend.lock:
        conv = backend.get_conversation(args["cid"])
        if conv.media != "call":
            raise EmulatorError(404, "not.found", f"Call conversation {conv.id} not found")
        names = {u.id: u.name for u in backend.users.values()}
        return Response.json(200, call_conversation_json(conv, names))


def post_wrapup(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    backend.write_wrapup(args["cid"], args["pid"], args["mid"], args["seg"], req.json())
    return Response.empty(202)


def patch_participant(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    backend.patch_participant(args["cid"], args["pid"], args.get("seg"), req.json())
    return Response.empty(202)


def _bool_param(req: Request, name: str) -> bool:
    value = (req.param(name) or "false").lower()
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value == "true"


def get_wrapup(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    """Participant- and communication-level GET …/wrapup → ``AssignedWrapupCode``."""
    provisional = _bool_param(req, "provisional")
    found = backend.read_wrapup(
        args["cid"], args["pid"], args.get("mid"), args.get("seg"), provisional=provisional
    )
    if found is None:
        if backend.rules.no_wrapup_read == 404:
            raise EmulatorError(404, "not.found", f"No wrap-up found for participant {args['pid']}")
        found = {}
    return Response.json(200, found)


def get_participant_wrapupcodes(backend: GenesysBackend, _req: Request, args: dict[str, str]) -> Response:
    codes = backend.participant_codes(args["cid"], args["pid"], args.get("seg"))
    return Response.json(200, [code_json(c, DEFAULT_DIVISION_ID) for c in codes])


def get_queue(backend: GenesysBackend, _req: Request, args: dict[str, str]) -> Response:
    with backend.lock:
        return Response.json(200, queue_json(backend.get_queue(args["qid"]), DEFAULT_DIVISION_ID))


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


def _name_matches(backend: GenesysBackend, pattern: str) -> Callable[[Code], bool]:
    """``name`` filter: exact, or a prefix when it ends in ``*``; case rule from ``Rules`` [INF]."""
    fold = (lambda s: s) if backend.rules.name_filter_case_sensitive else str.casefold
    if pattern.endswith("*"):
        prefix = fold(pattern.rstrip("*"))
        return lambda code: fold(code.name).startswith(prefix)
    wanted = fold(pattern)
    return lambda code: fold(code.name) == wanted


def _page(
    backend: GenesysBackend, req: Request, codes: list[Code], path: str, keys: tuple[str, ...]
) -> Response:
    page_size = min(_int_param(req, "pageSize", 25), backend.rules.page_size_cap)
    page_number = _int_param(req, "pageNumber", 1)
    name = req.param("name")
    if name is not None:
        codes = [c for c in codes if _name_matches(backend, name)(c)]
    start = (page_number - 1) * page_size
    entities = [code_json(c, DEFAULT_DIVISION_ID) for c in codes[start : start + page_size]]
    query = [(k, v) for k in keys for v in req.query.get(k, [])]
    body = listing_json(
        entities, total=len(codes), page_size=page_size, page_number=page_number, path=path, query=query
    )
    return Response.json(200, body)


def get_queue_wrapupcodes(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    with backend.lock:
        queue = backend.get_queue(args["qid"])
        codes = sorted(backend.queue_codes(queue), key=lambda c: c.name)
        return _page(backend, req, codes, f"/api/v2/routing/queues/{queue.id}/wrapupcodes", ("name",))


def get_wrapupcodes(backend: GenesysBackend, req: Request, _args: dict[str, str]) -> Response:
    sort_by = req.param("sortBy") or "name"
    sort_order = req.param("sortOrder") or "ascending"
    if sort_by not in ("name", "id"):
        raise bad_request("sortBy must be name or id")
    if sort_order not in ("ascending", "descending"):
        raise bad_request("sortOrder must be ascending or descending")
    ids, divisions = set(req.params("id")), set(req.params("divisionId"))
    with backend.lock:
        codes = [
            c
            for c in backend.codes.values()
            if (not ids or c.id in ids) and (not divisions or c.division_id in divisions)
        ]

        def key(code: Code) -> Any:
            return code.name if sort_by == "name" else code.id

        codes.sort(key=key, reverse=sort_order == "descending")
        keys = ("sortBy", "sortOrder", "name", "id", "divisionId")
        return _page(backend, req, codes, "/api/v2/routing/wrapupcodes", keys)


def get_wrapupcode(backend: GenesysBackend, _req: Request, args: dict[str, str]) -> Response:
    with backend.lock:
        return Response.json(200, code_json(backend.get_code(args["code_id"]), DEFAULT_DIVISION_ID))
