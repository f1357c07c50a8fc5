"""The HTTP client wrapupkit installs into the SDK's ``ApiClient``.

The SDK's default client retries POSTs on 429 up to ten times and never applies
its timeout setting (genesys-api.md 4.2).  :class:`Transport` replaces it through
the SDK's own seam, ``ApiClient.set_http_client()``: urllib3 with ``retries=False``,
a real connect/read timeout on every request, shrunk to what is left of the
current call's deadline (which also bounds the whole answer, read in chunks, and the
time queued at a gate), a count of the requests each call makes, and the gates
(rate limiters) installed on it.  Every failure leaves it as a wrapupkit exception
(:mod:`wrapupkit._http._errors`), so the SDK never raises one of its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import urllib3

from wrapupkit._http._sdkload import sdk  # noqa: F401  (the lazy SDK before any of its modules)


# isort: split
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient
from PureCloudPlatformClientV2.rest import RESTResponse

from wrapupkit._clock import Clock, SystemClock
from wrapupkit._http._auth import header_safe
from wrapupkit._http._errors import error_from_response, error_from_urllib3, path_of
from wrapupkit._http._share import Gate
from wrapupkit.exceptions import ConfigurationError, TransportError


__all__ = ["CallBudget", "Gate", "Transport", "current_budget"]

# Bytes read from the socket at a time; the deadline is checked between reads.
_CHUNK = 64 * 1024


class CallBudget:
    """The deadline and request counter of one wrapupkit call. Strictly private."""

    __slots__ = ("clock", "deadline", "requests", "writes")

    def __init__(self, clock: Clock, deadline: float) -> None:
        self.clock = clock
        self.deadline = deadline
        self.requests = 0
        self.writes = 0  # wrap-up POSTs that went out, retries included

    def remaining(self) -> float:
        return self.deadline - self.clock.monotonic()


_budget: contextvars.ContextVar[CallBudget | None] = contextvars.ContextVar("wrapupkit_budget", default=None)


def current_budget() -> CallBudget | None:
    """The budget of the call running in this context, if any."""
    return _budget.get()


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
        self._gates: list[Gate] = []
        self._shared_gate: Gate | None = None
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def budget(self, deadline: float) -> Iterator[CallBudget]:
        """Bound every request made inside the block by *deadline* (on :attr:`clock`) and count them."""
        budget = CallBudget(self.clock, deadline)
        token = _budget.set(budget)
        try:
            yield budget
        finally:
            _budget.reset(token)

    @contextlib.contextmanager
    def gated(self, gate: Gate) -> Iterator[None]:
        """Pass every request of the block through *gate*; concurrent blocks each remove only their own."""
        with self._lock:
            self._gates.append(gate)
        try:
            yield
        finally:
            with self._lock:
                self._gates.remove(gate)

    def share_gate(self, gate: Gate | None) -> None:
        """Pass every request from now on through *gate* (the fleet's shared budget), after the
        gates of :meth:`gated` blocks; ``None`` removes it."""
        with self._lock:
            self._shared_gate = gate

    @property
    def gates(self) -> tuple[Gate, ...]:
        """The gates installed now."""
        with self._lock:
            shared = () if self._shared_gate is None else (self._shared_gate,)
            return (*self._gates, *shared)

    def _timeout(self, budget: CallBudget | None) -> urllib3.Timeout:
        total = float(self.timeout)
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
        method, url = options.method, options.url
        headers = dict(options.headers or {})
        headers.setdefault("Content-Type", "application/json")
        for name, value in headers.items():  # http.client would echo a bad value (a token) in its error
            if not header_safe(str(value)):
                raise ConfigurationError(
                    f"The {name} header holds a control character or a character outside Latin-1; "
                    "nothing was sent."
                )
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
        gates = self.gates
        for gate in gates:  # time queued at a rate limiter counts against the call's deadline
            gate.acquire(budget.deadline if budget is not None else None)
        timeout = self._timeout(budget)
        if budget is not None:
            budget.requests += 1
            if method == "POST" and path_of(url).endswith("/wrapup"):
                budget.writes += 1
        response = self._send(method, url=url, body=body, fields=fields, headers=headers, timeout=timeout)
        status = int(response.status)
        response_headers = {str(k): str(v) for k, v in response.getheaders().items()}
        for gate in gates:
            gate.observe(status, response_headers)
        if self.post_hook is not None:
            response = self.post_hook(response)
        if status not in range(200, 206):
            raise error_from_response(status, response.data, response_headers)
        if isinstance(response.data, bytes):
            try:
                response.data = response.data.decode("utf8")
            except UnicodeDecodeError:
                raise TransportError(
                    f"{method} {path_of(url)}: HTTP {status} with a body that is not UTF-8", maybe_sent=True
                ) from None
        content_type = next((v for k, v in response_headers.items() if k.lower() == "content-type"), "json")
        if response.data and "json" in content_type.lower():
            try:
                json.loads(response.data)
            except ValueError:  # the SDK would hand the text on as if it were the model
                raise TransportError(
                    f"{method} {path_of(url)}: HTTP {status} with a body that is not JSON", maybe_sent=True
                ) from None
        return response

    def _send(
        self,
        method: str,
        *,
        url: str,
        body: str | None,
        fields: Any,
        headers: dict[str, str],
        timeout: urllib3.Timeout,
    ) -> RESTResponse:
        """One request; the whole answer (not each read from the socket) must arrive within *timeout*."""
        total = float(timeout.read_timeout or self.timeout)
        give_up_at = time.monotonic() + total  # real seconds: this bounds socket I/O
        try:
            raw = self.pool.request(
                method,
                url,
                body=body,
                fields=fields,
                headers=headers,
                timeout=timeout,
                retries=False,
                preload_content=False,
            )
            chunks: list[bytes] = []
            try:
                while (chunk := _read_some(raw, give_up_at)) != b"":
                    if chunk is None:
                        raw.close()  # a trickling server: drop the connection, not the deadline
                        raise TransportError(
                            f"{method} {path_of(url)}: the answer did not arrive within {total:.2f}s",
                            maybe_sent=True,
                        )
                    chunks.append(chunk)
            finally:
                raw.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise error_from_urllib3(exc, method, url, timeout.read_timeout) from exc
        response = RESTResponse(raw)
        response.data = b"".join(chunks)
        return response

    def __repr__(self) -> str:
        return f"Transport(timeout={self.timeout}, connect_timeout={self.connect_timeout})"


def _read_some(raw: Any, give_up_at: float) -> bytes | None:
    """The next bytes of *raw*'s body (``b""`` at its end), or None once real time passes *give_up_at*.

    The socket's timeout is shrunk to what is left, so one slow read cannot outlast it either.
    """
    left = give_up_at - time.monotonic()
    if left <= 0:
        return None
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(left)
    try:
        chunk: bytes = raw.read1(_CHUNK)
    except urllib3.exceptions.ReadTimeoutError:
        return None
    return chunk
