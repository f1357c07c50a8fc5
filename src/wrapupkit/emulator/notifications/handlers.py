"""Notification endpoints: channels and subscriptions, and their route table."""

from __future__ import annotations

from wrapupkit.emulator._state import State
from wrapupkit.emulator.auth.models import Token
from wrapupkit.emulator.core.errors import bad_request
from wrapupkit.emulator.core.http import Request, Response
from wrapupkit.emulator.core.routes import ID, ApiRoute, route
from wrapupkit.emulator.notifications.topics import available_topics


__all__ = ["ROUTES"]


def _token(state: State, req: Request) -> Token:
    scheme, _, value = (req.header("authorization") or "").partition(" ")
    return state.auth.check_token(value.strip() if scheme.lower() == "bearer" else None)


def _owner(token: Token) -> str:
    """Channels belong to the OAuth client (the "user/app combination"); a minted token owns its own."""
    return token.client_id or token.value


def create_channel(state: State, req: Request, _args: dict[str, str]) -> Response:
    """POST /api/v2/notifications/channels → ``Channel``."""
    return Response.json(200, state.notifications.create_channel(_owner(_token(state, req))))


def list_channels(state: State, req: Request, _args: dict[str, str]) -> Response:
    """GET /api/v2/notifications/channels → ``ChannelEntityListing``."""
    return Response.json(200, state.notifications.list_channels(_owner(_token(state, req))))


def head_channel(state: State, req: Request, args: dict[str, str]) -> Response:
    """HEAD /api/v2/notifications/channels/{id}: 200 when the caller's channel exists, else 404."""
    state.notifications.check_channel(args["channel_id"], _owner(_token(state, req)))
    return Response.empty(200)


def get_available_topics(state: State, _req: Request, _args: dict[str, str]) -> Response:
    """GET /api/v2/notifications/availabletopics → ``AvailableTopicEntityListing``."""
    return Response.json(200, available_topics(state.notifications.required_permissions()))


def get_subscriptions(state: State, req: Request, args: dict[str, str]) -> Response:
    owner = _owner(_token(state, req))
    return Response.json(200, state.notifications.subscriptions(args["channel_id"], owner))


def _ignore_errors(req: Request) -> bool:
    value = (req.param("ignoreErrors") or "false").lower()
    if value not in ("true", "false"):
        raise bad_request("ignoreErrors must be true or false")
    return value == "true"


def _subscribe(state: State, req: Request, args: dict[str, str], *, replace: bool) -> Response:
    token = _token(state, req)
    listing = state.notifications.subscribe(
        args["channel_id"],
        _owner(token),
        req.json(),
        token.permissions,
        replace=replace,
        ignore_errors=_ignore_errors(req),
    )
    return Response.json(200, listing)


def put_subscriptions(state: State, req: Request, args: dict[str, str]) -> Response:
    """PUT …/subscriptions: replace the channel's topics."""
    return _subscribe(state, req, args, replace=True)


def post_subscriptions(state: State, req: Request, args: dict[str, str]) -> Response:
    """POST …/subscriptions: add topics."""
    return _subscribe(state, req, args, replace=False)


def delete_subscriptions(state: State, req: Request, args: dict[str, str]) -> Response:
    state.notifications.unsubscribe_all(args["channel_id"], _owner(_token(state, req)))
    return Response.empty(204)


_CHANNELS = "/api/v2/notifications/channels"
_CHANNEL = f"{_CHANNELS}/(?P<channel_id>{ID})"
_SUBSCRIPTIONS = f"{_CHANNEL}/subscriptions"

ROUTES: tuple[ApiRoute[State], ...] = (
    route("POST", _CHANNELS, create_channel),
    route("GET", _CHANNELS, list_channels),
    route("HEAD", _CHANNEL, head_channel),
    route("GET", "/api/v2/notifications/availabletopics", get_available_topics),
    route("GET", _SUBSCRIPTIONS, get_subscriptions),
    route("PUT", _SUBSCRIPTIONS, put_subscriptions),
    route("POST", _SUBSCRIPTIONS, post_subscriptions),
    route("DELETE", _SUBSCRIPTIONS, delete_subscriptions),
)
