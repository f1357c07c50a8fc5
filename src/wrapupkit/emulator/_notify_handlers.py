"""API handlers and control operations for notification channels (strictly private).

Handlers have the ``(backend, request, path_args) -> Response`` signature of ``_handlers``; the
hub is found with :func:`~wrapupkit.emulator._notifications.hub_for`.
"""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator._backend import GenesysBackend
from wrapupkit.emulator._errors import bad_request
from wrapupkit.emulator._http import Request, Response
from wrapupkit.emulator._model import Token
from wrapupkit.emulator._notifications import hub_for


__all__ = [
    "control",
    "create_channel",
    "delete_subscriptions",
    "get_subscriptions",
    "list_channels",
    "post_subscriptions",
    "put_subscriptions",
]


def _token(backend: GenesysBackend, req: Request) -> Token:
    scheme, _, value = (req.header("authorization") or "").partition(" ")
    return backend.auth.check_token(value.strip() if scheme.lower() == "bearer" else None)


def _owner(token: Token) -> str:
    """Channels belong to the OAuth client (the "user/app combination"); a minted token owns its own."""
    return token.client_id or token.value


def create_channel(backend: GenesysBackend, req: Request, _args: dict[str, str]) -> Response:
    """POST /api/v2/notifications/channels → ``Channel``."""
    return Response.json(200, hub_for(backend).create_channel(_owner(_token(backend, req))))


def list_channels(backend: GenesysBackend, req: Request, _args: dict[str, str]) -> Response:
    """GET /api/v2/notifications/channels → ``ChannelEntityListing``."""
    return Response.json(200, hub_for(backend).list_channels(_owner(_token(backend, req))))


def get_subscriptions(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    owner = _owner(_token(backend, req))
    return Response.json(200, hub_for(backend).subscriptions(args["channel_id"], owner))


def _ignore_errors(req: Request) -> bool:
    value = (req.param("ignoreErrors") or "false").lower()
    if value not in ("true", "false"):
        raise bad_request("ignoreErrors must be true or false")
    return value == "true"


def _subscribe(backend: GenesysBackend, req: Request, args: dict[str, str], *, replace: bool) -> Response:
    token = _token(backend, req)
    listing = hub_for(backend).subscribe(
        args["channel_id"],
        _owner(token),
        req.json(),
        token.permissions,
        replace=replace,
        ignore_errors=_ignore_errors(req),
    )
    return Response.json(200, listing)


def put_subscriptions(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    """PUT …/subscriptions: replace the channel's topics."""
    return _subscribe(backend, req, args, replace=True)


def post_subscriptions(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    """POST …/subscriptions: add topics."""
    return _subscribe(backend, req, args, replace=False)


def delete_subscriptions(backend: GenesysBackend, req: Request, args: dict[str, str]) -> Response:
    hub_for(backend).unsubscribe_all(args["channel_id"], _owner(_token(backend, req)))
    return Response.empty(204)


def _number(p: dict[str, Any], key: str) -> float | None:
    value = p.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise bad_request(f"{key} must be a number")
    return None if value is None else float(value)


def control(backend: GenesysBackend, p: dict[str, Any]) -> Any:
    """``/__emulator__/notifications[/op]``: the hub's faults and settings as JSON operations."""
    hub = hub_for(backend)
    op = p.get("op", "info")
    channel_id = p.get("channel_id")
    if channel_id is not None and not isinstance(channel_id, str):
        raise bad_request("channel_id must be a string")
    counted = {
        "heartbeat": hub.heartbeat,
        "socket-closing": hub.socket_closing,
        "drop": hub.drop,
        "silence": hub.silence,
    }
    if op == "info":
        return {"channels": hub.info(), "connections": hub.connections}
    if op in counted:
        return {"sockets": counted[op](channel_id)}
    if op == "expire":
        hub.expire(channel_id)
    elif op == "refuse":
        times = _number(p, "times")
        hub.refuse_connections(None if times is None else int(times))
    elif op == "accept":
        hub.accept_connections()
    elif op == "hold":
        hub.hold_events()
    elif op == "release":
        return {"events": hub.release_events()}
    elif op == "delay":
        hub.delay_events(_number(p, "seconds") or 0.0)
    elif op == "settings":
        if "heartbeat_interval" in p:
            hub.heartbeat_interval = _number(p, "heartbeat_interval")
        for key in ("max_topics", "max_channels"):
            if key in p:
                value = _number(p, key)
                if value is None or value < 1:
                    raise bad_request(f"{key} must be a positive number")
                setattr(hub, key, int(value))
        if "channel_ttl" in p:
            hub.channel_ttl = _number(p, "channel_ttl") or hub.channel_ttl
    elif op == "permissions":
        template, perms = p.get("template"), p.get("permissions")
        if not isinstance(template, str) or not isinstance(perms, list):
            raise bad_request("template (string) and permissions (list) are required")
        hub.require_permissions(template, [str(x) for x in perms])
    else:
        raise bad_request(f"unknown notifications operation {op!r}")
    return {}
