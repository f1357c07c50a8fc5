"""Queues, wrap-up codes and users of the emulated organisation."""

from __future__ import annotations

from dataclasses import dataclass


__all__ = [
    "ACW_PROMPTS",
    "DEFAULT_DIVISION_ID",
    "PROMPT_TO_PARTICIPANT",
    "TIMEOUT_CODE",
    "TIMEOUT_PROMPTS",
    "Code",
    "Queue",
    "User",
]

TIMEOUT_CODE = "ININ-WRAP-UP-TIMEOUT"
"""The system code the platform applies when a time-boxed ACW expires (its id is its name)."""

DEFAULT_DIVISION_ID = "5a2ab4c6-0000-4000-8000-000000000001"  # the "Home" division

ACW_PROMPTS = ("MANDATORY", "OPTIONAL", "MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED")
TIMEOUT_PROMPTS = ("MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT")
# AcwSettings.wrapupPrompt -> Participant.wrapupPrompt (genesys-api.md 2.1, mapping [INF]).
PROMPT_TO_PARTICIPANT = {
    "MANDATORY": "mandatory",
    "OPTIONAL": "optional",
    "MANDATORY_TIMEOUT": "timeout",
    "MANDATORY_FORCED_TIMEOUT": "forcedTimeout",
    "AGENT_REQUESTED": "agentRequested",
}


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
