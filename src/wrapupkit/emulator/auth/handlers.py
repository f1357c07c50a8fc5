"""The login endpoint: ``POST /oauth/token`` (client-credentials grant)."""

from __future__ import annotations

import base64
import binascii

from wrapupkit.emulator._state import State
from wrapupkit.emulator.core.http import Request, Response
from wrapupkit.emulator.core.routes import ApiRoute, route


__all__ = ["ROUTES"]


def _oauth_error(status: int, error: str, description: str) -> Response:
    # Login-service errors are OAuth-style, not ErrorBody [INF].
    return Response.json(
        status, {"error": error, "description": description, "error_description": description}
    )


def oauth_token(state: State, req: Request, _args: dict[str, str]) -> Response:
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
        token = state.auth.login(client_id, secret)
    except KeyError:
        return _oauth_error(401, "invalid_client", "client not found or bad client secret")
    ttl = round(token.expires_at - state.clock.monotonic())
    return Response.json(200, {"access_token": token.value, "token_type": "bearer", "expires_in": ttl})


ROUTES: tuple[ApiRoute[State], ...] = (route("POST", "/oauth/token", oauth_token, auth=False),)
