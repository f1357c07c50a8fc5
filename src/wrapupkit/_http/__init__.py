"""The HTTP layer: the only part of wrapupkit that imports the SDK, urllib3 and backoff.

Importing this package is cheap; :func:`new_caller` imports the SDK on first use.
Everything above this layer receives a :class:`~wrapupkit._http._caller.Caller` and
the values it returns, never an SDK object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wrapupkit._clock import Clock
from wrapupkit._http._auth import REGIONS, api_host_for, read_env
from wrapupkit._http._ratelimit import RateLimiter
from wrapupkit._http._retry import RetryPolicy
from wrapupkit._validate import whole


if TYPE_CHECKING:
    from wrapupkit._http._caller import Caller

__all__ = [
    "REGIONS",
    "Caller",
    "RateLimiter",
    "RetryPolicy",
    "api_host_for",
    "new_api_client",
    "new_caller",
    "read_env",
]

# Connections kept open per host: more than any thread pool wrapupkit runs would use.
MAX_CONNECTIONS = 1000


def new_api_client(host: str) -> object:
    """A fresh SDK ``ApiClient`` for *host* (imports the SDK)."""
    from wrapupkit._http._sdk import new_api_client as make

    return make(host)


def new_caller(
    api_client: object,
    *,
    retry: RetryPolicy,
    clock: Clock,
    request_timeout: float,
    connect_timeout: float = 5.0,
    max_connections: int,
    default_timeout: float,
) -> Caller:
    """A :class:`Caller` over *api_client* with wrapupkit's own transport installed (imports the SDK).

    Raises:
        ConfigurationError: *max_connections* is not a whole number in 1..MAX_CONNECTIONS.
    """
    whole("max_connections", max_connections, low=1, high=MAX_CONNECTIONS)
    from wrapupkit._http._caller import Caller
    from wrapupkit._http._transport import Transport

    transport = Transport(
        timeout=request_timeout, connect_timeout=connect_timeout, maxsize=max_connections, clock=clock
    )
    return Caller(api_client, transport=transport, retry=retry, clock=clock, default_timeout=default_timeout)
