"""What the fleet's event sources hand to workers: a normalised event and its delivery.

Sources (``_sqs.SQSEvents`` for Genesys's EventBridge integration routed to SQS,
``_notif.NotificationEvents`` for one notification channel per machine) turn what arrives into
:class:`FleetEvent` values; a worker acknowledges a :class:`Delivery` only after the intent it
concerns reached a final or durable state (for SQS, the acknowledgement deletes the message).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs


__all__ = ["Delivery", "EventKind", "EventSource", "FleetEvent"]


class EventKind(str, enum.Enum):
    """What an event says about a conversation."""

    #: ``v2.detail.events.conversation.{id}.user.end``: an agent's leg ended (also on transfer,
    #: reject and requeue); after-call work may be starting.  One read confirms it.
    USER_END = "user.end"
    #: ``v2.detail.events.conversation.{id}.acw``: an agent *finished* after-call work with
    #: ``wrapup_code``: closes an intent as ``already`` (or ``applied`` when the code is ours).
    ACW = "acw"
    #: a conversation topic (``v2.users.{id}.conversations``, ``v2.routing.queues.{id}.conversations``)
    #: whose body is a whole conversation view: it can prove after-call work without a read.
    CONVERSATION = "conversation"


@attrs.frozen
class FleetEvent:
    """One event about one conversation.

    Attributes:
        kind: see :class:`EventKind`.
        topic: the concrete topic name (``detail.topicName``).
        conversation_id: the conversation.
        participant_id, user_id, queue_id: from the event body, when it has them.
        event_time: wall-clock seconds since the epoch, when the body says.
        wrapup_code: the code id, for ``acw`` events.
        disconnect_type: for ``user.end`` (``TRANSFER``, ``CLIENT`` ...).
        body: the event body (for ``conversation`` events, the conversation view).
        correlation_id: ``metadata.CorrelationId``.
    """

    kind: EventKind
    topic: str
    conversation_id: str
    participant_id: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    event_time: float | None = None
    wrapup_code: str | None = None
    disconnect_type: str | None = None
    body: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    correlation_id: str | None = None


@attrs.frozen
class Delivery:
    """An event as received, with what the source needs to acknowledge it.

    Attributes:
        event: the normalised event, or ``None`` when the message was malformed or of an
            unknown topic (the worker counts it and acknowledges it).
        receipt: the source's handle (an SQS receipt handle; ``None`` where nothing is owed).
        problem: why ``event`` is ``None`` (never the message body).
    """

    event: FleetEvent | None
    receipt: str | None = None
    problem: str | None = None


class EventSource(Protocol):
    """Where a worker's events come from (asyncio)."""

    name: str

    async def start(self) -> None:
        """Connect and subscribe; raises a typed error when the source cannot be used."""
        ...

    async def receive(self, *, max_messages: int, wait: float) -> Sequence[Delivery]:
        """Up to *max_messages* deliveries, waiting at most *wait* seconds for the first."""
        ...

    async def ack(self, delivery: Delivery) -> None:
        """The delivery is done with (SQS: delete the message)."""
        ...

    async def close(self) -> None: ...
