"""Reading a conversation body into lanes, rows and intervals, for the timeline picture (``_timeline``).

Each communication of a participant is one row of the participant's lane; its intervals come from
the SDK models' keys: alerting (``startAlertingTime``, else the leg's ``startTime``, until
``connectedTime``), connected (``connectedTime`` until ``disconnectedTime``), held (``segments`` of
type ``hold``, and ``startHoldTime`` while ``held``), disconnected (from ``disconnectedTime``) and
after-call work (``afterCallWork.startTime``/``endTime``, else the leg's ``startAcwTime``/``endAcwTime``
on the communication that carries it).  Nothing here assumes the body is well formed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs


__all__ = ["Bar", "Lane", "Row", "lanes", "moments", "when"]

JSON = Mapping[str, Any]
MEDIA_ARRAYS = (
    "calls", "callbacks", "chats", "cobrowsesessions", "emails", "messages", "internalMessages",
    "screenMonitorings", "screenshares", "socialExpressions", "videos",
)  # fmt: skip
_HOLD = "hold"


def when(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


@attrs.frozen
class Bar:
    kind: str  # a key of COLOURS
    start: dt.datetime
    end: dt.datetime | None  # None: still open at the picture's right edge
    note: str = ""


@attrs.frozen
class Row:
    media: str
    comm_id: str
    bars: tuple[Bar, ...]
    marks: tuple[tuple[dt.datetime, str], ...]  # (moment, what): disconnects, wrap-ups


@attrs.frozen
class Lane:
    participant_id: str
    purpose: str
    who: str
    rows: tuple[Row, ...]
    start: dt.datetime | None


def _media_name(array: str) -> str:
    names = {"calls": "call", "callbacks": "callback", "emails": "email", "messages": "message"}
    return names.get(array, array[:-1] if array.endswith("s") else array)


_NEVER = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def _comms(participant: JSON) -> list[tuple[str, JSON]]:
    """The leg's communications, earliest first (by their own times; ties keep the body's order)."""
    found = [
        (array, comm)
        for array in MEDIA_ARRAYS
        if isinstance(participant.get(array), list)
        for comm in participant[array]
        if isinstance(comm, Mapping)
    ]

    def first_seen(item: tuple[str, JSON]) -> dt.datetime:
        keys = ("startAlertingTime", "connectedTime", "disconnectedTime")
        return min((t for t in (when(item[1].get(k)) for k in keys) if t is not None), default=_NEVER)

    return sorted(found, key=first_seen)


def _holds(comm: JSON, ended: dt.datetime | None) -> list[Bar]:
    """Hold segments, and the hold under way (``held``); an open hold ends with the communication."""
    bars = []
    for seg in comm.get("segments") or ():
        if isinstance(seg, Mapping) and str(seg.get("type", "")).lower() == _HOLD:
            start = when(seg.get("startTime"))
            if start is not None:
                bars.append(Bar("held", start, when(seg.get("endTime")) or ended))
    current = when(comm.get("startHoldTime"))
    if comm.get("held") is True and current is not None and all(b.start != current for b in bars):
        bars.append(Bar("held", current, ended))
    return bars


def _acw(participant: JSON, comm: JSON, carries: bool) -> list[Bar]:
    acw = comm.get("afterCallWork")
    acw = acw if isinstance(acw, Mapping) else {}
    state = str(acw.get("state") or "")
    start, end = when(acw.get("startTime")), when(acw.get("endTime"))
    if start is None and carries:
        start, end = when(participant.get("startAcwTime")), when(participant.get("endAcwTime"))
    if start is None:
        return []
    return [Bar("after-call work", start, end, f"ACW {state}".strip())]


def _row(participant: JSON, array: str, comm: JSON, *, first: bool, carries: bool) -> Row:
    alerted = when(comm.get("startAlertingTime")) or (when(participant.get("startTime")) if first else None)
    connected = when(comm.get("connectedTime"))
    ended = when(comm.get("disconnectedTime"))
    bars: list[Bar] = []
    if alerted is not None and (connected is None or alerted < connected):
        bars.append(Bar("alerting", alerted, connected or ended, str(comm.get("initialState") or "")))
    if connected is not None:
        bars.append(Bar("connected", connected, ended))
    bars += _holds(comm, ended)
    marks: list[tuple[dt.datetime, str]] = []
    if ended is not None:
        how = str(comm.get("disconnectType") or "")
        bars.append(Bar("disconnected", ended, None, how))
        marks.append((ended, f"disconnected ({how})" if how else "disconnected"))
    bars += _acw(participant, comm, carries)
    wrapup = comm.get("wrapup")
    if isinstance(wrapup, Mapping) and wrapup.get("code"):
        coded = when(wrapup.get("endTime"))
        if coded is not None:
            marks.append((coded, f"wrap-up {wrapup.get('name') or wrapup.get('code')}"))
    return Row(_media_name(array), str(comm.get("id", "")), tuple(bars), tuple(marks))


def _who(participant: JSON) -> str:
    """The leg's name (else its user's, queue's or own id), with the queue of an agent leg."""
    user = participant.get("user")
    names = [participant.get("name"), user.get("name") if isinstance(user, Mapping) else None]
    name = next((str(n) for n in names if isinstance(n, str) and n.strip()), None)
    queue = participant.get("queueName")
    queue = queue if isinstance(queue, str) and queue.strip() else None
    if name is None:
        name = queue or str(
            participant.get("userId") or participant.get("queueId") or participant.get("id") or "?"
        )
    return f"{name} ({queue})" if queue and queue != name else name


def lanes(conversation: JSON) -> list[Lane]:
    lanes = []
    for participant in conversation.get("participants") or ():
        if not isinstance(participant, Mapping):
            continue
        comms = _comms(participant)
        carrying = [c for _, c in comms if isinstance(c.get("afterCallWork"), Mapping)]
        connected = [c for _, c in comms if c.get("connectedTime")]
        carrier = next(reversed(carrying or connected or [c for _, c in comms]), None)
        rows = tuple(
            _row(participant, array, comm, first=index == 0, carries=comm is carrier)
            for index, (array, comm) in enumerate(comms)
        )
        purpose = str(participant.get("purpose") or "participant")
        lanes.append(Lane(str(participant.get("id", "")), purpose, _who(participant), rows,
                           when(participant.get("startTime"))))  # fmt: skip
    return sorted(lanes, key=lambda lane: lane.start or _NEVER)  # stable: list order breaks ties


def moments(conversation: JSON, lanes: Sequence[Lane]) -> list[dt.datetime]:
    found = [when(conversation.get(k)) for k in ("startTime", "endTime")]
    for lane in lanes:
        found.append(lane.start)
        for row in lane.rows:
            found += [b.start for b in row.bars] + [b.end for b in row.bars] + [m for m, _ in row.marks]
    return [m for m in found if m is not None]
