"""The topic templates a channel may subscribe to (genesys-api.md §3): every one the SDK maps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from wrapupkit.emulator.core.errors import EmulatorError, bad_request
from wrapupkit.emulator.notifications.catalog import TOPICS


__all__ = ["TOPIC_TEMPLATES", "available_topics", "screen", "template_of"]


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join(r"[^.\s]+" if p.startswith("{") else re.escape(p) for p in parts))


TOPIC_TEMPLATES: dict[str, re.Pattern[str]] = {t: _compile(t) for t, _model in TOPICS}
"""Template (``v2.users.{id}.conversations``) -> the regex a concrete topic must fully match."""


def template_of(topic: str) -> str | None:
    """The template *topic* is an instance of, or None when no template fits."""
    return next((name for name, pattern in TOPIC_TEMPLATES.items() if pattern.fullmatch(topic)), None)


def _missing(
    topic: str, required: Mapping[str, tuple[str, ...]], granted: frozenset[str] | None
) -> list[str]:
    needs = required.get(template_of(topic) or "", ())
    if not needs or granted is None or granted.intersection(needs):
        return []
    return list(needs)


def screen(
    body: Any,
    required: Mapping[str, tuple[str, ...]],
    granted: frozenset[str] | None,
    *,
    ignore_errors: bool,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Split a subscription body into permitted topics and ``ChannelTopic`` rejections.

    Args:
        body: the request body: a list of ``ChannelTopic`` objects.
        required: template -> permissions of which a subscriber needs ANY.
        granted: the token's permissions (None: all).
        ignore_errors: report rejections in the listing instead of failing the request.

    Returns:
        ``(permitted, rejected)``.

    Raises:
        EmulatorError: 400 for a malformed body or (unless *ignore_errors*) an invalid topic, 403
            for a missing permission.
    """
    if not isinstance(body, list) or not all(
        isinstance(t, dict) and isinstance(t.get("id"), str) for t in body
    ):
        raise bad_request("The body must be a list of ChannelTopic objects with an id.")
    wanted = list(dict.fromkeys(t["id"] for t in body))
    invalid = [t for t in wanted if template_of(t) is None]
    missing = {t: _missing(t, required, granted) for t in wanted if t not in invalid}
    missing = {t: perms for t, perms in missing.items() if perms}
    if not ignore_errors and invalid:
        raise bad_request(f"Invalid topic(s): {', '.join(invalid)}")
    if not ignore_errors and missing:
        names = ", ".join(sorted({p for perms in missing.values() for p in perms}))
        raise EmulatorError(
            403,
            "missing.any.permissions",
            f"You must have at least one of the following permissions assigned: {names}",
            {"permissions": names},
        )
    rejected: list[dict[str, Any]] = [
        {"id": topic, "state": "Rejected", "rejectionReason": "Invalid topic"} for topic in invalid
    ]
    rejected += [
        {"id": t, "state": "Rejected", "rejectionReason": "Missing permission", "missingPermissions": perms}
        for t, perms in missing.items()
    ]
    return [t for t in wanted if t not in invalid and t not in missing], rejected


def available_topics(required: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """``AvailableTopicEntityListing``: every template, with the permissions it needs here."""
    return {
        "entities": [{"id": t, "requiresPermissions": list(required.get(t, ()))} for t in TOPIC_TEMPLATES]
    }
