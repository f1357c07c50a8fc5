"""capture: a conversation body anonymised for sharing, with the rule's expectation beside it.

What is kept is decided by allow-list, never by guessing what is personal:

* ids (``id``, ``*Id``, ``*Ids``, a wrap-up ``code``) are replaced, the same id by the same
  replacement everywhere, by UUID-shaped placeholders numbered in the order they appear;
* times (``*Time``, ``*Date``, ``date*`` keys holding ISO 8601 times) are shifted so the earliest is
  2000-01-01T00:00:00Z, every difference kept;
* the values of a few enumerations the rule and the readiness judgement read (``state``,
  ``purpose``, ``disconnectType``, ``direction``, ``wrapupPrompt`` ...) are kept when they are one of
  the values the SDK's models allow;
* booleans, and numbers under ``*Ms``, ``*Seconds``, ``*Count`` keys, are kept;
* every other string (names, addresses, phone numbers, emails, scripts, notes, wrap-up notes, URIs,
  any free text) becomes ``"<redacted>"``, other numbers are dropped, free-form maps
  (participant ``attributes`` ...) are emptied, and keys that are not camelCase field names go.

The fixture format is the one ``tests/corpus/`` uses (see its README), so a capture can be added there
unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from wrapupkit._explain._model import explain_conversation
from wrapupkit._version import __version__
from wrapupkit.exceptions import InvalidInput, UnsupportedInteraction


__all__ = ["EPOCH", "REDACTED", "anonymise", "capture_conversation"]

JSON = Mapping[str, Any]
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
REDACTED = "<redacted>"

_KEY = re.compile(r"[a-z][A-Za-z0-9]{0,63}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DROP = object()
# Maps whose keys are data, not field names (the SDK types them dict(str, ...)).
_FREE_MAPS = frozenset(
    {
        "attributes",
        "additionalProperties",
        "messageParams",
        "providerInfo",
        "coordinates",
        "subTypeSettings",
        "defaultScripts",
        "rootContainer",
        "properties",
        "customAttributes",
    }
)
_NUMBERS = ("Ms", "Seconds", "Count")
_COMM_STATES = (
    "alerting connected contacting converting dialing disconnected none offering parked scheduled "
    "terminated transmitting uploading"
)
# Values the SDK's models allow for these keys (their setters' allowed_values), and Genesys's purposes.
_ENUMS: dict[str, frozenset[str]] = {
    key: frozenset(values.split())
    for key, values in {
        "state": _COMM_STATES + " active inactive complete pending deleted notApplicable skipped unknown",
        "initialState": _COMM_STATES,
        "disconnectType": (
            "client endpoint endpoint.donotdisturb error inactivity other peer session.expired spam system "
            "takeover timeout transfer transfer.conference transfer.consult transfer.donotdisturb "
            "transfer.forward transfer.noanswer transfer.notavailable transport.failure uncallable"
        ),
        "direction": "inbound outbound",
        "wrapupPrompt": (
            "AGENT_REQUESTED MANDATORY MANDATORY_FORCED_TIMEOUT MANDATORY_TIMEOUT OPTIONAL agentRequested "
            "forcedTimeout mandatory optional timeout"
        ),
        "recordingState": "ACTIVE NONE PAUSED active none paused",
        "screenRecordingState": "active error paused requested stopped timeout",
        "flaggedReason": "general",
        "purpose": (
            "agent user customer external acd ivr voicemail workflow station api dialer fax campaign "
            "outbound inbound manual group bot"
        ),
    }.items()
}


def anonymise(conversation: JSON, *, ids: dict[str, str] | None = None) -> dict[str, Any]:
    """*conversation* with ids replaced consistently, free text removed and times shifted to 2000-01-01.

    Args:
        conversation: a ``GET /api/v2/conversations/{id}`` body or a notification event body.
        ids: a dict to fill with each original id and its replacement (it undoes the
            anonymisation: keep it to yourself); ids already in it keep their replacement.

    Returns:
        A new body; the input is not changed.

    .. versionadded:: 0.1.0
    """
    if not isinstance(conversation, Mapping):
        raise InvalidInput("conversation", f"expected a JSON object, got {type(conversation).__name__}")
    times = [t for t in _times(conversation, None) if t is not None]
    walker = _Walker(ids if ids is not None else {}, min(times, default=EPOCH))
    return walker.mapping(conversation, None)


class _Walker:
    def __init__(self, ids: dict[str, str], base: dt.datetime) -> None:
        self.ids = ids
        self.base = base

    def mapping(self, value: JSON, key: str | None) -> dict[str, Any]:
        if key in _FREE_MAPS:
            return {}
        walked = {str(k): self.value(v, str(k)) for k, v in value.items() if _KEY.fullmatch(str(k))}
        return {k: v for k, v in walked.items() if v is not _DROP}

    def value(self, value: object, key: str | None) -> object:
        if isinstance(value, Mapping):
            return self.mapping(value, key)
        if isinstance(value, list):
            return [v for v in (self.value(item, key) for item in value) if v is not _DROP]
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return value if key is not None and key.endswith(_NUMBERS) else _DROP
        if isinstance(value, str):
            return self.text(value, key)
        return _DROP

    def text(self, value: str, key: str | None) -> str:
        if key is None or not value:
            return value if not value else REDACTED
        if _is_id(key):
            return self.ids.setdefault(value, f"00000000-0000-4000-8000-{len(self.ids) + 1:012d}")
        if _is_time(key):
            when = _parse(value)
            return _format(EPOCH + (when - self.base)) if when is not None else REDACTED
        if value in _ENUMS.get(key, ()):
            return value
        return REDACTED


def _is_id(key: str) -> bool:
    return key in ("id", "code") or key.endswith(("Id", "Ids"))


def _is_time(key: str) -> bool:
    return key.endswith(("Time", "Date")) or key.startswith("date")


def _parse(value: str) -> dt.datetime | None:
    if not _ISO.fullmatch(value):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.timezone.utc)


def _format(when: dt.datetime) -> str:
    spec = "milliseconds" if when.microsecond % 1000 == 0 else "microseconds"
    return when.astimezone(dt.timezone.utc).isoformat(timespec=spec).replace("+00:00", "Z")


def _times(value: object, key: str | None) -> list[dt.datetime | None]:
    if isinstance(value, Mapping):
        if key in _FREE_MAPS:
            return []
        return [t for k, v in value.items() if isinstance(k, str) for t in _times(v, k)]
    if isinstance(value, list):
        return [t for item in value for t in _times(item, key)]
    if isinstance(value, str) and key is not None and _is_time(key):
        return [_parse(value)]
    return []


def capture_conversation(
    conversation: JSON,
    *,
    participant_id: str | None = None,
    user_id: str | None = None,
    source: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    """The conversation anonymised for sharing, with the rule's expectation, as a corpus fixture.

    Ids are replaced consistently, free text is removed and times are shifted to 2000-01-01, by
    allow-list (docs/explain.md lists what is kept).

    The fixture is the format of ``tests/corpus/`` (its README): ``source``, ``description``,
    ``kind`` (``"event"`` for a notification, whose ``eventBody`` is used), ``topic`` (the
    notification topic with its ids as ``{id}``), ``body``, ``expect`` and ``notes``.  ``expect``
    holds what the rule chooses now, without ids, for each agent's ``user_id``, and for
    *participant_id* / *user_id* when given (translated to their replacements).

    Args:
        conversation: a ``GET /api/v2/conversations/{id}`` body, a notification (with
            ``eventBody``) or an event body.
        participant_id, user_id: the arguments of the case you are reporting, if any.
        source: where the body came from (default: ``wrapupkit capture`` and the version).
        description: the shape, in one line, in your words.

    Returns:
        The fixture, ready for ``json.dump``.

    .. versionadded:: 0.1.0
    """
    if not isinstance(conversation, Mapping):
        raise InvalidInput("conversation", f"expected a JSON object, got {type(conversation).__name__}")
    kind, topic, body = "conversation", None, conversation
    if isinstance(conversation.get("eventBody"), Mapping):
        kind, body = "event", conversation["eventBody"]
        topic = _UUID.sub("{id}", str(conversation.get("topicName") or "")) or None
    ids: dict[str, str] = {}
    anonymous = anonymise(body, ids=ids)
    legs = [p for p in anonymous.get("participants") or () if isinstance(p, Mapping)]
    users = sorted({str(p["userId"]) for p in legs if p.get("userId")})
    cases: list[dict[str, str]] = [{}]
    cases += [{"user_id": u} for u in users]
    asked = {"participant_id": participant_id, "user_id": user_id}
    mine = {k: ids.get(v, v) for k, v in asked.items() if v is not None}
    if mine and mine not in cases:
        cases.append(mine)
    return {
        "source": source or f"wrapupkit capture {__version__}",
        "description": description,
        "kind": kind,
        "topic": topic,
        "body": anonymous,
        "expect": [_expect(anonymous, args) for args in cases],
        "notes": (
            f"Captured with wrapupkit {__version__}: ids replaced consistently, free text removed, times "
            f"shifted to {_format(EPOCH)}. 'expect' is what the rule chose when captured; if it is not the "
            "leg you expected, change it and say why here."
        ),
    }


def _expect(body: JSON, args: dict[str, str]) -> dict[str, Any]:
    exp = explain_conversation(body, participant_id=args.get("participant_id"), user_id=args.get("user_id"))
    if exp.error is None:
        media = exp.media_type.value if exp.media_type is not None else None
        return {"args": args, "participant_id": exp.participant_id, "communication_id": exp.communication_id,
                "media": media}  # fmt: skip
    found: dict[str, Any] = {"args": args, "error": type(exp.error).__name__}
    if isinstance(exp.error, UnsupportedInteraction):  # the leg the rule chose before the refusal
        for leg in exp.legs:
            for comm in leg.communications:
                if comm.chosen:
                    found.update(participant_id=leg.participant_id, communication_id=comm.id)
    return found
