"""Conversations, participants and communications of the emulated organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import attrs

from wrapupkit.emulator.routing.models import Queue


__all__ = ["Communication", "Conversation", "ConversationHandle", "Participant", "new_participant"]


@dataclass
class Communication:
    id: str
    connected_time: float
    initial_state: str = "connected"
    state: str = "connected"
    disconnected_time: float | None = None
    disconnect_type: str | None = None
    # None: no ACW yet (connected) or not an agent; "gap", "pending", "complete", "notApplicable".
    acw: str | None = None
    acw_start: float | None = None
    acw_end: float | None = None


@dataclass
class Participant:
    id: str
    purpose: str
    name: str
    start_time: float
    comm: Communication
    user_id: str | None = None
    queue_id: str | None = None
    queue_name: str | None = None
    connected_time: float | None = None
    end_time: float | None = None
    wrapup_required: bool = False
    wrapup_prompt: str | None = None
    wrapup_timeout_ms: int | None = None
    wrapup: dict[str, Any] | None = None  # final wrap-up, Wrapup-model JSON
    provisional: dict[str, Any] | None = None  # provisional wrap-up, Wrapup-model JSON
    wrapup_source: str | None = None  # "api", "ui" or "timeout"

    @property
    def is_agent(self) -> bool:
        return self.purpose == "agent"


def new_participant(purpose: str, name: str, start: float, queue: Queue | None = None) -> Participant:
    """A participant with fresh ids and one connected communication, in *queue* when given."""
    p = Participant(str(uuid.uuid4()), purpose, name, start, Communication(str(uuid.uuid4()), start))
    if queue is not None:
        p.queue_id, p.queue_name = queue.id, queue.name
    return p


@dataclass
class Conversation:
    id: str
    media: str
    start_time: float
    created_mono: float
    participants: list[Participant]
    acw_delay: float
    acw_timeout: float | None
    ui_wrapup: tuple[float, str] | None
    wrapup_required: bool
    end_time: float | None = None
    writes: int = 0
    disconnected: bool = False

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)

    @property
    def agents(self) -> list[Participant]:
        return [p for p in self.participants if p.is_agent]


@attrs.frozen
class ConversationHandle:
    """The ids of a seeded conversation, as returned by :meth:`Emulator.add_conversation`.

    .. versionadded:: 0.1.0
    """

    id: str
    media: str
    user_id: str
    queue_id: str | None
    agent_participant_id: str
    agent_communication_id: str
    customer_participant_id: str
    customer_communication_id: str
    acd_participant_id: str
    agent_participant_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The handle as a JSON-ready dict (snake_case keys, as the control plane returns it)."""
        data = attrs.asdict(self)
        data["agent_participant_ids"] = list(self.agent_participant_ids)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationHandle:
        """Rebuild a handle from :meth:`to_json` output."""
        values = dict(data)
        values["agent_participant_ids"] = tuple(values["agent_participant_ids"])
        return cls(**values)
