"""wrapupkit: apply Genesys Cloud wrap-up codes right after an interaction ends.

The right code, on the right endpoint, at the first moment the platform accepts
it, exactly once.  ``import wrapupkit`` is cheap: the Genesys SDK is imported
only when a client is first created.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from wrapupkit import exceptions
from wrapupkit._api import apply_wrapup
from wrapupkit._clock import Clock, SystemClock
from wrapupkit._media import MediaType
from wrapupkit._models import CodeSet, CommunicationSnapshot, WrapupCode, WrapupResult
from wrapupkit._readiness import (
    Decision,
    FunctionStrategy,
    Immediate,
    Optimistic,
    Polling,
    ReadinessContext,
    ReadinessStrategy,
    Waiter,
)
from wrapupkit._retry import RetryPolicy
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    AmbiguousParticipant,
    GenesysAPIError,
    InteractionTypeMismatch,
    ParticipantNotFound,
    ReadinessTimeout,
    UnknownWrapupCode,
    WrapupkitError,
)


if TYPE_CHECKING:
    from wrapupkit._client import WrapupClient
    from wrapupkit._notifications import Notifications, NotificationStatus
    from wrapupkit._ratelimit import RateLimiter
    from wrapupkit.bulk import BulkItem, BulkOutcome, BulkReport, BulkStatus, apply_many

# Names imported on first use, so that `import wrapupkit` stays cheap.
_LAZY = {
    "WrapupClient": "wrapupkit._client",
    "BulkItem": "wrapupkit.bulk",
    "BulkOutcome": "wrapupkit.bulk",
    "BulkReport": "wrapupkit.bulk",
    "BulkStatus": "wrapupkit.bulk",
    "apply_many": "wrapupkit.bulk",
    "RateLimiter": "wrapupkit._ratelimit",
    "Notifications": "wrapupkit._notifications",
    "NotificationStatus": "wrapupkit._notifications",
}

# A library logs, an application decides where logs go (and nothing reaches stderr by default).
logging.getLogger("wrapupkit").addHandler(logging.NullHandler())

__all__ = [
    "AlreadyWrappedUp",
    "AmbiguousParticipant",
    "BulkItem",
    "BulkOutcome",
    "BulkReport",
    "BulkStatus",
    "Clock",
    "CodeSet",
    "CommunicationSnapshot",
    "Decision",
    "FunctionStrategy",
    "GenesysAPIError",
    "Immediate",
    "InteractionTypeMismatch",
    "MediaType",
    "NotificationStatus",
    "Notifications",
    "Optimistic",
    "ParticipantNotFound",
    "Polling",
    "RateLimiter",
    "ReadinessContext",
    "ReadinessStrategy",
    "ReadinessTimeout",
    "RetryPolicy",
    "SystemClock",
    "UnknownWrapupCode",
    "Waiter",
    "WrapupClient",
    "WrapupCode",
    "WrapupResult",
    "WrapupkitError",
    "__version__",
    "apply_many",
    "apply_wrapup",
    "exceptions",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from importlib.metadata import version

        return version("wrapupkit")
    raise AttributeError(f"module 'wrapupkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
