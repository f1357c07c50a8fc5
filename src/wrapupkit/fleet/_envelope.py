"""Genesys events as EventBridge delivers them (and as a notification channel frames them) → FleetEvent.

An EventBridge envelope from Genesys's partner event source (as in GenesysCloudBlueprints'
``aws-eventbridge-user-presence-update-blueprint/events/UserPresenceChange.json``)::

    {"version": "0", "id": "...", "detail-type": "v2.detail.events.conversation.{id}.user.end",
     "source": "aws.partner/genesys.com/cloud/{orgId}/{name}", "account": "...", "time": "...",
     "region": "...", "resources": [],
     "detail": {"topicName": "v2.detail.events.conversation.<id>.user.end", "version": "2",
                "eventBody": {...}, "metadata": {"CorrelationId": "..."}}}

A notification channel sends the ``detail`` part alone.  :func:`parse_message` takes either (as JSON
text or already decoded) and never raises: what it cannot use becomes a :class:`Delivery` without
an event and with a ``problem`` that names what was wrong, never the body.

Field names are the SDK 269 models' ``attribute_map`` values: ``UserEndDetailEventTopicUserEndEvent``
and ``AcwDetailEventTopicAfterCallWorkEvent`` (``eventTime`` in epoch milliseconds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from wrapupkit.fleet._events import Delivery, EventKind, FleetEvent


__all__ = ["GENESYS_SOURCE_PREFIX", "envelope", "parse_detail", "parse_message", "template_of"]

GENESYS_SOURCE_PREFIX = "aws.partner/genesys.com/cloud/"
"""Every Genesys partner event source starts with this (then ``{orgId}/{name}``)."""

_ID = r"([^.\s]+)"
_TOPICS: tuple[tuple[re.Pattern[str], EventKind, str, str], ...] = (
    (
        re.compile(rf"v2\.detail\.events\.conversation\.{_ID}\.user\.end"),
        EventKind.USER_END,
        "v2.detail.events.conversation.{id}.user.end",
        "conversation",
    ),
    (
        re.compile(rf"v2\.detail\.events\.conversation\.{_ID}\.acw"),
        EventKind.ACW,
        "v2.detail.events.conversation.{id}.acw",
        "conversation",
    ),
    (
        re.compile(rf"v2\.users\.{_ID}\.conversations"),
        EventKind.CONVERSATION,
        "v2.users.{id}.conversations",
        "user",
    ),
    (
        re.compile(rf"v2\.routing\.queues\.{_ID}\.conversations"),
        EventKind.CONVERSATION,
        "v2.routing.queues.{id}.conversations",
        "queue",
    ),
)
# eventBody key -> FleetEvent attribute, for the detail events (all strings in the SDK models).
_DETAIL_STRINGS = {
    "participantId": "participant_id",
    "userId": "user_id",
    "queueId": "queue_id",
    "disconnectType": "disconnect_type",
}
_ACW_STRINGS = {
    **{k: a for k, a in _DETAIL_STRINGS.items() if k != "disconnectType"},
    "wrapupCode": "wrapup_code",
}
_MAX_NAME = 160  # how much of a topic or key a problem may quote


class _Bad(Exception):
    """Why a message cannot be used (the text of a problem delivery)."""


def _quote(value: str) -> str:
    return repr(value if len(value) <= _MAX_NAME else value[:_MAX_NAME] + "...")


def template_of(topic: str) -> str | None:
    """The template of a concrete topic this module understands (``detail-type``), or ``None``."""
    for pattern, _kind, template, _owner in _TOPICS:
        if pattern.fullmatch(topic):
            return template
    return None


def _optional_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _Bad(f"eventBody.{key} is not a non-empty string")
    return value


def _event_time(body: Mapping[str, Any]) -> float | None:
    value = body.get("eventTime")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("eventBody.eventTime is not an integer (epoch milliseconds)")
    return value / 1000.0


def _detail_event(kind: EventKind, topic_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    conversation_id = _optional_str(body, "conversationId") or topic_id
    if conversation_id != topic_id:
        raise _Bad("eventBody.conversationId differs from the topic's conversation")
    keys = _DETAIL_STRINGS if kind is EventKind.USER_END else _ACW_STRINGS
    fields: dict[str, Any] = {attr: _optional_str(body, key) for key, attr in keys.items()}
    fields["conversation_id"] = conversation_id
    fields["event_time"] = _event_time(body)
    return fields


def _conversation_event(owner: str, topic_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    conversation_id = body.get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        raise _Bad("eventBody.id (the conversation) is not a non-empty string")
    participants = body.get("participants", [])
    if not isinstance(participants, list) or not all(isinstance(p, dict) for p in participants):
        raise _Bad("eventBody.participants is not a list of objects")
    fields: dict[str, Any] = {"conversation_id": conversation_id}
    fields["user_id" if owner == "user" else "queue_id"] = topic_id
    return fields


def parse_detail(detail: Any, *, receipt: str | None = None) -> Delivery:
    """A notification-shaped event ``{topicName, version, eventBody, metadata}`` → a :class:`Delivery`."""
    try:
        return Delivery(_parse_detail(detail), receipt=receipt)
    except _Bad as bad:
        return Delivery(None, receipt=receipt, problem=str(bad))


def _parse_detail(detail: Any) -> FleetEvent:
    if not isinstance(detail, Mapping):
        raise _Bad("the event is not a JSON object")
    topic = detail.get("topicName")
    if not isinstance(topic, str) or not topic:
        raise _Bad("topicName is missing or not a string")
    body = detail.get("eventBody")
    if not isinstance(body, Mapping):
        raise _Bad(f"eventBody of {_quote(topic)} is missing or not an object")
    for pattern, kind, _template, owner in _TOPICS:
        match = pattern.fullmatch(topic)
        if match is None:
            continue
        topic_id = match.group(1)
        if kind is EventKind.CONVERSATION:
            fields = _conversation_event(owner, topic_id, body)
        else:
            fields = _detail_event(kind, topic_id, body)
        metadata = detail.get("metadata")
        correlation = metadata.get("CorrelationId") if isinstance(metadata, Mapping) else None
        return FleetEvent(
            kind=kind,
            topic=topic,
            body=dict(body),
            correlation_id=correlation if isinstance(correlation, str) else None,
            **fields,
        )
    raise _Bad(f"unknown topic {_quote(topic)}")


def parse_message(message: str | bytes | Any, *, receipt: str | None = None) -> Delivery:
    """An EventBridge envelope or a notification event (JSON text, or decoded) → a :class:`Delivery`.

    Never raises: malformed JSON, a foreign ``source``, an unknown topic or a field of the wrong
    type give ``Delivery(event=None, problem=...)``; the problem never quotes the body.
    """
    if isinstance(message, (str, bytes, bytearray)):
        try:
            message = json.loads(message)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return Delivery(None, receipt=receipt, problem="the message is not JSON")
    if not isinstance(message, Mapping):
        return Delivery(None, receipt=receipt, problem="the message is not a JSON object")
    if "detail" not in message and "detail-type" not in message:
        return parse_detail(message, receipt=receipt)
    source = message.get("source")
    if source is not None and (not isinstance(source, str) or not source.startswith(GENESYS_SOURCE_PREFIX)):
        return Delivery(None, receipt=receipt, problem="the envelope's source is not a Genesys event source")
    detail_type = message.get("detail-type")
    if detail_type is not None and not isinstance(detail_type, str):
        return Delivery(None, receipt=receipt, problem="the envelope's detail-type is not a string")
    return parse_detail(message.get("detail"), receipt=receipt)


def envelope(
    topic: str,
    body: Mapping[str, Any],
    *,
    org_id: str = "00000000-0000-0000-0000-000000000000",
    name: str = "wrapupkit",
    correlation_id: str = "00000000-0000-0000-0000-000000000000",
    event_id: str = "00000000-0000-0000-0000-000000000000",
    account: str = "000000000000",
    region: str = "us-east-1",
    time: str = "1970-01-01T00:00:00Z",
) -> dict[str, Any]:
    """The EventBridge envelope Genesys would send for *topic* with *body* (for tests and benchmarks)."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": template_of(topic) or topic,
        "source": f"{GENESYS_SOURCE_PREFIX}{org_id}/{name}",
        "account": account,
        "time": time,
        "region": region,
        "resources": [],
        "detail": {
            "topicName": topic,
            "version": "2",
            "eventBody": dict(body),
            "metadata": {"CorrelationId": correlation_id},
        },
    }
