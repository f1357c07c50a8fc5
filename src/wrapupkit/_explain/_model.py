"""explain(): what apply_wrapup() would do with a conversation, and why, without writing.

The explanation runs the flow's own choice (:func:`~wrapupkit._readiness._flow.choose_target`,
which runs :func:`~wrapupkit._conversation.select_target`) with a :class:`~wrapupkit._trace.Trace`
that records each step in words, then asks the configured readiness strategy about the chosen
communication as the flow's first check does.  Nothing here re-implements the rule, so an
explanation cannot disagree with the write.  No I/O: the clients read the conversation and call
:func:`explain_conversation`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import attrs

from wrapupkit import _validate as check
from wrapupkit._conversation import Target, _when, snapshot_of
from wrapupkit._media import BY_ARRAY, MEDIA, UNWRAPPABLE_ARRAYS, MediaType
from wrapupkit._models import CommunicationSnapshot, WrapupResult
from wrapupkit._readiness._flow import choose_target
from wrapupkit._readiness._strategy import (
    Decision,
    Polling,
    Readiness,
    ReadinessContext,
    as_strategy,
    is_unclear,
)
from wrapupkit._trace import Trace
from wrapupkit._trail import Trail
from wrapupkit.exceptions import InvalidInput, NotAnsweredYet, WrapupkitError


__all__ = [
    "ExplainedCommunication",
    "ExplainedLeg",
    "Explanation",
    "explain_conversation",
    "explain_outcome",
]

JSON = Mapping[str, Any]
_ARRAYS = (*BY_ARRAY, *UNWRAPPABLE_ARRAYS)


@attrs.frozen
class ExplainedCommunication:
    """One communication of a leg, as the explanation shows it.

    Attributes:
        id: the communication id.
        media: its media array (``"calls"``, ``"callbacks"``, ``"emails"`` ...).
        state: its ``state`` (``"connected"``, ``"disconnected"``, ``"alerting"`` ...).
        direction, disconnect_type: its ``direction`` and ``disconnectType``.
        alerting_time, connected_time, disconnected_time: its times (timezone-aware), if any.
        acw_state: ``afterCallWork.state``, or ``None`` when absent.
        wrapup_code: the id of a code already on it.
        chosen: whether it is the communication the wrap-up would go to.

    .. versionadded:: 0.1.0
    """

    id: str
    media: str
    state: str | None = None
    direction: str | None = None
    disconnect_type: str | None = None
    alerting_time: dt.datetime | None = None
    connected_time: dt.datetime | None = None
    disconnected_time: dt.datetime | None = None
    acw_state: str | None = None
    wrapup_code: str | None = None
    chosen: bool = False


@attrs.frozen
class ExplainedLeg:
    """One participant (leg) of the conversation, and what the rule made of it.

    Attributes:
        participant_id: the participant id.
        purpose: ``"agent"``, ``"user"``, ``"customer"``, ``"acd"`` ...
        user_id, queue_id: the agent and the queue, if any.
        start_time, end_time: the participant's times.
        wrapup_required: the participant's ``wrapupRequired``.
        wrapup_code: the id of a code already on the leg or one of its communications.
        agent: whether it is an agent leg (rule 1: only those can be targets).
        candidate: whether it awaits a wrap-up (rule 2).
        reason: why it is, or is not, a candidate (or why it is no target at all).
        chosen: whether it is the leg the wrap-up would go to.
        communications: its communications, in the order the body lists them.

    .. versionadded:: 0.1.0
    """

    participant_id: str
    purpose: str | None
    user_id: str | None = None
    queue_id: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    wrapup_required: bool | None = None
    wrapup_code: str | None = None
    agent: bool = False
    candidate: bool = False
    reason: str = ""
    chosen: bool = False
    communications: tuple[ExplainedCommunication, ...] = ()


@attrs.frozen(repr=False)
class Explanation:
    """What :meth:`~wrapupkit.WrapupClient.apply_wrapup` would do with a conversation right now, and why.

    Built by :meth:`WrapupClient.explain() <wrapupkit.WrapupClient.explain>`,
    :func:`explain_conversation` (a saved body) and :func:`explain_outcome` (a result or an error,
    after the fact).  The choice is made by the same code the write uses, with each step recorded.
    Shown as text (``str()``, :meth:`text`), JSON (:meth:`to_dict`) and in notebooks (a table and
    the conversation's timeline).

    Attributes:
        conversation_id: the conversation.
        legs: every participant, oldest first by its own times, with its communications and what
            the rule made of it.
        steps: the rule of docs/which-leg.md as it was applied, step by step, in words.
        participant_id, communication_id: the target, or ``None`` when the call would raise.
        media_type: the target communication's media type.
        user_id, queue_id: the target leg's agent and queue.
        error: the typed error the call would raise choosing the target
            (:class:`~wrapupkit.exceptions.AmbiguousParticipant`,
            :class:`~wrapupkit.exceptions.NotAnsweredYet`, ...), or ``None``.
        snapshot: the target communication as the readiness strategy sees it.
        existing_code: the id of a wrap-up code already on the target communication.
        verdict: the readiness strategy's first decision (``None`` without a target or when a
            code is already there).
        strategy: the strategy's repr.
        unclear_grace: when the target's state is unclear (:func:`~wrapupkit.is_unclear`) and the
            strategy is a :class:`~wrapupkit.Polling`, the seconds after which it writes once.
        arguments: the arguments the explanation was made for (``participant_id``, ``user_id``,
            ``media_type``; only those given).
        trail: for :func:`explain_outcome`, how the call went.
        conversation: the conversation body explained (not part of the repr or of equality).

    .. versionadded:: 0.1.0
    """

    conversation_id: str
    legs: tuple[ExplainedLeg, ...]
    steps: tuple[str, ...]
    participant_id: str | None = None
    communication_id: str | None = None
    media_type: MediaType | None = None
    user_id: str | None = None
    queue_id: str | None = None
    error: WrapupkitError | None = attrs.field(default=None, eq=False)
    snapshot: CommunicationSnapshot | None = None
    existing_code: str | None = None
    verdict: Decision | None = None
    strategy: str = ""
    unclear_grace: float | None = None
    arguments: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    trail: Trail | None = None
    conversation: JSON = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def target(self) -> tuple[str, str] | None:
        """``(participant id, communication id)`` of the target, or ``None``."""
        if self.participant_id is None or self.communication_id is None:
            return None
        return (self.participant_id, self.communication_id)

    @property
    def ready(self) -> bool:
        """Whether the call would write at once (a target, no code there, the strategy says ready)."""
        return self.verdict is not None and self.verdict.is_ready

    @property
    def waits_for(self) -> str:
        """What the call would do next, in words (write, wait and for what, report a code, or raise)."""
        if isinstance(self.error, NotAnsweredYet):
            return (
                "a leg to answer: apply_wrapup() reads the conversation again until one connects, "
                "or raises NotAnsweredYet at its deadline"
            )
        if self.error is not None:
            return f"nothing: apply_wrapup() raises {type(self.error).__name__} at once"
        if self.existing_code is not None:
            return (
                f"nothing: code {self.existing_code} is already there (asking for the same code is "
                "already_applied; another raises AlreadyWrappedUp unless overwrite=True)"
            )
        verdict = self.verdict
        if verdict is None:
            return "nothing"
        if verdict.is_ready:
            return f"nothing: it writes now ({verdict.reason})"
        if verdict.kind == "fail":
            return f"nothing: the strategy gives up, ReadinessFailed ({verdict.reason})"
        text = f"the strategy to say ready: {verdict.reason or 'waiting'}"
        if self.unclear_grace is not None:
            text += f"; in this unclear state Polling writes once after {self.unclear_grace:g} s"
        return text

    def text(self) -> str:
        """The explanation as readable text (what ``wrapupkit explain`` prints)."""
        from wrapupkit._explain._show import as_text

        return as_text(self)

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data (what ``wrapupkit explain --json`` prints)."""
        from wrapupkit._explain._show import as_dict

        return as_dict(self)

    def svg(self) -> str:
        """The conversation's timeline as SVG, the target marked.

        Raises:
            ConfigurationError: this version of wrapupkit has no timeline renderer.
        """
        from wrapupkit._explain._show import as_svg

        return as_svg(self)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        if self.error is not None:
            outcome = f"error={type(self.error).__name__}"
        else:
            outcome = (
                f"target=({self.participant_id!r}, {self.communication_id!r}), media_type={self.media_type}"
            )
        verdict = f", verdict={self.verdict.kind!r}" if self.verdict is not None else ""
        return (
            f"Explanation(conversation_id={self.conversation_id!r}, {outcome}{verdict}, "
            f"legs={len(self.legs)}, steps={len(self.steps)})"
        )

    def _repr_html_(self) -> str:
        from wrapupkit._explain._show import as_html

        return as_html(self)

    def _repr_svg_(self) -> str | None:
        from wrapupkit._explain._show import try_svg

        return try_svg(self)


def explain_conversation(
    conversation: JSON,
    *,
    participant_id: str | None = None,
    user_id: str | None = None,
    media_type: MediaType | str | None = None,
    readiness: Readiness | None = None,
    supported: frozenset[MediaType] | None = None,
    now: float = 0.0,
) -> Explanation:
    """Explain what :meth:`~wrapupkit.WrapupClient.apply_wrapup` would do with *conversation*.

    No client and no network: *conversation* is a ``GET /api/v2/conversations/{id}`` body or a
    ``v2.users.{id}.conversations`` event body (from a file, a test, a log).

    Args:
        conversation: the body, as parsed JSON.
        participant_id, user_id, media_type: as for ``apply_wrapup()``.
        readiness: the strategy to ask (default :class:`~wrapupkit.Polling`).
        supported: the media types the SDK can write (default: every :class:`~wrapupkit.MediaType`).
        now: the clock reading given to the strategy as ``ctx.now`` (and ``state_since``).

    Returns:
        The :class:`Explanation`.

    Raises:
        InvalidInput: a malformed argument, or *conversation* is not a JSON object.

    .. versionadded:: 0.1.0
    """
    if not isinstance(conversation, Mapping):
        raise InvalidInput("conversation", f"expected a JSON object, got {type(conversation).__name__}")
    check.check_id("participant_id", participant_id, optional=True)
    check.check_id("user_id", user_id, optional=True)
    media = check.media(media_type)
    strategy = as_strategy(readiness)
    trace = Trace()
    target: Target | None = None
    error: WrapupkitError | None = None
    try:
        target = choose_target(
            conversation,
            participant_id=participant_id,
            user_id=user_id,
            media=media,
            supported=frozenset(MEDIA) if supported is None else supported,
            trace=trace,
        )
    except WrapupkitError as exc:
        error = exc
    snapshot, verdict = None, None
    if target is not None:
        snapshot = snapshot_of(conversation, target, taken_at=now)
        if snapshot.wrapup_code is None:
            ctx = ReadinessContext(snapshot=snapshot, remaining=math.inf, now=now, state_since=now)
            verdict = strategy.decide(ctx)
    chosen = (target.participant_id, target.communication_id) if target is not None else None
    arguments = {"participant_id": participant_id, "user_id": user_id, "media_type": media and media.value}
    return Explanation(
        conversation_id=str(conversation.get("id")),
        legs=_legs(conversation, trace, chosen),
        steps=tuple(f"rule {step.rule}: {step.text}" for step in trace.steps),
        participant_id=target.participant_id if target else None,
        communication_id=target.communication_id if target else None,
        media_type=target.endpoint.media if target else None,
        user_id=target.user_id if target else None,
        queue_id=target.queue_id if target else None,
        error=error,
        snapshot=snapshot,
        existing_code=snapshot.wrapup_code if snapshot is not None else None,
        verdict=verdict,
        strategy=repr(strategy),
        unclear_grace=(
            strategy.unclear_grace
            if isinstance(strategy, Polling) and snapshot is not None and is_unclear(snapshot)
            else None
        ),
        arguments={k: v for k, v in arguments.items() if v is not None},
        conversation=conversation,
    )


def explain_outcome(
    outcome: WrapupResult | BaseException, *, readiness: Readiness | None = None
) -> Explanation:
    """Explain, after the fact, what an :meth:`~wrapupkit.WrapupClient.apply_wrapup` call chose and why.

    Uses the :class:`~wrapupkit.Trail` the call left on its result or its error: the body the
    target was chosen from, the call's arguments, how many reads it took and when it wrote.

    Args:
        outcome: a :class:`~wrapupkit.WrapupResult`, or an exception ``apply_wrapup()`` raised.
        readiness: the strategy to ask about that body (default :class:`~wrapupkit.Polling`).

    Raises:
        InvalidInput: *outcome* carries no trail (it did not come from a call that read the
            conversation: for example an argument was refused before any request).

    .. versionadded:: 0.1.0
    """
    trail = getattr(outcome, "trail", None)
    if not isinstance(trail, Trail) or trail.conversation is None:
        raise InvalidInput(
            "outcome", f"this {type(outcome).__name__} carries no trail of a call that read the conversation"
        )
    explanation = explain_conversation(
        trail.conversation,
        participant_id=trail.participant_id,
        user_id=trail.user_id,
        media_type=trail.media_type,
        readiness=readiness,
    )
    return attrs.evolve(explanation, trail=trail)


def _legs(conversation: JSON, trace: Trace, chosen: tuple[str, str] | None) -> tuple[ExplainedLeg, ...]:
    """Every participant in the order the rule saw them (its own times), with the trace's verdicts."""
    order = [s.participant_id for s in trace.steps if s.rule in (1, 2) and s.participant_id is not None]
    notes = {s.participant_id: s.text for s in trace.steps if s.rule == 1}
    by_id = {str(p.get("id")): p for p in conversation.get("participants") or () if isinstance(p, Mapping)}
    picked_leg = chosen[0] if chosen else trace.participant_id
    picked_comm = chosen[1] if chosen else trace.communication_id
    legs = []
    for pid in order or list(by_id):
        body = by_id.get(pid, {})
        candidate, why = trace.verdicts.get(pid, (False, ""))
        comms = tuple(
            _communication(array, comm, chosen=pid == picked_leg and str(comm.get("id")) == picked_comm)
            for array in _ARRAYS
            for comm in body.get(array) or ()
            if isinstance(comm, Mapping)
        )
        codes = [c.wrapup_code for c in comms if c.wrapup_code] + [_code(body)]
        legs.append(
            ExplainedLeg(
                participant_id=pid,
                purpose=_text(body.get("purpose")),
                user_id=_text(body.get("userId")),
                queue_id=_text(body.get("queueId")),
                start_time=_when(body.get("startTime")),
                end_time=_when(body.get("endTime")),
                wrapup_required=body.get("wrapupRequired"),
                wrapup_code=next((c for c in codes if c), None),
                agent=pid in trace.verdicts,
                candidate=candidate,
                reason=why or (notes.get(pid, "").partition(": ")[2]),
                chosen=pid == picked_leg,
                communications=comms,
            )
        )
    return tuple(legs)


def _communication(array: str, comm: JSON, *, chosen: bool) -> ExplainedCommunication:
    acw = comm.get("afterCallWork")
    return ExplainedCommunication(
        id=str(comm.get("id")),
        media=array,
        state=_text(comm.get("state")),
        direction=_text(comm.get("direction")),
        disconnect_type=_text(comm.get("disconnectType")),
        alerting_time=_when(comm.get("startAlertingTime") or comm.get("startTime")),
        connected_time=_when(comm.get("connectedTime")),
        disconnected_time=_when(comm.get("disconnectedTime")),
        acw_state=_text(acw.get("state")) if isinstance(acw, Mapping) else None,
        wrapup_code=_code(comm),
        chosen=chosen,
    )


def _code(body: JSON) -> str | None:
    wrapup = body.get("wrapup")
    return _text(wrapup.get("code")) if isinstance(wrapup, Mapping) else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
