"""Checks on apply_wrapup() arguments, made before any network call."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Sequence

from wrapupkit._media import MediaType
from wrapupkit.exceptions import ConfigurationError, InvalidInput, InvalidType


__all__ = [
    "check_code",
    "check_id",
    "check_notes",
    "check_tags",
    "flag",
    "is_whole",
    "path",
    "seconds",
    "whole",
]

# Genesys ids are UUIDs; we accept any id-like token so that emulator scenarios can use
# readable ids, but reject what would corrupt a URL path (slashes, spaces, '?', '#', '%').
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")  # whole string: fullmatch, no "$" before "\n"
# Guards against obvious mistakes; Genesys documents no limits for these fields [INF].
MAX_CODE_LENGTH = 255
MAX_NOTES_LENGTH = 10_000
MAX_TAGS = 100
MAX_TAG_LENGTH = 255


def check_id(field: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, f"expected a string id, got {type(value).__name__}")
    if not _ID.fullmatch(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidInput(field, f"{shown!r} is not a Genesys id (letters, digits, '-', '.', '_', ':')")
    return value


def check_code(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("code", f"expected a wrap-up code name or id, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInput("code", "it is empty or blank")
    if len(value) > MAX_CODE_LENGTH:
        raise InvalidInput("code", f"it is {len(value)} characters long; the limit is {MAX_CODE_LENGTH}")
    _encodable("code", value)
    return value


def _encodable(field: str, value: str) -> None:
    """Refuse text that cannot be sent as UTF-8 JSON (a lone surrogate); the text is never echoed."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            field, f"character {exc.start + 1} is a lone surrogate, which cannot be sent"
        ) from None


def check_notes(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("notes", f"expected a string, got {type(value).__name__}")
    if len(value) > MAX_NOTES_LENGTH:  # the text itself is never echoed
        raise InvalidInput("notes", f"they are {len(value)} characters long; the limit is {MAX_NOTES_LENGTH}")
    _encodable("notes", value)
    return value


def check_tags(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidInput("tags", "expected a list of strings")
    if len(value) > MAX_TAGS:
        raise InvalidInput("tags", f"{len(value)} given; the limit is {MAX_TAGS}")
    tags: list[str] = []
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidInput("tags", f"tag #{i + 1} is not a non-blank string")
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput("tags", f"tag #{i + 1} is longer than {MAX_TAG_LENGTH} characters")
        _encodable(f"tags[{i}]", tag)
        tags.append(tag)
    return tags


# The longest duration any argument takes: beyond it a wait is a mistake (or overflows a float).
MAX_SECONDS = 366 * 86_400.0


def seconds(field: str, value: object, *, allow_zero: bool = False) -> float:
    """A duration in seconds from a number or a ``timedelta``: finite, at most a year."""
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and math.isnan(value))
    ):
        raise InvalidInput(field, "expected seconds as a number or a datetime.timedelta")
    if not in_range(value, 0, MAX_SECONDS) or (value == 0 and not allow_zero):
        raise InvalidInput(field, f"{value!r} is out of range (0 to {MAX_SECONDS:g} seconds)")
    return float(value)


def media(value: MediaType | str | None) -> MediaType | None:
    if value is None:
        return None
    try:
        return MediaType.parse(value)
    except ConfigurationError as exc:
        raise InvalidInput("media_type", str(exc).removesuffix(".")) from None


def in_range(value: object, low: float, high: float) -> bool:
    """*value* is a real number (not a bool) in ``[low, high]``.

    False for NaN; huge ints are compared exactly, never converted to a float (no OverflowError).
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high


def is_whole(value: object, low: int, high: float = math.inf) -> bool:
    """*value* is an int (not a bool) within ``[low, high]``; callers may not be type-checked."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def path(field: str, value: object) -> str | os.PathLike[str]:
    """A file path: a non-empty ``str`` or ``os.PathLike`` of text, with no NUL character."""
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidType(f"{field} must be a path (str or os.PathLike), not {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str):
        raise InvalidType(f"{field} must be a text path, not {type(text).__name__}")
    if not text or "\x00" in text:
        raise InvalidInput(field, "a path must be non-empty and hold no NUL character")
    return value


def whole(field: str, value: object, *, low: int, high: int | None = None) -> int:
    """A whole number (not a bool) within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{field} must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ConfigurationError(f"{field} must be {bound}, not {value!r}")
    return value


def flag(field: str, value: object) -> bool:
    """``True`` or ``False``, nothing else."""
    if not isinstance(value, bool):
        raise InvalidType(f"{field} must be True or False, not {value!r}")
    return value
