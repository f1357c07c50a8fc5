"""Conversation endpoints: one thin function per route (moto's responses.py), and the route table.

Every handler has the signature ``(state, request, path_args) -> Response`` and raises
:class:`EmulatorError` for Genesys-shaped failures.
"""

from __future__ import annotations

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations import wrapups
from wrapupkit.emulator.conversations.render import call_conversation_json, conversation_json
from wrapupkit.emulator.conversations.service import get_conversation as find_conversation
from wrapupkit.emulator.conversations.service import request_acw
from wrapupkit.emulator.core.errors import EmulatorError, bad_request
from wrapupkit.emulator.core.http import Request, Response
from wrapupkit.emulator.core.media import segment_pattern
from wrapupkit.emulator.core.routes import ID, ApiRoute, route
from wrapupkit.emulator.routing.render import code_json


__all__ = ["ROUTES"]


def get_conversation(state: State, _req: Request, args: dict[str, str]) -> Response:
    with state.lock:
        conv = find_conversation(state, args["cid"])
        return Response.json(200, conversation_json(state, conv))


def get_call_conversation(state: State, _req: Request, args: dict[str, str]) -> Response:
    with state.lock:
        conv = find_conversation(state, args["cid"])
        if not any(c.media == "call" for p in conv.participants + conv.upcoming for c in p.communications):
            raise EmulatorError(404, "not.found", f"Call conversation {conv.id} not found")
        return Response.json(200, call_conversation_json(state, conv))


def post_wrapup(state: State, req: Request, args: dict[str, str]) -> Response:
    wrapups.write_wrapup(
        state, args["cid"], args["pid"], mid=args["mid"], segment=args["seg"], body=req.json()
    )
    return Response.empty(202)


def patch_participant(state: State, req: Request, args: dict[str, str]) -> Response:
    wrapups.patch_participant(state, args["cid"], args["pid"], args.get("seg"), req.json())
    return Response.empty(202)


def patch_aftercallwork(state: State, req: Request, args: dict[str, str]) -> Response:
    """PATCH …/aftercallwork/{cid}/participants/{pid}/communications/{mid} with ``AfterCallWorkUpdate``."""
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("afterCallWorkRequired"), bool):
        raise bad_request("afterCallWorkRequired (boolean) is required.")
    required = body["afterCallWorkRequired"]
    request_acw(state, args["cid"], args["pid"], args["mid"], required)
    return Response.json(202, {"afterCallWorkRequired": required})


def _bool_param(req: Request, name: str) -> bool:
    value = (req.param(name) or "false").lower()
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value == "true"


def get_wrapup(state: State, req: Request, args: dict[str, str]) -> Response:
    """Participant- and communication-level GET …/wrapup → ``AssignedWrapupCode``."""
    provisional = _bool_param(req, "provisional")
    found = wrapups.read_wrapup(
        state, args["cid"], args["pid"], mid=args.get("mid"), segment=args.get("seg"), provisional=provisional
    )
    if found is None:
        if state.rules.no_wrapup_read == 404:
            raise EmulatorError(404, "not.found", f"No wrap-up found for participant {args['pid']}")
        found = {}
    return Response.json(200, found)


def get_participant_wrapupcodes(state: State, _req: Request, args: dict[str, str]) -> Response:
    codes = wrapups.participant_codes(state, args["cid"], args["pid"], args.get("seg"))
    return Response.json(200, [code_json(c) for c in codes])


_SEG_ALL = segment_pattern()
_SEG_PARTICIPANT = segment_pattern(participant_routes=True)
_CONV = f"/api/v2/conversations/(?P<cid>{ID})"
_MEDIA_CONV = f"/api/v2/conversations/(?P<seg>{_SEG_PARTICIPANT})/(?P<cid>{ID})"
_PART = f"/participants/(?P<pid>{ID})"
_COMM_WRAPUP = (
    f"/api/v2/conversations/(?P<seg>{_SEG_ALL})/(?P<cid>{ID}){_PART}/communications/(?P<mid>{ID})/wrapup"
)
WRAPUP = "conversation:participant:wrapup"
PATCH_PERMISSIONS = (WRAPUP, "conversation:call:record", "conversation:communication:disconnect")

ROUTES: tuple[ApiRoute[State], ...] = (
    route("GET", _CONV, get_conversation, any_of=("conversation:communication:view",)),
    route("GET", f"/api/v2/conversations/calls/(?P<cid>{ID})", get_call_conversation),
    route("POST", _COMM_WRAPUP, post_wrapup, any_of=(WRAPUP,)),
    route("GET", _COMM_WRAPUP, get_wrapup),
    route("GET", f"{_CONV}{_PART}/wrapup", get_wrapup),
    route("GET", f"{_MEDIA_CONV}{_PART}/wrapup", get_wrapup),
    route("GET", f"{_CONV}{_PART}/wrapupcodes", get_participant_wrapupcodes),
    route("GET", f"{_MEDIA_CONV}{_PART}/wrapupcodes", get_participant_wrapupcodes),
    route("PATCH", f"{_CONV}{_PART}", patch_participant, any_of=PATCH_PERMISSIONS),
    route(
        "PATCH",
        f"/api/v2/conversations/(?P<seg>emails)/(?P<cid>{ID}){_PART}",
        patch_participant,
        any_of=(*PATCH_PERMISSIONS, "conversation:email:park"),
    ),
    route("PATCH", f"{_MEDIA_CONV}{_PART}", patch_participant, any_of=PATCH_PERMISSIONS),
    route(
        "PATCH",
        f"/api/v2/conversations/aftercallwork/(?P<cid>{ID}){_PART}/communications/(?P<mid>{ID})",
        patch_aftercallwork,
        any_of=(WRAPUP,),
    ),
)
