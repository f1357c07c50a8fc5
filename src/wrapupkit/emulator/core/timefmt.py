"""Genesys time stamps."""

from __future__ import annotations

import datetime as dt


__all__ = ["iso", "parse_iso"]


def iso(epoch: float) -> str:
    """Format epoch seconds the way Genesys does: ``2026-01-01T10:00:00.000Z``."""
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float | None:
    """Epoch seconds of an ISO-8601 date-time (UTC when it has no zone), or None if malformed."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()
