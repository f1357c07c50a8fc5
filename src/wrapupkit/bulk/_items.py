"""The items of a bulk run: :class:`BulkItem` and the reading of tuples and mappings into items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from wrapupkit.exceptions import InvalidInput


__all__ = ["FIELDS", "BulkItem", "as_item", "raw_conversation_id"]

FIELDS = ("conversation_id", "code", "notes", "tags", "participant_id", "user_id", "media_type")


def _hidden_notes(notes: str | None) -> str:
    return "None" if notes is None else f"<{len(notes)} chars>"


def _to_tags(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(";") if t.strip())
    return tuple(value)


@attrs.frozen
class BulkItem:
    """One wrap-up to apply in a bulk run: the arguments of :meth:`~wrapupkit.WrapupClient.apply_wrapup`.

    Its repr shows the length of *notes*, never their text.

    Attributes:
        conversation_id: the conversation.
        code: a wrap-up code name (exact) or id.
        notes: wrap-up notes.
        tags: wrap-up tags (a ``"a;b"`` string is split on semicolons).
        participant_id: the agent participant, when the conversation has several.
        user_id: the agent's user id, to choose the participant.
        media_type: if given, must match the communication's media type.

    .. versionadded:: 0.1.0
    """

    conversation_id: str
    code: str
    notes: str | None = attrs.field(default=None, repr=_hidden_notes)
    tags: tuple[str, ...] | None = attrs.field(default=None, converter=_to_tags)
    participant_id: str | None = None
    user_id: str | None = None
    media_type: str | None = None

    @property
    def key(self) -> str:
        """What the journal knows the item by: conversation, participant (or user, or ``*``), code."""
        who = (
            f"p:{self.participant_id}"
            if self.participant_id
            else f"u:{self.user_id}"
            if self.user_id
            else "*"
        )
        return f"{self.conversation_id}|{who}|{self.code}"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BulkItem:
        """Build an item from a CSV row (or any mapping) with the attribute names as columns.

        Blank cells mean "not given"; ``tags`` are separated by semicolons; other
        columns are ignored.

        Args:
            row: the row; keys are :class:`BulkItem`'s attribute names.

        Returns:
            The item.

        Raises:
            InvalidInput: ``conversation_id`` or ``code`` is missing, or a cell is not text.
        """
        values: dict[str, Any] = {}
        for name in FIELDS:
            value = row.get(name)
            if isinstance(value, str):
                if name != "notes":
                    value = value.strip()
                value = value or None
            elif value is not None and not (name == "tags" and _is_sequence(value)):
                raise InvalidInput(name, f"expected text, got {type(value).__name__}")
            values[name] = value
        for required in ("conversation_id", "code"):
            if values[required] is None:
                raise InvalidInput(required, "the row has none")
        if values["tags"] is not None and not all(isinstance(t, str) for t in values["tags"]):
            raise InvalidInput("tags", "expected text")
        return cls(**values)


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def as_item(raw: object) -> BulkItem:
    """A :class:`BulkItem` from an item, a mapping (as :meth:`BulkItem.from_row`) or a tuple.

    Args:
        raw: one element of the input of :func:`~wrapupkit.apply_many`.

    Returns:
        The item.

    Raises:
        InvalidInput: *raw* cannot be read as an item.
    """
    if isinstance(raw, BulkItem):
        return raw
    if isinstance(raw, Mapping):
        return BulkItem.from_row(raw)
    if _is_sequence(raw):
        values = list(raw)  # type: ignore[call-overload]
        if not 2 <= len(values) <= len(FIELDS):
            raise InvalidInput("item", f"a tuple needs 2 to {len(FIELDS)} values, not {len(values)}")
        for name, value in zip(FIELDS, values, strict=False):
            if (
                value is not None
                and not isinstance(value, str)
                and not (name == "tags" and _is_sequence(value))
            ):
                raise InvalidInput(name, f"expected text, got {type(value).__name__}")
        return BulkItem(*values)
    raise InvalidInput("item", f"expected a BulkItem, a tuple or a mapping, got {type(raw).__name__}")


def raw_conversation_id(raw: object) -> str | None:
    """The conversation id of an unreadable item, for the report, if one can be seen.

    Args:
        raw: the unreadable input element.

    Returns:
        Its conversation id when it has a text one, else ``None``.
    """
    value: object = None
    if isinstance(raw, Mapping):
        value = raw.get("conversation_id")
    elif _is_sequence(raw) and len(raw):  # type: ignore[arg-type]
        value = raw[0]  # type: ignore[index]
    return value if isinstance(value, str) else None
