"""Conversation events for the notification service: bodies, their topics, and publishing.

Each change publishes the conversation on ``v2.users.{id}.conversations`` and
``v2.routing.queues.{id}.conversations`` (only keys of ``ConversationEventTopicConversation`` and
its queue twin), then the detail events the change caused on
``v2.detail.events.conversation.{id}.user.end`` / ``.acw`` / ``.wrapup``.  The contract tests
deserialise every body with its SDK model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations.render import conversation_json
from wrapupkit.emulator.core.media import MEDIA


__all__ = ["event_body", "publish", "topics_of"]

# Keys of the SDK 269 event models (ConversationEventTopicParticipant / ...Wrapup / per-media models).
_PARTICIPANT_KEYS = frozenset(
    [
        "id",
        "connectedTime",
        "endTime",
        "userId",
        "name",
        "queueId",
        "purpose",
        "consultParticipantId",
        "wrapupRequired",
        "wrapupExpected",
        "wrapupPrompt",
        "wrapupTimeoutMs",
        "wrapup",
        "startAcwTime",
        "endAcwTime",
        "attributes",
        *(info.array for info in MEDIA.values()),
    ]
)
_WRAPUP_KEYS = frozenset(("code", "notes", "tags", "durationSeconds", "endTime"))
_COMM_KEYS = frozenset(
    [
        "id",
        "state",
        "initialState",
        "direction",
        "connectedTime",
        "disconnectedTime",
        "disconnectType",
        "wrapup",
        "afterCallWork",
        "afterCallWorkRequired",
    ]
)
_NO_DIRECTION = frozenset(info.array for info in MEDIA.values() if not info.has_direction)
_MEDIA_ARRAYS = frozenset(info.array for info in MEDIA.values())


def event_body(conversation: dict[str, Any]) -> dict[str, Any]:
    """A ``ConversationEventTopicConversation`` body from GET-conversation JSON (keys filtered)."""

    def wrapup(value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if k in _WRAPUP_KEYS}

    def comm(array: str, value: dict[str, Any]) -> dict[str, Any]:
        keys = _COMM_KEYS - {"direction"} if array in _NO_DIRECTION else _COMM_KEYS
        out = {k: v for k, v in value.items() if k in keys}
        if "wrapup" in out:
            out["wrapup"] = wrapup(out["wrapup"])
        return out

    participants = []
    for p in conversation.get("participants", []):
        out = {k: v for k, v in p.items() if k in _PARTICIPANT_KEYS}
        if "wrapup" in out:
            out["wrapup"] = wrapup(out["wrapup"])
        for array in _MEDIA_ARRAYS & out.keys():
            out[array] = [comm(array, c) for c in out[array]]
        participants.append(out)
    return {"id": conversation["id"], "participants": participants}


def topics_of(body: dict[str, Any]) -> set[str]:
    """The concrete topics an event about this conversation is published on."""
    topics: set[str] = set()
    for p in body["participants"]:
        if p.get("userId"):
            topics.add(f"v2.users.{p['userId']}.conversations")
        if p.get("queueId"):
            topics.add(f"v2.routing.queues.{p['queueId']}.conversations")
    return topics


def publish(
    state: State, conversation_id: str, *, sinks: Sequence[Callable[[list[tuple[str, Any]]], object]] = ()
) -> None:
    """A change listener: publish the conversation's events on their topics (drains its outbox).

    *sinks* (the EventBridge integration) get every event too, channel or not.
    """
    with state.lock:
        conv = state.conversations.get(conversation_id)
        if conv is None:
            return
        outbox, conv.outbox = conv.outbox, []
        if not state.notifications.listening() and not sinks:
            return
        body = event_body(conversation_json(state, conv, event=True))
    events = [(topic, body) for topic in sorted(topics_of(body))]
    events += [(f"v2.detail.events.conversation.{conv.id}.{e.topic}", e.body) for e in outbox]
    state.notifications.publish(events)
    for sink in sinks:
        sink(events)
