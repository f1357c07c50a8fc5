"""The HTTP client wrapupkit installs into the SDK's ``ApiClient``.

The SDK's default client retries POSTs on 429 up to ten times and never applies
its timeout setting (genesys-api.md 4.2).  :class:`Transport` replaces it through
the SDK's own seam, ``ApiClient.set_http_client()``: urllib3 with ``retries=False``,
a real connect/read timeout on every request, shrunk to what is left of the
current call's deadline, and a count of the requests each call makes.
Imports the SDK, so only :mod:`wrapupkit._sdk` imports this module.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import urllib3
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient
from PureCloudPlatformClientV2.rest import ApiException, RESTResponse

from wrapupkit._clock import Clock, SystemClock
from wrapupkit.exceptions import TransportError


__all__ = ["CallBudget", "Transport"]

ResponseObserver = Callable[[int, Mapping[str, str]], None]


class CallBudget:
    """The deadline and request counter of one wrapupkit call. Strictly private."""

    __slots__ = ("clock", "deadline", "requests")

    def __init__(self, clock: Clock, deadline: float) -> None:
        self.clock = clock
        self.deadline = deadline
        self.requests = 0

    def remaining(self) -> float:
        return self.deadline - self.clock.monotonic()


_budget: contextvars.ContextVar[CallBudget | None] = contextvars.ContextVar("wrapupkit_budget", default=None)


class Transport(AbstractHttpClient):  # type: ignore[misc]
    """An ``AbstractHttpClient`` with no hidden retries and real timeouts.

    Args:
        timeout: the longest any one request may take, in seconds.
        connect_timeout: the longest a connection may take to open.
        maxsize: connections kept per host (raise it for many worker threads).
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        maxsize: int = 10,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.set_timeout(timeout)
        self.connect_timeout = connect_timeout
        self.clock = clock or SystemClock()
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=maxsize, block=False, retries=False)
        self.observers: list[ResponseObserver] = []
        """Called with ``(status, headers)`` after every response (rate-limit accounting)."""
        self.gate: Callable[[], None] | None = None
        """Called before every request; may block (a shared rate limiter) or raise."""
        self._lock = threading.Lock()
        self.total_requests = 0

    @contextlib.contextmanager
    def budget(self, deadline: float) -> Iterator[CallBudget]:
        """Bound every request made inside the block by *deadline* (on :attr:`clock`) and count them."""
        budget = CallBudget(self.clock, deadline)
        token = _budget.set(budget)
        try:
            yield budget
        finally:
            _budget.reset(token)

    def _timeout(self) -> urllib3.Timeout:
        total = float(self.timeout)
        budget = _budget.get()
        if budget is not None:
            left = budget.remaining()
            if left <= 0:
                raise TransportError(
                    "the call's deadline passed before the request was sent", maybe_sent=False
                )
            total = min(total, left)
        return urllib3.Timeout(connect=min(self.connect_timeout, total), read=total)

    def request(self, http_request_options: Any) -> RESTResponse:
        options = http_request_options
        if self.pre_hook is not None:
            options = self.pre_hook(options)
        method = options.method
        url = options.url
        headers = dict(options.headers or {})
        headers.setdefault("Content-Type", "application/json")
        body: str | None = None
        fields: Any = None
        if method in ("POST", "PUT", "PATCH", "OPTIONS"):
            if options.query_params:
                url += "?" + urlencode(options.query_params)
            if headers["Content-Type"] == "application/x-www-form-urlencoded":
                body = urlencode(options.post_params or {})
            else:
                body = json.dumps(options.body)  # the SDK sends a literal null for "no body", so do we
        else:
            fields = options.query_params or None
        budget = _budget.get()
        if self.gate is not None:
            queued_at = self.clock.monotonic()
            self.gate()
            if budget is not None:  # time queued for a shared rate limit is not the call's own time
                budget.deadline += self.clock.monotonic() - queued_at
        timeout = self._timeout()
        if budget is not None:
            budget.requests += 1
        with self._lock:
            self.total_requests += 1
        try:
            raw = self.pool.request(
                method, url, body=body, fields=fields, headers=headers, timeout=timeout, retries=False
            )
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise TransportError(f"{method} {_path(url)}: connection timed out", maybe_sent=False) from exc
        except urllib3.exceptions.NewConnectionError as exc:
            raise TransportError(f"{method} {_path(url)}: connection failed", maybe_sent=False) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise TransportError(
                f"{method} {_path(url)}: no response within {timeout.read_timeout:.2f}s", maybe_sent=True
            ) from exc
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError) as exc:
            raise TransportError(
                f"{method} {_path(url)}: connection lost ({type(exc).__name__})", maybe_sent=True
            ) from exc
        response = RESTResponse(raw)
        response.data = response.data.decode("utf8") if isinstance(response.data, bytes) else response.data
        for observer in list(self.observers):
            observer(response.status, response.getheaders())
        if self.post_hook is not None:
            response = self.post_hook(response)
        if response.status not in range(200, 206):
            raise ApiException(http_resp=response)
        return response

    def __repr__(self) -> str:
        return f"Transport(timeout={self.timeout}, connect_timeout={self.connect_timeout})"


def _path(url: str) -> str:
    """The URL without scheme, host or query (for messages)."""
    rest = url.split("://", 1)[-1]
    path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return path.split("?", 1)[0]
