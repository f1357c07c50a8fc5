"""The root of wrapupkit's exceptions, and the errors of an HTTP exchange: transport and status.

Private: import every name from :mod:`wrapupkit.exceptions` (or :mod:`wrapupkit`), where each
class says it lives (its ``__module__``), so pickles, reprs and the API reference name it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from wrapupkit._trail import Trail


if TYPE_CHECKING:
    pass


__all__ = [
    "BadRequest",
    "Conflict",
    "DeadlineExceeded",
    "Forbidden",
    "GenesysAPIError",
    "NotFound",
    "RateLimited",
    "ServerError",
    "ServiceUnavailable",
    "TransportError",
    "Unauthorized",
    "WrapupkitError",
]

_HOME = "wrapupkit.exceptions"


class WrapupkitError(Exception):
    """The root of every exception wrapupkit raises on purpose.

    Every subclass pickles with its context attributes (across processes, in a bulk
    journal's worker pool, through ``concurrent.futures``), whatever its ``__init__`` takes.

    Attributes:
        trail: raised by :meth:`~wrapupkit.WrapupClient.apply_wrapup` after it read the
            conversation, how the call went (a :class:`~wrapupkit.Trail`, for
            :func:`wrapupkit.explain_outcome`); else ``None``.
    """

    trail: Trail | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class TransportError(WrapupkitError, ConnectionError):
    """No usable HTTP response: connection refused or reset, or the request timed out.

    Attributes:
        maybe_sent: the request may have reached Genesys (a read timeout or a reset
            after sending), so a write's outcome is unknown.
        refused: the host refused the connection (a wrong host or port, or an emulator
            that is not running): it is not retried.
    """

    def __init__(self, message: str, *, maybe_sent: bool, refused: bool = False) -> None:
        self.maybe_sent = maybe_sent
        self.refused = refused
        super().__init__(message)


class DeadlineExceeded(TransportError, TimeoutError):
    """The call's deadline came while it waited here, before a request went out; nothing was sent.

    Raised for local waits: a turn at a :class:`~wrapupkit.RateLimiter`, another thread's
    fetch of the same code set, a notification channel busy being created.  It is a
    :class:`TimeoutError` (catch it as one) and a :class:`TransportError` with ``maybe_sent``
    false.  A longer ``timeout`` or a gentler rate limit avoids it.

    .. versionadded:: 0.1.0
    """

    def __init__(self, message: str, *, maybe_sent: bool = False, refused: bool = False) -> None:
        super().__init__(message, maybe_sent=maybe_sent, refused=refused)


class GenesysAPIError(WrapupkitError):
    """Genesys Cloud answered with an HTTP error.

    Attributes:
        status: the HTTP status.
        code: the Genesys error code (``"not.found"``, ``"missing.any.permissions"`` ...).
        message: the Genesys error message.
        correlation_id: ``ININ-Correlation-Id`` (or the body's ``contextId``): quote it to Genesys support.
        body: the parsed error body (a dict; empty when it was not JSON).
    """

    def __init__(
        self,
        status: int,
        *,
        code: str | None = None,
        message: str | None = None,
        correlation_id: str | None = None,
        body: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.correlation_id = correlation_id
        self.body = dict(body or {})
        self.retry_after = retry_after
        super().__init__(self._format())

    def _format(self) -> str:
        text = f"HTTP {self.status}"
        if self.code:
            text += f" {self.code}"
        if self.message:
            text += f": {self.message}"
        if self.correlation_id:
            text += f" (correlation id {self.correlation_id})"
        return text


class BadRequest(GenesysAPIError):
    """HTTP 400: Genesys rejected the request (``bad.request``, ``invalid.value`` ...)."""


class Unauthorized(GenesysAPIError):
    """HTTP 401: the token is missing, invalid or expired."""


class Forbidden(GenesysAPIError):
    """HTTP 403: a permission is missing, or the conversation is no longer accessible.

    Attributes:
        missing_permissions: the permissions Genesys named, if any
            (``("conversation:participant:wrapup",)``).
    """

    @property
    def missing_permissions(self) -> tuple[str, ...]:
        found: list[str] = []
        params = self.body.get("messageParams")
        if isinstance(params, dict):
            for value in params.values():
                found.extend(p.strip() for p in str(value).split(",") if ":" in p)
        if not found and self.message and "permission" in self.message:
            tail = self.message.rsplit(":", 1)[-1] if self.message.count(":") > 2 else ""
            found.extend(p.strip(" .") for p in tail.split(",") if ":" in p)
        return tuple(dict.fromkeys(found))

    def _format(self) -> str:
        text = super()._format()
        missing = self.missing_permissions
        if missing and not (self.message and all(p in self.message for p in missing)):
            text += "; missing permission: " + ", ".join(missing)
        return text


class NotFound(GenesysAPIError):
    """HTTP 404: the conversation, participant, communication, queue or code does not exist."""


class Conflict(GenesysAPIError):
    """HTTP 409: the request conflicts with the current state."""


class RateLimited(GenesysAPIError):
    """HTTP 429, after wrapupkit's own retries ran out or the wait would exceed the cap.

    Attributes:
        retry_after: seconds Genesys asked to wait (``Retry-After``), if it said.
    """


class ServerError(GenesysAPIError):
    """HTTP 5xx: a Genesys-side failure (retried with backoff before it reaches you)."""


class ServiceUnavailable(ServerError):
    """HTTP 503."""


def _rebuild(klass: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    """Unpickle an exception whose ``__init__`` takes keyword-only context."""
    exc = klass.__new__(klass, *args)  # OSError-based leaves (TimeoutError ...) need their own __new__
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


for _klass in (
    WrapupkitError,
    TransportError,
    DeadlineExceeded,
    GenesysAPIError,
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    ServerError,
    ServiceUnavailable,
):
    _klass.__module__ = _HOME
