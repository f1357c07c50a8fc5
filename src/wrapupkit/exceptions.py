"""The exceptions wrapupkit raises: one root, typed leaves, context as attributes.

::

    WrapupkitError
    ├── ConfigurationError (ValueError)        bad arguments or settings, found before any network call
    │   ├── InvalidType (TypeError)             an argument or setting of the wrong type
    │   └── InvalidInput                        a malformed id, a blank code, notes or tags out of range
    ├── WrapupCodeError (LookupError)
    │   └── UnknownWrapupCode                   not in the queue's (or participant's) code set
    ├── ParticipantError (LookupError)         .candidates: the legs, with user, state, media, times
    │   ├── ParticipantNotFound                 no agent leg matches
    │   │   └── NotAnsweredYet                  no leg connected before the deadline; an offer still rings
    │   └── AmbiguousParticipant                legs of several users await a wrap-up
    ├── InteractionTypeMismatch                 caller's media_type differs from the communication's
    ├── UnsupportedInteraction                  that media cannot take a wrap-up through the API
    ├── AlreadyWrappedUp                        a different code is already applied
    ├── NotReadyError
    │   ├── ReadinessTimeout (TimeoutError)     the deadline passed before the communication was ready
    │   └── ReadinessFailed                     the strategy gave up (for example ACW was skipped)
    ├── IntentError                             a wrap-up intent could not be recorded or carried out
    │   ├── IntentConflict                      a pending intent for that leg names another code
    │   └── StoreError                          the intent store is unreachable or refused the operation
    ├── AuthenticationError                     the token request failed
    ├── TransportError (ConnectionError)        no usable HTTP response (reset, refused, timed out)
    └── GenesysAPIError                         an HTTP error from Genesys: .status, .code, .correlation_id
        ├── BadRequest (400)
        ├── Unauthorized (401)
        ├── Forbidden (403)                     .missing_permissions
        ├── NotFound (404)
        ├── Conflict (409)
        ├── RateLimited (429)                   .retry_after
        └── ServerError (5xx)
            └── ServiceUnavailable (503)

Messages never contain tokens, client secrets or wrap-up notes.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs


__all__ = [
    "AlreadyWrappedUp",
    "AmbiguousParticipant",
    "AuthenticationError",
    "BadRequest",
    "Candidate",
    "ConfigurationError",
    "Conflict",
    "Forbidden",
    "GenesysAPIError",
    "IntentConflict",
    "IntentError",
    "InteractionTypeMismatch",
    "InvalidInput",
    "InvalidType",
    "NotAnsweredYet",
    "NotFound",
    "NotReadyError",
    "ParticipantError",
    "ParticipantNotFound",
    "RateLimited",
    "ReadinessFailed",
    "ReadinessTimeout",
    "ServerError",
    "ServiceUnavailable",
    "StoreError",
    "TransportError",
    "Unauthorized",
    "UnknownWrapupCode",
    "UnsupportedInteraction",
    "WrapupCodeError",
    "WrapupkitError",
]


class WrapupkitError(Exception):
    """The root of every exception wrapupkit raises on purpose.

    Every subclass pickles with its context attributes (across processes, in a bulk
    journal's worker pool, through ``concurrent.futures``), whatever its ``__init__`` takes.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ConfigurationError(WrapupkitError, ValueError):
    """A setting or argument is wrong; raised before any network call."""


class InvalidType(ConfigurationError, TypeError):
    """An argument or setting has the wrong type (also a :class:`TypeError`).

    .. versionadded:: 0.1.0
    """


class InvalidInput(ConfigurationError):
    """An argument to :meth:`~wrapupkit.WrapupClient.apply_wrapup` is malformed.

    Attributes:
        field: the argument's name (``"conversation_id"``, ``"code"``, ``"notes"`` ...).
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"Invalid {field}: {problem}.")


class WrapupCodeError(WrapupkitError, LookupError):
    """A wrap-up code could not be used."""


class UnknownWrapupCode(WrapupCodeError):
    """The code is neither a name (exact, case-sensitive) nor an id in the applicable code set.

    Attributes:
        code: what the caller asked for.
        queue_id: the queue whose set was searched (``None`` for a participant's own list).
        suggestions: close matches by name, best first ("Survey Complete" for "survey complete").
        in_org: ``True`` when a code of that name exists in the org but not in this set.
    """

    def __init__(
        self,
        code: str,
        *,
        queue_id: str | None,
        suggestions: Sequence[str] = (),
        in_org: bool = False,
    ) -> None:
        self.code = code
        self.queue_id = queue_id
        self.suggestions = tuple(suggestions)
        self.in_org = in_org
        where = f"queue {queue_id}" if queue_id else "the participant's wrap-up code list"
        msg = f"Wrap-up code {code!r} is not in {where}"
        if in_org:
            msg += " (a code with that name exists in the org, but is not assigned to this queue)"
        if self.suggestions:
            msg += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        else:
            msg += "."
        super().__init__(msg)


@attrs.frozen
class Candidate:
    """One agent leg of a conversation, as the errors that list legs describe it.

    Attributes:
        participant_id: the leg's participant id (pass it as ``participant_id``).
        user_id: the agent's user id.
        purpose: ``"agent"`` (an ACD leg) or ``"user"`` (a direct call).
        state: the state of the leg's chosen communication (``"disconnected"``, ``"alerting"`` ...).
        media: its media array (``"calls"``, ``"callbacks"`` ...).
        connected_time: when the leg connected (ISO 8601), or ``None`` for an offer never answered.
        end_time: when the leg ended, if it has.
        awaiting: whether the leg awaits a wrap-up.

    .. versionadded:: 0.1.0
    """

    participant_id: str
    user_id: str | None = None
    purpose: str | None = None
    state: str | None = None
    media: str | None = None
    connected_time: str | None = None
    end_time: str | None = None
    awaiting: bool = False

    def __str__(self) -> str:
        when = f"connected {self.connected_time}" if self.connected_time else "never connected"
        wait = ", awaiting wrap-up" if self.awaiting else ""
        return (
            f"{self.participant_id} (user {self.user_id}, {self.purpose}, {self.media or 'no media'} "
            f"{self.state or 'unknown'}, {when}{wait})"
        )


def _candidate(value: Candidate | tuple[str, str | None]) -> Candidate:
    return value if isinstance(value, Candidate) else Candidate(value[0], value[1])


class ParticipantError(WrapupkitError, LookupError):
    """The agent participant to wrap up could not be chosen.

    Attributes:
        conversation_id: the conversation searched.
        candidates: the agent legs that exist (or, for :class:`AmbiguousParticipant`, those
            that compete), as :class:`Candidate` values.
    """

    def __init__(
        self,
        message: str,
        *,
        conversation_id: str,
        candidates: Sequence[Candidate | tuple[str, str | None]],
    ) -> None:
        self.conversation_id = conversation_id
        self.candidates = tuple(_candidate(c) for c in candidates)
        super().__init__(message)


class ParticipantNotFound(ParticipantError):
    """No agent participant in the conversation matches the request."""


class NotAnsweredYet(ParticipantNotFound):
    """No agent leg has connected yet, but an offer is still ringing; raised when the wait runs out."""


class AmbiguousParticipant(ParticipantError):
    """Agent legs of several users await a wrap-up; pass ``participant_id`` or ``user_id`` to choose."""


class InteractionTypeMismatch(WrapupkitError):
    """The caller's *media_type* differs from the communication's media type.

    Attributes:
        expected: what the caller passed.
        actual: the communication's media type.
    """

    def __init__(self, *, expected: str, actual: str, conversation_id: str) -> None:
        self.expected = expected
        self.actual = actual
        self.conversation_id = conversation_id
        super().__init__(
            f"Conversation {conversation_id} is a {actual} interaction, not {expected}; nothing was written."
        )


class UnsupportedInteraction(WrapupkitError):
    """The communication's media type has no wrap-up endpoint in the installed SDK.

    Attributes:
        media: the media name as Genesys reports it (``"chats"``, ``"internalMessages"`` ...).
    """

    def __init__(self, media: str, reason: str) -> None:
        self.media = media
        self.reason = reason
        super().__init__(f"Cannot apply a wrap-up to a {media} communication: {reason}")


class AlreadyWrappedUp(WrapupkitError):
    """A different wrap-up code is already applied, and overwriting was not asked for.

    Outbound wrap-up rules and mapping actions run only on the first wrap-up, so
    wrapupkit never replaces one silently.  Pass ``overwrite=True`` to replace it.

    Attributes:
        existing_code: the id of the code already applied (``ININ-WRAP-UP-TIMEOUT`` after an ACW timeout).
        requested_code: the id of the code asked for.
        existing_name: the applied code's name, when the queue's code set names it.
        requested_name: the requested code's name.
    """

    def __init__(
        self,
        *,
        conversation_id: str,
        participant_id: str,
        existing_code: str,
        requested_code: str,
        existing_name: str | None = None,
        requested_name: str | None = None,
    ) -> None:
        self.conversation_id = conversation_id
        self.participant_id = participant_id
        self.existing_code = existing_code
        self.requested_code = requested_code
        self.existing_name = existing_name
        self.requested_name = requested_name
        super().__init__(
            f"Participant {participant_id} of conversation {conversation_id} already has wrap-up code "
            f"{_named(existing_name, existing_code)}; not replacing it with "
            f"{_named(requested_name, requested_code)} (pass overwrite=True to replace)."
        )


class NotReadyError(WrapupkitError):
    """The communication never became ready for a wrap-up.

    Attributes:
        reason: the readiness strategy's last reason.
        waited: seconds spent waiting.
        attempts: readiness checks made.
        last_snapshot: the last :class:`~wrapupkit.CommunicationSnapshot` seen, if any.
    """

    def __init__(
        self, reason: str, *, waited: float = 0.0, attempts: int = 0, last_snapshot: Any = None
    ) -> None:
        self.reason = reason
        self.waited = waited
        self.attempts = attempts
        self.last_snapshot = last_snapshot
        super().__init__(self._message())

    def _message(self) -> str:
        return f"Not ready for wrap-up: {self.reason}"


class ReadinessTimeout(NotReadyError, TimeoutError):
    """The deadline passed before the communication was ready; nothing was written."""

    def _message(self) -> str:
        return (
            f"Timed out after {self.waited:.1f}s and {self.attempts} readiness check(s); "
            f"last state: {self.reason}. Nothing was written."
        )


class ReadinessFailed(NotReadyError):
    """The readiness strategy decided the wrap-up cannot be applied; nothing was written."""


class IntentError(WrapupkitError):
    """A wrap-up intent could not be recorded, claimed or carried out.

    .. versionadded:: 0.1.0
    """


class IntentConflict(IntentError):
    """A pending intent for the same conversation and leg names another code.

    Re-intending the same code is idempotent; replacing a pending intent's code is done
    only when asked for (``replace=True``).

    Attributes:
        intent_id: the pending intent's id.
        existing_code: the code the pending intent names.
        requested_code: the code asked for now.
    """

    def __init__(self, *, intent_id: str, existing_code: str, requested_code: str) -> None:
        self.intent_id = intent_id
        self.existing_code = existing_code
        self.requested_code = requested_code
        super().__init__(
            f"Intent {intent_id} is pending with code {existing_code!r}; not replacing it with "
            f"{requested_code!r} (pass replace=True to replace it)."
        )


class StoreError(IntentError):
    """The intent store is unreachable, or refused or could not complete an operation.

    The message names the store by its URL with any password removed.
    """


class AuthenticationError(WrapupkitError):
    """Logging in with client credentials failed (the secret is never part of the message).

    Attributes:
        status: the HTTP status of the answer that refused the login, if there was one.
        correlation_id: that answer's ``ININ-Correlation-Id``: quote it to Genesys support.
    """

    def __init__(self, message: str, *, status: int | None = None, correlation_id: str | None = None) -> None:
        self.status = status
        self.correlation_id = correlation_id
        super().__init__(message)


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


def _named(name: str | None, code_id: str) -> str:
    """A code as people read it and as the API takes it: ``'Sale' (id 3f2…)``."""
    return f"{name!r} (id {code_id})" if name else code_id


def _rebuild(klass: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    """Unpickle an exception whose ``__init__`` takes keyword-only context."""
    exc = klass.__new__(klass, *args)  # OSError-based leaves (TimeoutError ...) need their own __new__
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc
