"""The route tables: (method, path regex with named groups) → handler (moto's urls.py).

``API_ROUTES`` are the Genesys endpoints, each with its auth and permission rule (genesys-api.md §1).
``CONTROL_ROUTES`` map ``/__emulator__/…`` to :class:`~wrapupkit.emulator._control.ControlPlane`
method names; the Python :class:`~wrapupkit.emulator.Emulator` calls those same methods.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from wrapupkit.emulator import _handlers as h
from wrapupkit.emulator import _notify_handlers as nh


__all__ = ["API_ROUTES", "CONTROL_PREFIX", "CONTROL_ROUTES", "ApiRoute", "ControlRoute", "match"]

CONTROL_PREFIX = "/__emulator__/"

_ID = r"[^/]+"
_SEG_ALL = "calls|callbacks|emails|messages|socials|videos|cobrowsesessions|screenshares"
_SEG_PARTICIPANT = "calls|callbacks|emails|messages|cobrowsesessions"
_CONV = f"/api/v2/conversations/(?P<cid>{_ID})"
_MEDIA_CONV = f"/api/v2/conversations/(?P<seg>{_SEG_PARTICIPANT})/(?P<cid>{_ID})"
_PART = f"/participants/(?P<pid>{_ID})"
_COMM_WRAPUP = (
    f"/api/v2/conversations/(?P<seg>{_SEG_ALL})/(?P<cid>{_ID}){_PART}/communications/(?P<mid>{_ID})/wrapup"
)

WRAPUP = "conversation:participant:wrapup"
PATCH_PERMISSIONS = (WRAPUP, "conversation:call:record", "conversation:communication:disconnect")
_CHANNELS = "/api/v2/notifications/channels"
_SUBSCRIPTIONS = f"{_CHANNELS}/(?P<channel_id>{_ID})/subscriptions"


@dataclass(frozen=True)
class ApiRoute:
    """A Genesys endpoint: *auth* needs a bearer token; *any_of*/*all_of* are its permissions."""

    method: str
    pattern: re.Pattern[str]
    handler: h.Handler
    auth: bool = True
    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlRoute:
    method: str
    pattern: re.Pattern[str]
    operation: str


def _api(
    method: str,
    path: str,
    handler: h.Handler,
    *,
    auth: bool = True,
    any_of: tuple[str, ...] = (),
    all_of: tuple[str, ...] = (),
) -> ApiRoute:
    return ApiRoute(method, re.compile(path), handler, auth, any_of, all_of)


API_ROUTES: tuple[ApiRoute, ...] = (
    _api("POST", "/oauth/token", h.oauth_token, auth=False),
    _api("GET", _CONV, h.get_conversation, any_of=("conversation:communication:view",)),
    _api("GET", f"/api/v2/conversations/calls/(?P<cid>{_ID})", h.get_call_conversation),
    _api("POST", _COMM_WRAPUP, h.post_wrapup, any_of=(WRAPUP,)),
    _api("GET", _COMM_WRAPUP, h.get_wrapup),
    _api("GET", f"{_CONV}{_PART}/wrapup", h.get_wrapup),
    _api("GET", f"{_MEDIA_CONV}{_PART}/wrapup", h.get_wrapup),
    _api("GET", f"{_CONV}{_PART}/wrapupcodes", h.get_participant_wrapupcodes),
    _api("GET", f"{_MEDIA_CONV}{_PART}/wrapupcodes", h.get_participant_wrapupcodes),
    _api("PATCH", f"{_CONV}{_PART}", h.patch_participant, any_of=PATCH_PERMISSIONS),
    _api(
        "PATCH",
        f"/api/v2/conversations/(?P<seg>emails)/(?P<cid>{_ID}){_PART}",
        h.patch_participant,
        any_of=(*PATCH_PERMISSIONS, "conversation:email:park"),
    ),
    _api("PATCH", f"{_MEDIA_CONV}{_PART}", h.patch_participant, any_of=PATCH_PERMISSIONS),
    _api("GET", f"/api/v2/routing/queues/(?P<qid>{_ID})", h.get_queue, all_of=("routing:queue:view",)),
    _api(
        "GET",
        f"/api/v2/routing/queues/(?P<qid>{_ID})/wrapupcodes",
        h.get_queue_wrapupcodes,
        all_of=("routing:queue:view",),
    ),
    _api("GET", "/api/v2/routing/wrapupcodes", h.get_wrapupcodes, all_of=("routing:wrapupCode:view",)),
    _api(
        "GET",
        f"/api/v2/routing/wrapupcodes/(?P<code_id>{_ID})",
        h.get_wrapupcode,
        all_of=("routing:wrapupCode:view",),
    ),
    _api("POST", _CHANNELS, nh.create_channel),
    _api("GET", _CHANNELS, nh.list_channels),
    _api("GET", _SUBSCRIPTIONS, nh.get_subscriptions),
    _api("PUT", _SUBSCRIPTIONS, nh.put_subscriptions),
    _api("POST", _SUBSCRIPTIONS, nh.post_subscriptions),
    _api("DELETE", _SUBSCRIPTIONS, nh.delete_subscriptions),
)


def _control(method: str, path: str, operation: str) -> ControlRoute:
    return ControlRoute(method, re.compile(CONTROL_PREFIX.rstrip("/") + path), operation)


CONTROL_ROUTES: tuple[ControlRoute, ...] = (
    _control("GET", "/info", "info"),
    _control("POST", "/reset", "reset"),
    _control("POST", "/seed", "seed"),
    _control("POST", "/codes", "add_code"),
    _control("POST", "/queues", "add_queue"),
    _control("PUT", f"/queues/(?P<queue_id>{_ID})/codes", "set_queue_codes"),
    _control("POST", "/users", "add_user"),
    _control("POST", "/clients", "add_client"),
    _control("POST", "/tokens", "issue_token"),
    _control("POST", "/tokens/expire", "expire_tokens"),
    _control("POST", "/conversations", "add_conversation"),
    _control("GET", f"/conversations/(?P<conversation_id>{_ID})", "conversation_json"),
    _control("GET", f"/conversations/(?P<conversation_id>{_ID})/wrapup", "wrapup"),
    _control("POST", f"/conversations/(?P<conversation_id>{_ID})/disconnect", "disconnect"),
    _control("POST", f"/conversations/(?P<conversation_id>{_ID})/ui-wrapup", "apply_ui_wrapup"),
    _control("GET", "/requests", "requests"),
    _control("DELETE", "/requests", "clear_requests"),
    _control("GET", "/rules", "get_rules"),
    _control("PATCH", "/rules", "set_rules"),
    _control("GET", "/faults", "get_faults"),
    _control("DELETE", "/faults", "clear_faults"),
    _control("POST", "/faults/fail-next", "fail_next"),
    _control("POST", "/faults/rate-limit", "rate_limit"),
    _control("POST", "/faults/latency", "add_latency"),
    _control("POST", "/faults/stall", "stall_next"),
    _control("POST", "/faults/reset", "reset_next"),
    _control("POST", "/clock/advance", "advance_clock"),
    _control("GET", "/notifications", "notifications"),
    _control("POST", "/notifications/(?P<op>[a-z-]+)", "notifications"),
)


_R = TypeVar("_R", ApiRoute, ControlRoute)


def match(routes: Sequence[_R], method: str, path: str) -> tuple[_R, dict[str, str]] | None:
    """The first route whose regex fully matches *path* for *method*, with its named groups."""
    for route in routes:
        if route.method == method and (found := route.pattern.fullmatch(path)) is not None:
            return route, {k: v for k, v in found.groupdict().items() if v is not None}
    return None
