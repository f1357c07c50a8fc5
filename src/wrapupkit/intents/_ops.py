"""The stores' rules as pure functions: what a put, claim, renew, release or finish makes of a record.

Both stores read a record inside their own atomic section (SQLite ``BEGIN IMMEDIATE``, Redis
``WATCH``/``MULTI``), call one of these functions and write back what it returns, so that the
rules are written once.  A function returns ``None`` when nothing changes.  No I/O here.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from typing import Any

import attrs

from wrapupkit.exceptions import ConfigurationError, IntentConflict, InvalidInput, InvalidType
from wrapupkit.intents._model import FINAL_STATES, Intent, IntentState, Lease


__all__ = [
    "Record",
    "check_limit",
    "check_purge",
    "check_seconds",
    "check_state",
    "claimed",
    "decode",
    "encode",
    "finish_target",
    "finished",
    "is_due",
    "purgeable",
    "put_record",
    "released",
    "renewed",
]

_INTENT_FIELDS = tuple(a.name for a in attrs.fields(Intent))


@attrs.frozen
class Record:
    """An intent as a store keeps it: the intent and the lease that holds it, if any."""

    intent: Intent
    lease: Lease | None = None

    def live(self, now: float) -> bool:
        """A lease holds the intent at *now*."""
        return self.lease is not None and now < self.lease.expires_at

    def holds(self, lease: Lease, now: float) -> bool:
        """*lease* is this record's live lease."""
        return (
            self.live(now)
            and self.lease is not None
            and self.lease.token == lease.token
            and self.intent.state is IntentState.PENDING
        )


def encode(record: Record) -> str:
    """The record as JSON text (notes included: stores keep them, only logs and reprs hide them)."""
    data: dict[str, Any] = {name: getattr(record.intent, name) for name in _INTENT_FIELDS}
    data["state"] = record.intent.state.value
    data["tags"] = list(record.intent.tags)
    if record.lease is not None:
        data["lease"] = attrs.asdict(record.lease)
    return json.dumps(data, separators=(",", ":"))


def decode(text: str | bytes) -> Record:
    """The record :func:`encode` wrote."""
    data = json.loads(text)
    lease = data.pop("lease", None)
    data["state"] = IntentState(data["state"])
    data["tags"] = tuple(data.get("tags") or ())
    intent = Intent(**{k: v for k, v in data.items() if k in _INTENT_FIELDS})
    return Record(intent, Lease(**lease) if lease else None)


def put_record(existing: Record | None, intent: Intent, *, replace: bool) -> Record | None:
    """What storing *intent* makes of *existing*; ``None``: keep *existing* unchanged.

    Raises:
        IntentConflict: *existing* is pending with another code and *replace* is false.
    """
    _check_intent(intent)
    stamp = intent.created_at or time.time()
    if existing is None or existing.intent.final:
        version = existing.intent.version + 1 if existing is not None else 1
        fresh = attrs.evolve(
            intent,
            state=IntentState.PENDING,
            created_at=stamp,
            updated_at=intent.updated_at or stamp,
            reason=None,
            applied_code_id=None,
            applied_code_name=None,
            claims=0,
            version=version,
        )
        return Record(fresh)
    old = existing.intent
    if intent.code != old.code and not replace:
        raise IntentConflict(intent_id=old.id, existing_code=old.code, requested_code=intent.code)
    if not replace:
        return None
    changed = attrs.evolve(
        old,
        code=intent.code,
        notes=intent.notes,
        tags=intent.tags,
        media_type=intent.media_type,
        expires_at=intent.expires_at,
        updated_at=max(old.updated_at, intent.updated_at or time.time()),
        version=old.version + 1,
    )
    return Record(changed, existing.lease)


def claimed(record: Record, *, owner: str, lease_for: float, now: float) -> Record | None:
    """*record* taken by *owner* for *lease_for* seconds; ``None`` if it is final or held."""
    check_seconds("lease", lease_for)
    if record.intent.state is not IntentState.PENDING or record.live(now):
        return None
    intent = record.intent
    lease = Lease(intent.id, owner, secrets.token_hex(16), now + lease_for)
    return Record(
        attrs.evolve(intent, claims=intent.claims + 1, version=intent.version + 1, updated_at=now),
        lease,
    )


def renewed(record: Record, lease: Lease, *, lease_for: float, now: float) -> Record | None:
    """*record* with *lease* extended to ``now + lease_for``; ``None`` when the lease was lost."""
    check_seconds("lease_for", lease_for)
    if not record.holds(lease, now):
        return None
    return attrs.evolve(record, lease=attrs.evolve(lease, expires_at=now + lease_for))


def released(record: Record, lease: Lease) -> Record | None:
    """*record* without *lease*; ``None`` when *lease* is not the record's (nothing to give back)."""
    if record.lease is None or record.lease.token != lease.token:
        return None
    return Record(record.intent)


def finished(
    record: Record,
    lease: Lease | None,
    state: IntentState,
    *,
    now: float,
    reason: str | None = None,
    applied_code_id: str | None = None,
    applied_code_name: str | None = None,
) -> Record | None:
    """*record* moved to the final *state*; ``None`` when *lease* was lost (or, without a lease,
    when the intent is no longer pending or a live lease holds it)."""
    if lease is None:
        if record.intent.state is not IntentState.PENDING or record.live(now):
            return None
    elif not record.holds(lease, now):
        return None
    intent = attrs.evolve(
        record.intent,
        state=state,
        reason=reason,
        applied_code_id=applied_code_id,
        applied_code_name=applied_code_name,
        updated_at=now,
        version=record.intent.version + 1,
    )
    return Record(intent)


def finish_target(lease: Lease | None, state: object, intent_id: str | None) -> str:
    """The id :meth:`~wrapupkit.intents.IntentStore.finish` acts on, after checking its arguments."""
    if not isinstance(state, IntentState) or state not in FINAL_STATES:
        raise ConfigurationError(
            f"finish() needs a final state (applied, already, failed, expired), not {state!r}"
        )
    if lease is None:
        if intent_id is None:
            raise ConfigurationError("finish() without a lease needs intent_id")
        return intent_id
    if intent_id is not None and intent_id != lease.intent_id:
        raise ConfigurationError(f"finish() got a lease on {lease.intent_id} and intent_id={intent_id!r}")
    return lease.intent_id


def is_due(record: Record, *, now: float, stale_after: float) -> bool:
    """The sweep should look at *record*: pending, unheld, and stale or past its expiry."""
    intent = record.intent
    if intent.state is not IntentState.PENDING or record.live(now):
        return False
    expired = 0 < intent.expires_at <= now
    return expired or intent.updated_at <= now - stale_after


def purgeable(record: Record | None, before: float) -> bool:
    """``purge()`` may delete *record*: final, and last changed before *before*."""
    return record is not None and record.intent.final and record.intent.updated_at < before


def check_purge(before: object, limit: object) -> tuple[float, int]:
    """``purge()``'s arguments: *before* a finite epoch time, *limit* a whole number >= 1.

    Raises:
        InvalidType: *before* is not a number or *limit* not a whole number.
        InvalidInput: *before* is NaN or infinite, or *limit* is below 1.
    """
    if isinstance(before, bool) or not isinstance(before, (int, float)):
        raise InvalidType(f"before must be a wall-clock time in epoch seconds, not {type(before).__name__}")
    if not math.isfinite(before):
        raise InvalidInput("before", f"expected a finite wall-clock time in epoch seconds, not {before!r}")
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidType(f"limit must be a whole number, not {type(limit).__name__}")
    if limit < 1:
        raise InvalidInput("limit", f"expected at least 1, not {limit}")
    return float(before), limit


def check_seconds(name: str, value: object) -> float:
    """*value* as a positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidType(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive, finite number of seconds, not {value!r}")
    return float(value)


def check_limit(value: object, *, optional: bool = False) -> int | None:
    """*value* as a positive whole number (or ``None`` when *optional*)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"limit must be a whole number, not {type(value).__name__}")
    if value < 1:
        raise ConfigurationError(f"limit must be at least 1, not {value}")
    return value


def check_state(value: object) -> IntentState | None:
    """*value* as an :class:`IntentState` (a state's name is accepted too), or ``None``."""
    if value is None or isinstance(value, IntentState):
        return value
    try:
        return IntentState(value)
    except ValueError:
        names = ", ".join(s.value for s in IntentState)
        raise ConfigurationError(f"unknown intent state {value!r}; expected one of {names}") from None


def _check_intent(intent: object) -> None:
    if not isinstance(intent, Intent):
        raise InvalidType(f"put() takes an Intent, not {type(intent).__name__}")
