"""Which leg gets the wrap-up, and which of its communications: the rule of docs/which-leg.md.

Works on plain JSON dicts (Genesys keys), so the same code reads a
``GET /api/v2/conversations/{id}`` response and a ``v2.users.{id}.conversations``
notification event.  No I/O and no SDK here.

The rule, in short (sources and the table of shapes are in docs/which-leg.md):

* A leg (participant) is a *candidate* when it says it awaits a wrap-up (after-call work
  pending, ``wrapupRequired``) or is an ACD agent leg (``purpose: agent``) that connected,
  and has no wrap-up yet.  An offer never answered, or a direct-call ``user`` leg that says
  none of this, is not.
* Candidates of several users and no id: :class:`AmbiguousParticipant`.  One user's
  candidates: the most recent.  No candidate: the most recent leg that connected, so a
  wrap-up already there is reported rather than written to an offer that was never answered
  (when those legs belong to several users and the latest holds no code, which agent is
  meant is unknown: :class:`AmbiguousParticipant`).
* Legs and communications are ordered by their own times, never by list or key order.
* Within the leg: the communication whose after-call work is pending, else the one that
  connected last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from wrapupkit._media import BY_ARRAY, UNWRAPPABLE_ARRAYS, MediaEndpoint
from wrapupkit._trace import SILENT, Trace
from wrapupkit.exceptions import (
    AmbiguousParticipant,
    Candidate,
    NotAnsweredYet,
    ParticipantNotFound,
    UnsupportedInteraction,
)


__all__ = ["Target", "parse_time", "select_target"]

JSON = Mapping[str, Any]
AGENT_PURPOSES = ("agent", "user")
# Communication states of an offer still ringing (or being dialled): it may yet connect.
RINGING = frozenset({"alerting", "offering", "contacting", "dialing", "scheduled"})
_EPOCH = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


@attrs.frozen
class Target:
    """The participant and communication a wrap-up goes to. Strictly private."""

    conversation_id: str
    participant_id: str
    communication_id: str
    endpoint: MediaEndpoint
    user_id: str | None
    queue_id: str | None


@attrs.frozen
class _Comm:
    array: str
    body: JSON

    @property
    def acw_state(self) -> str | None:
        acw = self.body.get("afterCallWork")
        return acw.get("state") if isinstance(acw, Mapping) else None

    @property
    def connected_at(self) -> dt.datetime | None:
        return parse_time(self.body.get("connectedTime"))

    @property
    def order(self) -> tuple[dt.datetime, dt.datetime]:
        started = parse_time(self.body.get("startTime")) or parse_time(self.body.get("startAlertingTime"))
        return (self.connected_at or started or _EPOCH, started or _EPOCH)


@attrs.frozen
class _Leg:
    body: JSON
    comms: tuple[_Comm, ...]

    @property
    def id(self) -> str:
        return str(self.body.get("id"))

    @property
    def user_id(self) -> str | None:
        value = self.body.get("userId")
        return str(value) if value is not None else None

    @property
    def connected_at(self) -> dt.datetime | None:
        times = [t for t in (c.connected_at for c in self.comms) if t is not None]
        own = parse_time(self.body.get("connectedTime"))
        return max(times, default=own)

    @property
    def connected(self) -> bool:
        return self.connected_at is not None or any(c.body.get("state") == "connected" for c in self.comms)

    @property
    def ringing(self) -> bool:
        return not self.connected and any(c.body.get("state") in RINGING for c in self.comms)

    @property
    def has_wrapup(self) -> bool:
        bodies = [self.body, *(c.body for c in self.comms)]
        return any(isinstance(b.get("wrapup"), Mapping) and b["wrapup"].get("code") for b in bodies)

    @property
    def awaiting(self) -> bool:
        """A candidate: no wrap-up yet, and after-call work pending, or answered and required / ACD.

        ``wrapupRequired`` counts once the leg connected: captured bodies show it false on offers
        still ringing or timed out, and an offer never answered cannot take a wrap-up.
        """
        return self.why()[0]

    def why(self) -> tuple[bool, str]:
        """Whether the leg is a candidate, and the words of rule 2 that decide it."""
        if self.has_wrapup:
            return False, "it already holds a wrap-up code"
        pending = [c for c in self.comms if c.acw_state == "pending"]
        if pending:
            return True, f"after-call work is pending on its {pending[0].array} {pending[0].body.get('id')}"
        if not self.connected:
            return False, "it never connected (an offer not answered)"
        if self.body.get("wrapupRequired") is True:
            return True, "it connected and says wrapupRequired"
        if self.body.get("purpose") == "agent":
            return True, "it is an ACD agent leg that connected"
        return False, "a direct-call leg that neither awaits after-call work nor requires a wrap-up"

    @property
    def order(self) -> tuple[dt.datetime, dt.datetime]:
        started = parse_time(self.body.get("startTime")) or min(
            (c.order[1] for c in self.comms), default=_EPOCH
        )
        return (self.connected_at or started, started)

    def communication(self) -> _Comm | None:
        """After-call work pending first, else the one that connected last, else the latest."""
        if not self.comms:
            return None
        pending = [c for c in self.comms if c.acw_state == "pending"]
        return max(pending or self.comms, key=lambda c: c.order)

    def describe(self) -> Candidate:
        comm = self.communication()
        connected = self.connected_at
        return Candidate(
            participant_id=self.id,
            user_id=self.user_id,
            purpose=self.body.get("purpose"),
            state=str(comm.body.get("state")) if comm is not None else None,
            media=comm.array if comm is not None else None,
            connected_time=connected.isoformat() if connected else None,
            end_time=self.body.get("endTime") or (comm.body.get("disconnectedTime") if comm else None),
            awaiting=self.awaiting,
        )


def _legs(conversation: JSON, *, agents_only: bool = True) -> list[_Leg]:
    legs = []
    for participant in conversation.get("participants") or ():
        if not isinstance(participant, Mapping):
            continue
        if agents_only and participant.get("purpose") not in AGENT_PURPOSES:
            continue
        comms = tuple(
            _Comm(key, comm)
            for key, value in participant.items()
            if (key in BY_ARRAY or key in UNWRAPPABLE_ARRAYS) and isinstance(value, list)
            for comm in value
            if isinstance(comm, Mapping)
        )
        legs.append(_Leg(participant, comms))
    return legs


def select_target(
    conversation: JSON,
    *,
    participant_id: str | None = None,
    user_id: str | None = None,
    trace: Trace | None = None,
) -> Target:
    """Choose the agent leg and its communication (see the module docstring).

    *trace*, when given, records each step of the rule in words as it is taken (``explain()``
    reads it), so an explanation is this very choice, never a second implementation.

    Raises:
        ParticipantNotFound: nothing matches (:class:`~wrapupkit.exceptions.NotAnsweredYet` when
            no leg has connected but an offer still rings).
        AmbiguousParticipant: legs of several users await a wrap-up (each listed).
        UnsupportedInteraction: the chosen communication's media cannot take a wrap-up.
    """
    trace = trace if trace is not None else SILENT
    cid = str(conversation.get("id"))
    agents = _legs(conversation)
    if trace is not SILENT:  # rules 1 and 2 in words, for every participant
        trace.legs(_legs(conversation, agents_only=False), AGENT_PURPOSES)
    every = [leg.describe() for leg in sorted(agents, key=lambda leg: leg.order)]
    if participant_id is not None:
        chosen = _exact(conversation, cid, participant_id, user_id, every)
        trace.note(3, f"participant_id {participant_id} names the leg exactly: it is chosen", chosen)
    else:
        chosen = _choose(conversation, cid, agents, user_id, every, trace=trace)
    return _target(cid, chosen, trace)


def _exact(
    conversation: JSON, cid: str, participant_id: str, user_id: str | None, every: list[Candidate]
) -> _Leg:
    found = [leg for leg in _legs(conversation, agents_only=False) if leg.id == participant_id]
    if not found:
        raise ParticipantNotFound(
            f"Conversation {cid} has no participant {participant_id}; agent legs: {_fmt(every)}.",
            conversation_id=cid,
            candidates=every,
        )
    leg = found[0]
    purpose = leg.body.get("purpose")
    if purpose not in AGENT_PURPOSES:
        raise ParticipantNotFound(
            f"Participant {participant_id} of conversation {cid} is a {purpose} participant; "
            f"wrap-up codes apply to agents: {_fmt(every)}.",
            conversation_id=cid,
            candidates=every,
        )
    if user_id is not None and leg.user_id != user_id:
        raise ParticipantNotFound(
            f"Participant {participant_id} of conversation {cid} belongs to user {leg.user_id}, "
            f"not {user_id}.",
            conversation_id=cid,
            candidates=every,
        )
    return leg


def _choose(
    conversation: JSON,
    cid: str,
    agents: list[_Leg],
    user_id: str | None,
    every: list[Candidate],
    *,
    trace: Trace,
) -> _Leg:
    legs = [leg for leg in agents if user_id is None or leg.user_id == user_id]
    who = f"user {user_id}" if user_id is not None else "an agent"
    if user_id is not None:
        trace.note(3, f"user_id {user_id} keeps that user's legs: {trace.ids(legs)}")
    if not legs:
        trace.note(3, f"there is no agent leg for {who}")
        raise ParticipantNotFound(
            f"Conversation {cid} has no leg for {who}; agent legs: {_fmt(every)}.",
            conversation_id=cid,
            candidates=every,
        )
    candidates = sorted((leg for leg in legs if leg.awaiting), key=lambda leg: leg.order)
    trace.note(3, f"candidates, oldest first by their own times (rule 4): {trace.ids(candidates)}")
    if len({leg.user_id for leg in candidates}) > 1:
        trace.note(3, "the candidates belong to several users: which agent is meant is unknown")
        described = [leg.describe() for leg in candidates]
        raise AmbiguousParticipant(
            f"Conversation {cid} has agent legs of {len({c.user_id for c in described})} users awaiting "
            f"wrap-up: {_fmt(described)}; pass participant_id or user_id.",
            conversation_id=cid,
            candidates=described,
        )
    if candidates:
        trace.note(3, "the candidates are one user's: the most recent one is chosen", candidates[-1])
        return candidates[-1]
    connected = sorted((leg for leg in legs if leg.connected), key=lambda leg: leg.order)
    if connected:
        latest = connected[-1]  # nothing awaits: report what the last answered leg holds
        if latest.has_wrapup or len({leg.user_id for leg in connected}) == 1:
            trace.note(3, "no candidate: the most recent leg that connected, to report what it holds", latest)
            return latest
        trace.note(
            3,
            f"no candidate; legs of several users connected ({trace.ids(connected)}); the latest has no code",
        )
        # Several users' legs, none awaiting and the latest without a code: writing there would
        # pick an agent at random.  Let the caller say which.
        described = [leg.describe() for leg in connected]
        raise AmbiguousParticipant(
            f"Conversation {cid} has answered legs of {len({c.user_id for c in described})} users and none "
            f"awaits a wrap-up: {_fmt(described)}; pass participant_id or user_id.",
            conversation_id=cid,
            candidates=described,
        )
    if any(leg.ringing for leg in legs) or _in_queue(conversation):
        trace.note(3, "no leg connected yet, but an offer rings or the queue still holds the interaction")
        raise NotAnsweredYet(
            f"No leg for {who} in conversation {cid} has connected yet; agent legs: {_fmt(every)}.",
            conversation_id=cid,
            candidates=every,
        )
    trace.note(3, "no leg connected and nothing rings")
    raise ParticipantNotFound(
        f"No leg for {who} in conversation {cid} ever connected (offers not answered); "
        f"agent legs: {_fmt(every)}.",
        conversation_id=cid,
        candidates=every,
    )


def _in_queue(conversation: JSON) -> bool:
    """The interaction is still waiting for an agent: the customer's side and an ACD leg are live.

    Between an offer that timed out and the next one, no agent leg rings, but the queue still
    holds the interaction (genesys-api.md 2.5: re-offers), so an agent may yet answer.
    """
    if conversation.get("endTime"):
        return False
    live = {
        str(leg.body.get("purpose"))
        for leg in _legs(conversation, agents_only=False)
        if any(c.body.get("state") in ("connected", *RINGING) for c in leg.comms)
    }
    return "acd" in live and bool(live & {"customer", "external"})


def _target(cid: str, leg: _Leg, trace: Trace) -> Target:
    comm = leg.communication()
    trace.communication(leg, comm)
    if comm is None:
        raise UnsupportedInteraction(
            "unknown", f"participant {leg.id} of conversation {cid} has no communication"
        )
    if comm.array in UNWRAPPABLE_ARRAYS:
        raise UnsupportedInteraction(
            comm.array,
            f"{UNWRAPPABLE_ARRAYS[comm.array]} (participant {leg.id}, communication "
            f"{comm.body.get('id')}, conversation {cid})",
        )
    queue = leg.body.get("queueId")
    return Target(
        conversation_id=cid,
        participant_id=leg.id,
        communication_id=str(comm.body.get("id")),
        endpoint=BY_ARRAY[comm.array],
        user_id=leg.user_id,
        queue_id=str(queue) if queue is not None else None,
    )


def parse_time(value: object) -> dt.datetime | None:
    """An ISO 8601 time as an aware datetime (naive ones are taken as UTC), or ``None``."""
    parsed: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def _fmt(candidates: Sequence[Candidate]) -> str:
    return "; ".join(str(c) for c in candidates) if candidates else "none"
