"""wrapupkit: apply Genesys Cloud wrap-up codes right after an interaction ends.

The right code, on the right endpoint, at the first moment the platform accepts
it, exactly once.  ``import wrapupkit`` is cheap: the Genesys SDK is imported
only when a client is first created.
"""

import logging
import typing

from wrapupkit import exceptions
from wrapupkit._clock import Clock, SystemClock
from wrapupkit._media import MediaType
from wrapupkit._models import CodeSet, CommunicationSnapshot, WrapupCode, WrapupResult
from wrapupkit._readiness import (
    DEADLINE,
    AsyncEventSource,
    CallInfo,
    Decision,
    EventSource,
    FunctionStrategy,
    Immediate,
    Optimistic,
    Polling,
    ReadinessContext,
    ReadinessStrategy,
    WaitRequest,
    is_not_yet,
    is_unclear,
    judge,
    may_enter_acw,
)
from wrapupkit._trail import Trail
from wrapupkit._version import __version__
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    AmbiguousParticipant,
    AuthenticationError,
    BadRequest,
    Candidate,
    ConfigurationError,
    Conflict,
    DeadlineExceeded,
    Forbidden,
    GenesysAPIError,
    IntentConflict,
    IntentError,
    InteractionTypeMismatch,
    InvalidInput,
    InvalidType,
    NotAnsweredYet,
    NotFound,
    NotReadyError,
    ParticipantError,
    ParticipantNotFound,
    RateLimited,
    ReadinessFailed,
    ReadinessTimeout,
    ServerError,
    ServiceUnavailable,
    StoreError,
    TransportError,
    Unauthorized,
    UnknownWrapupCode,
    UnsupportedInteraction,
    WrapupCodeError,
    WrapupkitError,
)


# The clients, bulk runs and the notification channel load on first use, so that ``import
# wrapupkit`` stays cheap (about 0.05 s): a type checker sees them here, and only here, so a
# misspelt name is still an error for it (the runtime hook below is invisible to it).
if typing.TYPE_CHECKING:
    from wrapupkit._aclient import AsyncWrapupClient
    from wrapupkit._api import apply_wrapup
    from wrapupkit._client import ClientOptions, WrapupClient
    from wrapupkit._explain import (
        ExplainedCommunication,
        ExplainedLeg,
        Explanation,
        capture_conversation,
        explain_conversation,
        explain_outcome,
    )
    from wrapupkit._http import RateLimiter, RetryPolicy
    from wrapupkit._readiness._notifications import Notifications, NotificationStatus
    from wrapupkit._timeline import Timeline, render_timeline
    from wrapupkit.bulk import BulkItem, BulkOutcome, BulkReport, BulkStatus, apply_many
    from wrapupkit.bulk._async_runner import apply_many_async
else:
    _LAZY = {
        "AsyncWrapupClient": "wrapupkit._aclient",
        "apply_wrapup": "wrapupkit._api",
        "ClientOptions": "wrapupkit._client",
        "WrapupClient": "wrapupkit._client",
        "ExplainedCommunication": "wrapupkit._explain",
        "ExplainedLeg": "wrapupkit._explain",
        "Explanation": "wrapupkit._explain",
        "capture_conversation": "wrapupkit._explain",
        "explain_conversation": "wrapupkit._explain",
        "explain_outcome": "wrapupkit._explain",
        "RateLimiter": "wrapupkit._http",
        "RetryPolicy": "wrapupkit._http",
        "Notifications": "wrapupkit._readiness._notifications",
        "NotificationStatus": "wrapupkit._readiness._notifications",
        "Timeline": "wrapupkit._timeline",
        "render_timeline": "wrapupkit._timeline",
        "BulkItem": "wrapupkit.bulk",
        "BulkOutcome": "wrapupkit.bulk",
        "BulkReport": "wrapupkit.bulk",
        "BulkStatus": "wrapupkit.bulk",
        "apply_many": "wrapupkit.bulk",
        "apply_many_async": "wrapupkit.bulk._async_runner",
    }

    def __getattr__(name):
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'wrapupkit' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__():
        return sorted(set(globals()) | set(_LAZY))


# A library logs, an application decides where logs go (and nothing reaches stderr by default).
logging.getLogger("wrapupkit").addHandler(logging.NullHandler())

__all__ = [
    "DEADLINE",
    "AlreadyWrappedUp",
    "AmbiguousParticipant",
    "AsyncEventSource",
    "AsyncWrapupClient",
    "AuthenticationError",
    "BadRequest",
    "BulkItem",
    "BulkOutcome",
    "BulkReport",
    "BulkStatus",
    "CallInfo",
    "Candidate",
    "ClientOptions",
    "Clock",
    "CodeSet",
    "CommunicationSnapshot",
    "ConfigurationError",
    "Conflict",
    "DeadlineExceeded",
    "Decision",
    "EventSource",
    "ExplainedCommunication",
    "ExplainedLeg",
    "Explanation",
    "Forbidden",
    "FunctionStrategy",
    "GenesysAPIError",
    "Immediate",
    "IntentConflict",
    "IntentError",
    "InteractionTypeMismatch",
    "InvalidInput",
    "InvalidType",
    "MediaType",
    "NotAnsweredYet",
    "NotFound",
    "NotReadyError",
    "NotificationStatus",
    "Notifications",
    "Optimistic",
    "ParticipantError",
    "ParticipantNotFound",
    "Polling",
    "RateLimited",
    "RateLimiter",
    "ReadinessContext",
    "ReadinessFailed",
    "ReadinessStrategy",
    "ReadinessTimeout",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "StoreError",
    "SystemClock",
    "Timeline",
    "Trail",
    "TransportError",
    "Unauthorized",
    "UnknownWrapupCode",
    "UnsupportedInteraction",
    "WaitRequest",
    "WrapupClient",
    "WrapupCode",
    "WrapupCodeError",
    "WrapupResult",
    "WrapupkitError",
    "__version__",
    "apply_many",
    "apply_many_async",
    "apply_wrapup",
    "capture_conversation",
    "exceptions",
    "explain_conversation",
    "explain_outcome",
    "is_not_yet",
    "is_unclear",
    "judge",
    "may_enter_acw",
    "render_timeline",
]
