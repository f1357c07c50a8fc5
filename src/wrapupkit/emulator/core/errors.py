"""Genesys-shaped errors: :class:`EmulatorError` and its ``ErrorBody`` JSON (genesys-api.md 2.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


__all__ = ["EmulatorError", "default_error_code", "error_body"]

# Generic status -> error code catalogue (genesys-api.md 2.2, [3P] go-gcloudcx and swagger typings).
_CODES: dict[int, str] = {
    400: "bad.request",
    401: "bad.credentials",
    403: "not.authorized",
    404: "not.found",
    409: "general.conflict",
    413: "request.entity.too.large",
    415: "unsupported.media.type",
    422: "invalid.value",
    429: "too.many.requests.retry.after",
    500: "internal.server.error",
    503: "service.unavailable",
    504: "request.timeout",
}

_MESSAGES: dict[int, str] = {
    400: "The request could not be understood by the server due to malformed syntax.",
    401: "Invalid login credentials.",
    403: "You are not authorized to perform the requested action.",
    404: "The requested operation failed with status 404",
    409: "Conflict",
    429: "Rate limit exceeded the maximum number of requests",
    500: "The server encountered an unexpected condition which prevented it from fulfilling the request.",
    503: "Service Unavailable",
    504: "The request timed out.",
}


def default_error_code(status: int) -> str:
    """The generic Genesys error code for an HTTP *status*."""
    if status in _CODES:
        return _CODES[status]
    return "internal.server.error" if status >= 500 else "bad.request"


class EmulatorError(Exception):
    """An error the emulator answers with, serialised as a Genesys ``ErrorBody``.

    Control-plane methods of :class:`~wrapupkit.emulator.Emulator` raise it too
    (``status`` 400 for a bad argument, 404 for an unknown id, 409 for a conflict).

    Args:
        status: the HTTP status.
        code: the Genesys error code (``bad.request``, ``not.found`` ...); default from *status*.
        message: the human message; default from *status*.
        message_params: values for ``messageParams``; ``messageWithParams`` uses ``{name}`` slots.
        message_with_params: the templated message; default *message*.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        message_params: Mapping[str, str] | None = None,
        *,
        message_with_params: str | None = None,
    ) -> None:
        self.status = status
        self.code = code or default_error_code(status)
        self.message = message or _MESSAGES.get(status, f"The request failed with status {status}")
        self.message_params: dict[str, str] = dict(message_params or {})
        self.message_with_params = message_with_params or self.message
        super().__init__(f"{status} {self.code}: {self.message}")

    def body(self, context_id: str) -> dict[str, Any]:
        """The ``ErrorBody`` JSON object for this error."""
        return error_body(
            self.status,
            self.code,
            self.message,
            context_id,
            message_params=self.message_params,
            message_with_params=self.message_with_params,
        )


def error_body(
    status: int,
    code: str,
    message: str,
    context_id: str,
    *,
    message_params: Mapping[str, str] | None = None,
    message_with_params: str | None = None,
) -> dict[str, Any]:
    """Build an ``ErrorBody`` dict with the keys the real service sends."""
    return {
        "message": message,
        "code": code,
        "status": status,
        "messageWithParams": message_with_params or message,
        "messageParams": dict(message_params or {}),
        "contextId": context_id,
        "details": [],
        "errors": [],
    }


def not_found(message: str | None = None) -> EmulatorError:
    """A 404 ``not.found`` error."""
    return EmulatorError(404, "not.found", message)


def bad_request(message: str | None = None) -> EmulatorError:
    """A 400 ``bad.request`` error."""
    return EmulatorError(400, "bad.request", message)


def forbidden_conversation(conversation_id: str) -> EmulatorError:
    """The 403 ``not.authorized`` seen on PATCHes of ended conversations (genesys-api.md 2.2)."""
    return EmulatorError(
        403,
        "not.authorized",
        f"Access to Conversation {conversation_id} is forbidden.",
        {"id": conversation_id, "type": "Conversation"},
        message_with_params="Access to {type} {id} is forbidden.",
    )
