"""wrapupkit: apply Genesys Cloud wrap-up codes right after an interaction ends.

The right code, on the right endpoint, at the first moment the platform accepts
it, exactly once.  ``import wrapupkit`` is cheap: the Genesys SDK is imported
only when a client is first created.
"""

from __future__ import annotations

import logging
from typing import Any

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


# A library logs, an application decides where logs go (and nothing reaches stderr by default).
logging.getLogger("wrapupkit").addHandler(logging.NullHandler())

__all__ = [
    "AlreadyWrappedUp",
    "AmbiguousParticipant",
    "Clock",
    "CodeSet",
    "CommunicationSnapshot",
    "Decision",
    "FunctionStrategy",
    "GenesysAPIError",
    "Immediate",
    "InteractionTypeMismatch",
    "MediaType",
    "Optimistic",
    "ParticipantNotFound",
    "Polling",
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
    "apply_wrapup",
    "exceptions",
]


def __getattr__(name: str) -> Any:
    # WrapupClient's module is light, but keep the door shut on anything heavier.
    if name == "WrapupClient":
        from wrapupkit._client import WrapupClient

        return WrapupClient
    if name == "__version__":
        from importlib.metadata import version

        return version("wrapupkit")
    raise AttributeError(f"module 'wrapupkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
