"""Configurable answers where the real service's behaviour is undocumented."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import attrs


__all__ = ["Rules"]


def _one_of(*allowed: object) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    # Compare types too: True == 1 and 400.0 == 400 must not slip into the status slots.
    kinds = {type(a) for a in allowed}

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) not in kinds or value not in allowed:
            raise ValueError(f"Rules.{attribute.name} must be one of {allowed!r}, not {value!r}")

    return check


def _positive_int(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"Rules.{attribute.name} must be a positive int, not {value!r}")


def _non_negative(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"Rules.{attribute.name} must be a non-negative number, not {value!r}")


@attrs.define(kw_only=True)
class Rules:
    """How the emulator answers where the real service's behaviour is not documented.

    Mutable: change a field at any time (``emu.rules.early_write = 409``); values are validated
    on assignment.  Every default follows what Genesys documents or public reports show
    (see the emulator's docs for each behaviour and its source).

    Attributes:
        early_write: a wrap-up write while the communication is connected or in the gap before
            ACW: ``"accept"`` (record it) or an error status 400/409.
        acw_level: where after-call work happens: ``"participant"`` (one ACW per leg, when its
            last communication ends, on its first answered communication) or ``"communication"``
            (each answered communication has its own; a callback whose agent also dialled a call
            has none, the call does: the Resource Center FAQ on participant- vs communication-level ACW).
        acw_not_requested: the ``afterCallWork.state`` of an AGENT_REQUESTED leg whose agent did not
            request ACW: ``"notApplicable"`` or ``"skipped"``.
        acw_gap_seconds: a strict gap: for this many seconds after a disconnect, the communication
            shows no ``afterCallWork``, the leg ``wrapupRequired: false``, and writes are refused
            with *acw_gap_write* (0: off).
        acw_gap_write: the status refusing a write in the strict gap: 400 or 409.
        skipped_write: a write while ACW is ``skipped``: ``"accept"`` or an error status 400/409.
        not_applicable_write: a write while ACW is ``notApplicable``: ``"accept"`` or 400/409.
        unanswered_write: a write to a communication that was never answered: ``"accept"`` or
            400/409.
        acw_gap: what ``afterCallWork`` looks like between disconnect and ACW pending:
            ``"unknown"`` (``{"state": "unknown"}``) or ``"absent"`` (key left out).
        code_not_in_queue_status: status for a code outside the participant's queue set (or unknown).
        wrong_media_status: status when the path's media segment does not match the conversation.
        second_write: a write after this participant was already wrapped up through the API:
            ``"overwrite"`` or an error status 400/409.
        after_acw_closed_write: a write after ACW was closed by the agent's UI or the platform
            (``ININ-WRAP-UP-TIMEOUT``): ``"accept"`` or an error status 400/403/409.
        unknown_fields: JSON keys outside the SDK request model: ``"ignore"`` or ``"reject"`` (400).
        no_wrapup_read: GET of a wrap-up that does not exist: ``"empty"`` (200 ``{}``) or 404.
        page_size_cap: largest ``pageSize`` honoured; larger values are clamped.
        name_filter_case_sensitive: whether the ``name`` query filter compares case-sensitively.

    .. versionadded:: 0.1.0
    """

    early_write: str | int = attrs.field(default="accept", validator=_one_of("accept", 400, 409))
    acw_level: str = attrs.field(default="participant", validator=_one_of("participant", "communication"))
    acw_not_requested: str = attrs.field(
        default="notApplicable", validator=_one_of("notApplicable", "skipped")
    )
    acw_gap_seconds: float = attrs.field(default=0.0, validator=_non_negative)
    acw_gap_write: int = attrs.field(default=409, validator=_one_of(400, 409))
    skipped_write: str | int = attrs.field(default="accept", validator=_one_of("accept", 400, 409))
    not_applicable_write: str | int = attrs.field(default="accept", validator=_one_of("accept", 400, 409))
    unanswered_write: str | int = attrs.field(default=400, validator=_one_of("accept", 400, 409))
    acw_gap: str = attrs.field(default="unknown", validator=_one_of("unknown", "absent"))
    code_not_in_queue_status: int = attrs.field(default=400, validator=_one_of(400, 403, 404, 409, 422))
    wrong_media_status: int = attrs.field(default=400, validator=_one_of(400, 404))
    second_write: str | int = attrs.field(default="overwrite", validator=_one_of("overwrite", 400, 409))
    after_acw_closed_write: str | int = attrs.field(
        default="accept", validator=_one_of("accept", 400, 403, 409)
    )
    unknown_fields: str = attrs.field(default="ignore", validator=_one_of("ignore", "reject"))
    no_wrapup_read: str | int = attrs.field(default="empty", validator=_one_of("empty", 404))
    page_size_cap: int = attrs.field(default=100, validator=_positive_int)
    name_filter_case_sensitive: bool = attrs.field(default=False, validator=_one_of(True, False))

    def reset(self) -> None:
        """Put every field back to its default, in place."""
        for field in attrs.fields(type(self)):
            setattr(self, field.name, field.default)

    def update(self, values: dict[str, Any]) -> None:
        """Set several fields at once; unknown names raise :class:`KeyError`, bad values ValueError."""
        names = {f.name for f in attrs.fields(type(self))}
        unknown = sorted(set(values) - names)
        if unknown:
            raise KeyError(f"unknown rule(s): {', '.join(unknown)}")
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        """The current values as a JSON-ready dict."""
        return attrs.asdict(self)

    @classmethod
    def names(cls) -> Collection[str]:
        """The rule names."""
        return [f.name for f in attrs.fields(cls)]
