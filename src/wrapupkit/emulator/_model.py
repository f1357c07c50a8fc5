"""In-memory entities of the emulated organisation (strictly private)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import attrs


__all__ = [
    "ACW_PROMPTS",
    "MEDIA",
    "PROMPT_TO_PARTICIPANT",
    "TIMEOUT_CODE",
    "Client",
    "Code",
    "Communication",
    "Conversation",
    "ConversationHandle",
    "MediaInfo",
    "Participant",
    "Queue",
    "Token",
    "User",
    "iso",
    "new_participant",
]

TIMEOUT_CODE = "ININ-WRAP-UP-TIMEOUT"
"""The system code the platform applies when a time-boxed ACW expires (its id is its name)."""

ACW_PROMPTS = ("MANDATORY", "OPTIONAL", "MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED")
# AcwSettings.wrapupPrompt -> Participant.wrapupPrompt (genesys-api.md 2.1, mapping [INF]).
PROMPT_TO_PARTICIPANT = {
    "MANDATORY": "mandatory",
    "OPTIONAL": "optional",
    "MANDATORY_TIMEOUT": "timeout",
    "MANDATORY_FORCED_TIMEOUT": "forcedTimeout",
    "AGENT_REQUESTED": "agentRequested",
}


@dataclass(frozen=True)
class MediaInfo:
    """Where a media type lives in JSON and in REST paths, and which keys its model has."""

    array: str
    segment: str | None
    has_direction: bool = True
    has_initial_state: bool = True


# Keys checked against the SDK 269 models (Call, Callback, Email, Message, SocialExpression, Video,
# Cobrowsesession, Screenshare, ConversationChat): SocialExpression has neither direction nor
# initialState; Video/Cobrowsesession/Screenshare have no direction.
MEDIA: dict[str, MediaInfo] = {
    "call": MediaInfo("calls", "calls"),
    "callback": MediaInfo("callbacks", "callbacks"),
    "email": MediaInfo("emails", "emails"),
    "message": MediaInfo("messages", "messages"),
    "social": MediaInfo("socialExpressions", "socials", has_direction=False, has_initial_state=False),
    "video": MediaInfo("videos", "videos", has_direction=False),
    "cobrowsesession": MediaInfo("cobrowsesessions", "cobrowsesessions", has_direction=False),
    "screenshare": MediaInfo("screenshares", "screenshares", has_direction=False),
    "chat": MediaInfo("chats", None),
}
SEGMENT_TO_MEDIA = {info.segment: name for name, info in MEDIA.items() if info.segment}


def iso(epoch: float) -> str:
    """Format epoch seconds the way Genesys does: ``2026-01-01T10:00:00.000Z``."""
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Code:
    id: str
    name: str
    division_id: str
    created: float
    system: bool = False


@dataclass
class Queue:
    id: str
    name: str
    code_ids: list[str]
    wrapup_prompt: str
    timeout_ms: int
    created: float


@dataclass
class User:
    id: str
    name: str


@dataclass
class Client:
    client_id: str
    secret: str
    permissions: frozenset[str] | None
    token_ttl: int


@dataclass
class Token:
    value: str
    client_id: str | None
    permissions: frozenset[str] | None
    expires_at: float  # on clock.monotonic()
    revoked: bool = False


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
