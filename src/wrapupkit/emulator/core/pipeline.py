"""The one dispatch path: a :class:`Request` in, a :class:`Response` (or a reset) out.

Pipeline for an API request: latency -> reset/stall before processing -> hold (on the clock) ->
scheduled failure -> ``tick()`` -> route -> bearer token -> rate limit -> permissions -> handler ->
stall/reset after processing -> corrupt (body, headers) -> trickle.  Every method (HEAD and OPTIONS
included) takes this path, so every answer is an ``ErrorBody`` with a correlation id, and lands in
the request log.  Control-plane requests
(``/__emulator__/...``) skip faults, auth and the request log.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wrapupkit.emulator.core.errors import EmulatorError
from wrapupkit.emulator.core.faults import Fault, Faults, RateState, RecordedRequest, RequestLog
from wrapupkit.emulator.core.http import Request, Response
from wrapupkit.emulator.core.routes import ApiRoute, allowed_methods, match


__all__ = ["CONTROL_PREFIX", "Authenticate", "ControlRoute", "Pipeline"]

CONTROL_PREFIX = "/__emulator__/"

S = TypeVar("S")

Authenticate = Callable[[str | None], tuple[str, "frozenset[str] | None"]]
"""Bearer value (None when absent) -> (rate-limit key, permissions or None for all); raises a 401."""


@dataclass(frozen=True)
class ControlRoute(Generic[S]):
    """A ``/__emulator__/`` route: *handler* gets the state and the JSON payload, returns JSON
    (or a whole :class:`Response`, as the HTML page does)."""

    method: str
    pattern: Any  # re.Pattern[str]
    handler: Callable[[S, dict[str, Any]], Any]


_log = logging.getLogger("wrapupkit.emulator")

# Default messages for scheduled failures (genesys-api.md 2.2 catalogue).
_FAULT_CODES = {
    429: "too.many.requests.retry.after",
    500: "internal.server.error",
    503: "service.unavailable",
}


_ANY_TEMPLATE = "You must have at least one of the following permissions assigned: {permissions}"
_RATE_TEMPLATE = "Rate limit exceeded the maximum [{limit}] requests within [{seconds}] seconds"


def _error_response(error: EmulatorError, context_id: str) -> Response:
    return Response.json(error.status, error.body(context_id))


def _missing_permissions(route: ApiRoute[Any], granted: frozenset[str] | None) -> EmulatorError | None:
    if granted is None:
        return None
    if route.any_of and not granted.intersection(route.any_of):
        names = ", ".join(route.any_of)
        return EmulatorError(
            403,
            "missing.any.permissions",
            f"You must have at least one of the following permissions assigned: {names}",
            {"permissions": names},
            message_with_params=_ANY_TEMPLATE,
        )
    missing = [p for p in route.all_of if p not in granted]
    if missing:
        names = ", ".join(missing)
        return EmulatorError(
            403,
            "missing.permissions",
            f"You are missing the following permission(s): {names}",
            {"permissions": names},
            message_with_params="You are missing the following permission(s): {permissions}",
        )
    return None


class _Landing:
    """A held request's release: when a fake clock is advanced past *until*, the advancing
    thread waits (briefly) until the request has been processed, so that what the client
    does after its sleep sees the held request's effect, deterministically."""

    def __init__(self, until: float) -> None:
        self.until = until
        self.release = threading.Event()
        self.landed = threading.Event()

    def advanced(self, now: float) -> None:
        if now >= self.until and not self.release.is_set():
            self.release.set()
            self.landed.wait(5.0)


def _corrupted(response: Response, fault: Fault) -> Response:
    """*response* with the fault's body and headers instead of its own."""
    names = {name.lower() for name, _ in fault.headers}
    headers = [(k, v) for k, v in response.headers if k.lower() not in names] + list(fault.headers)
    return Response(response.status, response.body if fault.body is None else fault.body, headers)


class _Trickled(Response):
    """An answer whose body goes out one byte at a time (the socket server calls :meth:`write_to`).

    With :attr:`head`, the server hands over the status line and headers too (``write_to(wfile, head)``).
    """

    head: bool = False

    def __init__(
        self,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]],
        interval: float,
        wait: Callable[[float], bool],
    ) -> None:
        super().__init__(status, body, headers)
        self._interval = interval
        self._pause = wait

    def write_to(self, wfile: Any, head: bytes = b"") -> None:
        data = head + self.body
        for i in range(len(data)):
            wfile.write(data[i : i + 1])
            wfile.flush()
            if self._pause(self._interval):
                return  # the emulator stops: leave the answer unfinished


def _bearer(req: Request) -> str | None:
    scheme, _, value = (req.header("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class Pipeline(Generic[S]):
    """Dispatches requests to the API handlers and the control plane of one emulator.

    Args:
        state: what every handler receives first.
        api_routes: the Genesys endpoints.
        control_routes: the ``/__emulator__/`` operations.
        faults: scheduled faults and the rate limiter.
        log: the request log.
        authenticate: checks a bearer value (see :data:`Authenticate`).
        tick: plays due timeline steps before each request.
        wait: blocks for real seconds (latency, stalls); returns early, and True, when the emulator stops.
    """

    def __init__(
        self,
        state: S,
        *,
        api_routes: Sequence[ApiRoute[S]],
        control_routes: Sequence[ControlRoute[S]],
        faults: Faults,
        log: RequestLog,
        authenticate: Authenticate,
        tick: Callable[[], None],
        wait: Callable[[float], bool],
    ) -> None:
        self.state = state
        self.api_routes = api_routes
        self.control_routes = control_routes
        self.faults = faults
        self.log = log
        self._authenticate = authenticate
        self._tick = tick
        self._wait = wait

    def handle(self, req: Request) -> Response | None:
        """Answer *req*; None means: reset the connection without a response."""
        if req.path.startswith(CONTROL_PREFIX):
            return self._control(req)
        return self._api(req)

    def _headers(self, response: Response, context_id: str, rate: RateState) -> Response:
        response.headers += [
            ("ININ-Correlation-Id", context_id),
            ("inin-ratelimit-allowed", str(rate.allowed)),
            ("inin-ratelimit-count", str(rate.count)),
            ("inin-ratelimit-reset", str(rate.reset)),
        ]
        return response

    def _control(self, req: Request) -> Response:
        context_id = str(uuid.uuid4())
        try:
            result = self._run_control(req)
            response = result if isinstance(result, Response) else Response.json(200, result)
        except EmulatorError as error:
            response = _error_response(error, context_id)
        return self._headers(response, context_id, self.faults.admit(None))

    def _run_control(self, req: Request) -> Any:
        found = match(self.control_routes, req.method, req.path)
        if found is None:
            raise EmulatorError(404, "not.found", f"No control route {req.method} {req.path}")
        route, args = found
        body = req.json()
        if body is not None and not isinstance(body, dict):
            raise EmulatorError(400, "bad.request", "The control body must be a JSON object.")
        payload: dict[str, Any] = {**req.flat_query(), **(body or {}), **args}
        self._tick()
        return route.handler(self.state, payload)

    def _api(self, req: Request) -> Response | None:
        context_id = str(uuid.uuid4())
        method, path = req.method, req.path
        latency = self.faults.latency(method, path)
        if latency > 0:
            self._wait(latency)
        reset = self.faults.take("reset", method, path)
        stall = self.faults.take("stall", method, path)
        if reset is not None and not reset.after_processing:
            self._record(req, 0)
            return None
        if stall is not None and not stall.after_processing and self._wait(stall.seconds):
            self._record(req, 0)  # stopped mid-stall: drop the connection rather than half-answer
            return None
        hold = self.faults.take("hold", method, path)
        landing = self._hold(hold.seconds) if hold is not None else None
        if hold is not None and landing is None:
            self._record(req, 0)  # stopped mid-hold: nothing applied, nothing answered
            return None
        failure = self.faults.take("fail", method, path)
        try:
            if failure is not None:
                response = self._headers(
                    self._failure(failure, context_id), context_id, self.faults.admit(None)
                )
            else:
                response = self._process(req, context_id)
        finally:
            if landing is not None:
                landing.landed.set()
        if reset is not None:
            self._record(req, 0)
            return None
        self._record(req, response.status)
        if stall is not None and stall.after_processing and self._wait(stall.seconds):
            return None  # stopped mid-stall: the effect stands, the answer is dropped (like reset_next)
        corrupt = self.faults.take("corrupt", method, path)
        if corrupt is not None:
            response = _corrupted(response, corrupt)
        trickle = self.faults.take("trickle", method, path)
        if trickle is not None:
            trickled = _Trickled(
                response.status, response.body, response.headers, trickle.seconds, self._wait
            )
            trickled.head = trickle.head
            return trickled
        return response

    def _hold(self, seconds: float) -> _Landing | None:
        """Wait until *seconds* pass on the emulator's clock.

        Returns what the processing must signal when done (see :class:`_Landing`), or None
        when the emulator stops first.
        """
        clock = self.faults.clock
        landing = _Landing(clock.monotonic() + seconds)
        on_advance = getattr(clock, "on_advance", None)
        remove = on_advance(landing.advanced) if on_advance is not None else None
        try:
            while not landing.release.wait(0.01):
                if clock.monotonic() >= landing.until:
                    break
                if self._wait(0.0):
                    landing.landed.set()
                    return None
        finally:
            if remove is not None:
                remove()
        return landing

    def _failure(self, fault: Fault, context_id: str) -> Response:
        code = fault.code or _FAULT_CODES.get(fault.status)
        error = EmulatorError(fault.status, code, fault.message)
        response = _error_response(error, context_id)
        if fault.retry_after is not None:
            response.headers.append(("Retry-After", f"{fault.retry_after:g}"))
        return response

    def _process(self, req: Request, context_id: str) -> Response:
        rates = [self.faults.admit(None)]
        try:
            response = self._run_api(req, context_id, rates)
        except EmulatorError as error:
            response = _error_response(error, context_id)
        except Exception:  # noqa: BLE001 (an emulator bug: answer like the real 500, log the traceback)
            _log.exception("emulator handler failed for %s %s", req.method, req.path)
            response = _error_response(EmulatorError(500, "internal.server.error"), context_id)
        return self._headers(response, context_id, rates[-1])

    def _run_api(self, req: Request, context_id: str, rates: list[RateState]) -> Response:
        self._tick()
        found = match(self.api_routes, req.method, req.path)
        if found is None:
            return self._unrouted(req)
        route, args = found
        if route.auth:
            key, permissions = self._authenticate(_bearer(req))
            rates.append(self.faults.admit(key))
            if rates[-1].retry_after is not None:
                return self._rate_limited(rates[-1], context_id)
            denied = _missing_permissions(route, permissions)
            if denied is not None:
                raise denied
        return route.handler(self.state, req, args)

    def _unrouted(self, req: Request) -> Response:
        """No route: OPTIONS lists the methods of a known path (``Allow``); anything else is a 404."""
        methods = allowed_methods(self.api_routes, req.path)
        if methods and req.method == "OPTIONS":
            return Response(200, headers=[("Allow", ", ".join([*methods, "OPTIONS"]))])
        raise EmulatorError(404, "not.found", "The requested operation failed with status 404")

    @staticmethod
    def _rate_limited(rate: RateState, context_id: str) -> Response:
        limit, per = str(rate.allowed), f"{rate.per:g}"
        error = EmulatorError(
            429,
            "too.many.requests.retry.after",
            f"Rate limit exceeded the maximum [{limit}] requests within [{per}] seconds",
            {"limit": limit, "seconds": per},
            message_with_params=_RATE_TEMPLATE,
        )
        response = _error_response(error, context_id)
        response.headers.append(("Retry-After", str(rate.retry_after)))
        return response

    def _record(self, req: Request, status: int) -> None:
        headers = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in req.headers.items()}
        self.log.append(
            RecordedRequest(
                method=req.method,
                path=req.path,
                query=req.flat_query(),
                body=req.logged_body(),
                status=status,
                headers=headers,
            )
        )
