"""Handles: the ids of a seeded conversation, leg by leg, as tests need them to assert a POST target."""

from __future__ import annotations

from typing import Any

import attrs


__all__ = ["CommHandle", "ConversationHandle", "LegHandle", "ShapeHandle"]


@attrs.frozen
class CommHandle:
    """One communication of a leg: its id (the ``communicationId`` of the wrap-up POST) and media.

    .. versionadded:: 0.1.0
    """

    id: str
    media: str


@attrs.frozen
class LegHandle:
    """One participant leg: ids, user, queue, purpose and communications, in order.

    .. versionadded:: 0.1.0
    """

    participant_id: str
    purpose: str
    user_id: str | None
    queue_id: str | None
    communications: tuple[CommHandle, ...]

    @property
    def communication_id(self) -> str:
        """The id of the leg's last communication (its only one, for most legs)."""
        return self.communications[-1].id

    def communication(self, media: str) -> CommHandle:
        """The leg's (last) communication of *media*; :class:`KeyError` when it has none."""
        for comm in reversed(self.communications):
            if comm.media == media:
                return comm
        raise KeyError(media)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LegHandle:
        values = dict(data)
        values["communications"] = tuple(CommHandle(**c) for c in values["communications"])
        return cls(**values)


def _legs_json(legs: tuple[LegHandle, ...]) -> list[dict[str, Any]]:
    return [attrs.asdict(leg) for leg in legs]


@attrs.frozen
class ShapeHandle:
    """The ids of a conversation played from a :class:`~wrapupkit.emulator.Shape`.

    Attributes:
        id: the conversation id.
        media: the shape's media.
        legs: every leg, in the shape's order (not the order they appear in the conversation).

    .. versionadded:: 0.1.0
    """

    id: str
    media: str
    legs: tuple[LegHandle, ...]

    def legs_of(self, user_id: str) -> tuple[LegHandle, ...]:
        """The legs of one user, in the shape's order."""
        return tuple(leg for leg in self.legs if leg.user_id == user_id)

    @property
    def agent_legs(self) -> tuple[LegHandle, ...]:
        """The legs that can take a wrap-up (purpose ``agent`` or ``user``)."""
        return tuple(leg for leg in self.legs if leg.purpose in ("agent", "user"))

    def to_json(self) -> dict[str, Any]:
        """The handle as a JSON-ready dict (snake_case keys, as the control plane returns it)."""
        return {"id": self.id, "media": self.media, "legs": _legs_json(self.legs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShapeHandle:
        """Rebuild a handle from :meth:`to_json` output."""
        return cls(data["id"], data["media"], tuple(LegHandle.from_json(leg) for leg in data["legs"]))


@attrs.frozen
class ConversationHandle:
    """The ids of a seeded conversation, as returned by :meth:`Emulator.add_conversation`.

    ``acd_participant_id`` is None for a conversation without a queue (a direct call has no ACD
    leg); ``legs`` lists every leg as in a :class:`ShapeHandle`.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.1.0 ``legs``; ``acd_participant_id`` may be None.
    """

    id: str
    media: str
    user_id: str
    queue_id: str | None
    agent_participant_id: str
    agent_communication_id: str
    customer_participant_id: str
    customer_communication_id: str
    acd_participant_id: str | None
    agent_participant_ids: tuple[str, ...]
    legs: tuple[LegHandle, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The handle as a JSON-ready dict (snake_case keys, as the control plane returns it)."""
        data = attrs.asdict(self)
        data["agent_participant_ids"] = list(self.agent_participant_ids)
        data["legs"] = _legs_json(self.legs)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationHandle:
        """Rebuild a handle from :meth:`to_json` output."""
        values = dict(data)
        values["agent_participant_ids"] = tuple(values["agent_participant_ids"])
        values["legs"] = tuple(LegHandle.from_json(leg) for leg in values.get("legs", ()))
        return cls(**values)
