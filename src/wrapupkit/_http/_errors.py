"""The one translation of HTTP failures into wrapupkit's exception tree.

Every response outside 200-205 becomes a :class:`~wrapupkit.exceptions.GenesysAPIError`
subclass chosen by status, and every urllib3 failure a
:class:`~wrapupkit.exceptions.TransportError`, here and nowhere else (the way httpx maps
httpcore's exceptions at its transport border).  The SDK never sees an error of its own:
the transport raises these before the SDK's ``ApiClient`` could.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import urllib3

from wrapupkit.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    GenesysAPIError,
    NotFound,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
)


__all__ = ["error_from_response", "error_from_urllib3", "path_of"]

_BY_STATUS: dict[int, type[GenesysAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_from_response(
    status: int, body: str | bytes | None, headers: Mapping[str, str] | None = None
) -> GenesysAPIError:
    """The exception for an HTTP error response, with the Genesys ``ErrorBody`` fields parsed."""
    parsed: dict[str, Any] = {}
    if body:
        try:
            value = json.loads(body)
        except ValueError:  # not JSON, or not UTF-8: keep the status, drop the text
            value = None
        if isinstance(value, dict):
            parsed = value
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    correlation = lowered.get("inin-correlation-id") or parsed.get("contextId")
    klass = _BY_STATUS.get(status) or (ServerError if status >= 500 else GenesysAPIError)
    return klass(
        status,
        code=_str_or_none(parsed.get("code")),
        message=_str_or_none(parsed.get("message")),
        correlation_id=_str_or_none(correlation),
        body=parsed,
        retry_after=_retry_after(lowered.get("retry-after")),
    )


def error_from_urllib3(exc: Exception, method: str, url: str, read_timeout: float | None) -> TransportError:
    """The exception for a request that got no usable response."""
    where = f"{method} {path_of(url)}"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError: first
        host = urlsplit(url).netloc or "the host"
        if "refused" in str(exc).lower():
            return TransportError(
                f"{where}: connection refused by {host} (is the host or port right, is the server up?)",
                maybe_sent=False,
                refused=True,
            )
        return TransportError(
            f"{where}: connection to {host} failed ({type(exc).__name__})", maybe_sent=False
        )
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return TransportError(f"{where}: connection timed out", maybe_sent=False)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        shown = f" within {read_timeout:.2f}s" if read_timeout is not None else ""
        return TransportError(f"{where}: no response{shown}", maybe_sent=True)
    return TransportError(f"{where}: connection lost ({type(exc).__name__})", maybe_sent=True)


def path_of(url: str) -> str:
    """The URL without scheme, host or query (for messages)."""
    rest = url.split("://", 1)[-1]
    path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return path.split("?", 1)[0]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
