"""Helpers for testing code that uses wrapupkit, without Genesys and without sleeping.

* :class:`FakeClock`: pass it as ``WrapupClient(clock=...)`` or ``AsyncWrapupClient(clock=...)``
  (and to the emulator) so waits advance time instantly; async waits go through its ``asleep()``.
* :func:`make_snapshot` and :func:`make_context`: build inputs for a custom
  :class:`~wrapupkit.ReadinessStrategy`'s ``decide()`` in a unit test.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from typing import Any

from wrapupkit._clock import FakeClock
from wrapupkit._media import MediaType
from wrapupkit._models import CommunicationSnapshot
from wrapupkit._readiness._strategy import ReadinessContext


__all__ = ["FakeClock", "make_context", "make_snapshot"]


def make_snapshot(**overrides: Any) -> CommunicationSnapshot:
    """A snapshot of a disconnected call in pending after-call work; override any field."""
    values: dict[str, Any] = {
        "conversation_id": "conversation-1",
        "participant_id": "participant-1",
        "communication_id": "communication-1",
        "media_type": MediaType.CALL,
        "state": "disconnected",
        "acw_state": "pending",
        "wrapup_required": True,
        "wrapup_prompt": "mandatory",
    }
    values.update(overrides)
    return CommunicationSnapshot(**values)


def make_context(snapshot: CommunicationSnapshot | None = None, **overrides: Any) -> ReadinessContext:
    """A :class:`~wrapupkit.ReadinessContext` around *snapshot* (default: :func:`make_snapshot`)."""
    return ReadinessContext(snapshot=snapshot or make_snapshot(), **overrides)
