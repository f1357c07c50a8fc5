"""Conversations, participants (legs) and communications of the emulated organisation.

A conversation holds participant legs; each leg holds one or more communications (a callback
agent who dials has a ``callbacks`` and a ``calls`` communication).  Wrap-ups and after-call work
live on communications; the participant-level fields (``wrapup``, ``startAcwTime``, ...) show the
communication that carries the after-call work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


__all__ = ["WRAPUP_PURPOSES", "Communication", "Conversation", "DetailEvent", "Participant"]

WRAPUP_PURPOSES = ("agent", "user")
"""Purposes of the legs that can take a wrap-up (ACD agents and internal users)."""


@dataclass
class Communication:
    """One communication (``Call``, ``Email`` ...) of a participant leg.

    ``acw`` is None (no after-call work: still live, never answered, or not a wrap-up leg), ``"gap"``
    (disconnected, ACW not shown yet), ``"pending"``, ``"complete"``, ``"notApplicable"`` or ``"skipped"``.
    """

    id: str
    media: str
    direction: str = "inbound"
    initial_state: str = "alerting"
    state: str = "alerting"
    connected_time: float | None = None
    disconnected_time: float | None = None
    disconnected_mono: float | None = None
    disconnect_type: str | None = None
    acw: str | None = None
    acw_start: float | None = None
    acw_end: float | None = None
    acw_requested: bool = False  # afterCallWorkRequired, set through PATCH .../aftercallwork/...
    wrapup: dict[str, Any] | None = None  # final wrap-up, Wrapup-model JSON
    provisional: dict[str, Any] | None = None
    wrapup_source: str | None = None  # "api", "ui" or "timeout"

    @property
    def answered(self) -> bool:
        return self.connected_time is not None

    @property
    def ended(self) -> bool:
        return self.state == "disconnected"


@dataclass
class Participant:
    """One participant leg: a customer, an ACD/IVR leg, or an agent's or user's leg."""

    id: str
    purpose: str
    name: str
    communications: list[Communication]
    start_time: float | None = None  # epoch; None until the leg appears
    user_id: str | None = None
    queue_id: str | None = None
    queue_name: str | None = None
    connected_time: float | None = None
    end_time: float | None = None
    wrapup_required: bool = False  # configured: an answered leg must take a wrap-up
    wrapup_prompt: str | None = None
    wrapup_timeout_ms: int | None = None
    acw_timeout: float | None = None  # seconds until ININ-WRAP-UP-TIMEOUT once ACW is pending
    ui_wrapup: tuple[float, str] | None = None  # the agent's own code, seconds after ACW pending
    ui_skip: float | None = None  # the agent leaves ACW without a code, seconds after pending
    wrapup_skipped: bool = False
    consult_participant_id: str | None = None

    @property
    def is_agent(self) -> bool:
        """Whether this leg can take a wrap-up (purpose ``agent`` or ``user``)."""
        return self.purpose in WRAPUP_PURPOSES

    @property
    def answered(self) -> bool:
        return any(c.answered for c in self.communications)

    @property
    def comm(self) -> Communication:
        """The communication that carries after-call work, else the last one that connected, else the last."""
        carrying = [c for c in self.communications if c.acw is not None]
        if carrying:
            return carrying[-1]
        answered = [c for c in self.communications if c.answered]
        return (answered or self.communications)[-1]

    @property
    def wrapup(self) -> dict[str, Any] | None:
        """The final wrap-up shown on the participant (that of :attr:`comm`, else any communication's)."""
        if self.comm.wrapup is not None:
            return self.comm.wrapup
        return next((c.wrapup for c in reversed(self.communications) if c.wrapup is not None), None)

    @property
    def provisional(self) -> dict[str, Any] | None:
        return self.comm.provisional

    @property
    def wrapup_source(self) -> str | None:
        return self.comm.wrapup_source

    def communication(self, communication_id: str) -> Communication | None:
        return next((c for c in self.communications if c.id == communication_id), None)


@dataclass(frozen=True)
class DetailEvent:
    """A ``v2.detail.events.conversation.{id}.*`` event waiting to be published."""

    topic: str  # the template's last part: "user.end", "acw" or "wrapup"
    body: dict[str, Any]


@dataclass
class Conversation:
    id: str
    media: str  # the media the conversation was created with
    start_time: float
    created_mono: float
    participants: list[Participant]  # legs that have appeared, in order of appearance
    acw_delay: float = 0.0
    upcoming: list[Participant] = field(default_factory=list)  # legs not offered yet
    end_time: float | None = None
    writes: int = 0
    outbox: list[DetailEvent] = field(default_factory=list)

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)

    @property
    def agents(self) -> list[Participant]:
        """The legs that can take a wrap-up, in order of appearance."""
        return [p for p in self.participants if p.is_agent]

    @property
    def disconnected(self) -> bool:
        legs = self.participants + self.upcoming
        return all(c.ended for p in legs for c in p.communications)
