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


def _text(name: str, value: object) -> str:
    """*value* if it is text that can be sent (UTF-8 encodable: no lone surrogate).

    Raises:
        InvalidInput: it is not text, or not encodable.
    """
    if not isinstance(value, str):
        raise InvalidInput(name, f"expected text, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Name the position only: the text may be notes, which are never shown.
        raise InvalidInput(
            name, f"not valid Unicode text (a lone surrogate at position {exc.start})"
        ) from None
    return value


def _check_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: *value* is sendable text (or ``None`` where the field is optional)."""
    if value is None and attribute.default is None:
        return
    _text(attribute.name, value)


def _to_tags(value: object) -> tuple[str, ...] | None:
    """Tags from ``None``, a ``"a;b"`` string or an iterable of strings.

    Raises:
        InvalidInput: anything else.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(t.strip() for t in _text("tags", value).split(";") if t.strip())
    if isinstance(value, (bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput("tags", f"expected text or a list of text, got {type(value).__name__}")
    return tuple(_text("tags", tag) for tag in value)


@attrs.frozen
class BulkItem:
    """One wrap-up to apply in a bulk run: the arguments of :meth:`~wrapupkit.WrapupClient.apply_wrapup`.

    Its repr shows the length of *notes*, never their text.  Every field is checked when the
    item is built: a value that is not text (``BulkItem("c", "Sale", notes=5)``), or text
    that cannot be sent (a lone surrogate), raises :class:`~wrapupkit.exceptions.InvalidInput`.

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

    conversation_id: str = attrs.field(validator=_check_text)
    code: str = attrs.field(validator=_check_text)
    notes: str | None = attrs.field(default=None, repr=_hidden_notes, validator=_check_text)
    tags: tuple[str, ...] | None = attrs.field(default=None, converter=_to_tags)
    participant_id: str | None = attrs.field(default=None, validator=_check_text)
    user_id: str | None = attrs.field(default=None, validator=_check_text)
    media_type: str | None = attrs.field(default=None, validator=_check_text)

    @property
    def key(self) -> str:
        """The item's journal key, made of its conversation, participant (or user, or ``*``) and code."""
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
            values[name] = value
        for required in ("conversation_id", "code"):
            if values[required] is None:
                raise InvalidInput(required, "the row has none")
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
