"""The wait-and-write loop, written once and free of I/O.

:func:`wrapup_flow` is a generator: it yields what it needs next (an *effect*) and a
driver performs it and sends back the result, or throws the exception it raised.  The
sync driver lives in :mod:`wrapupkit._client`; an async driver runs the same flow with
``await``, so every strategy, built-in or a user's subclass, behaves the same in both.

Effects and what the driver answers:

* :class:`Read` -> the conversation JSON (``first``: the event source may give it instead).
* :class:`Resolve` -> the :class:`~wrapupkit.WrapupCode` for the wanted code and target.
* :class:`Lookup` -> the name of a code id from the code set already read, or ``None`` (no request).
* :class:`Write` -> ``None`` once the wrap-up is written; a refusal is thrown in.
* :class:`Wait` -> the next conversation JSON, or :data:`DEADLINE`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Generator, Mapping
from typing import Any, TypeAlias

import attrs

from wrapupkit._conversation import Target, select_target
from wrapupkit._media import MediaType
from wrapupkit._models import CommunicationSnapshot, WrapupCode, WrapupResult
from wrapupkit._readiness._decision import MIN_POLL_DELAY, ReadinessContext
from wrapupkit._readiness._events import DEADLINE, WaitRequest
from wrapupkit._readiness._strategy import ReadinessStrategy
from wrapupkit._snapshot import has_communication, snapshot_of
from wrapupkit._trace import Trace
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    BadRequest,
    Conflict,
    GenesysAPIError,
    InteractionTypeMismatch,
    NotAnsweredYet,
    ReadinessFailed,
    ReadinessTimeout,
    TransportError,
    UnsupportedInteraction,
    WrapupkitError,
)


__all__ = ["Flow", "Lookup", "Read", "Request", "Resolve", "Wait", "Write", "choose_target", "wrapup_flow"]

log = logging.getLogger("wrapupkit")
JSON = Mapping[str, Any]
# While no leg has answered yet: read again after 0.25 s, doubling up to 2 s.
_RINGING_DELAY = 0.25
_RINGING_MAX_DELAY = 2.0
# The last wait before the deadline ends this long before it, to leave time for a last look.
_LAST_LOOK = 0.1


@attrs.frozen
class Read:
    """Read the conversation (``first``: the call's first look, which an event may answer)."""

    first: bool = False


@attrs.frozen
class Resolve:
    """Resolve the wanted code in the target's code set."""

    target: Target


@attrs.frozen
class Lookup:
    """The name of a code id in the target's code set, if known without a request."""

    code_id: str
    target: Target


@attrs.frozen
class Write:
    """Write the wrap-up to the target."""

    target: Target
    fields: Mapping[str, Any]


@attrs.frozen
class Wait:
    """Wait (sleep or listen), then give the next view of the conversation."""

    request: WaitRequest


Effect: TypeAlias = Read | Resolve | Lookup | Write | Wait
Flow: TypeAlias = Generator[Effect, Any, WrapupResult]


@attrs.frozen(kw_only=True)
class Request:
    """One apply_wrapup() call's inputs, checked before the flow starts."""

    conversation_id: str
    participant_id: str | None
    user_id: str | None
    code: str
    media: MediaType | None
    fields: Mapping[str, Any]
    overwrite: bool
    deadline: float
    supported: frozenset[MediaType]
    now: Callable[[], float]
    wall: Callable[[], float] | None = None  # the clock's time(): ReadinessContext.wall_now


def wrapup_flow(req: Request, strategy: ReadinessStrategy) -> Flow:
    """Choose the target, resolve the code, wait until ready, write once."""
    started = req.now()
    conversation: JSON = yield Read(first=True)
    target, conversation = yield from _first_target(req, conversation)
    code: WrapupCode = yield Resolve(target)
    snapshot = snapshot_of(conversation, target, taken_at=req.now())
    attempt, rejections, posts, state_attempt = 1, 0, 0, 1
    state_since = req.now()
    last_error: GenesysAPIError | None = None
    rejected_at: float | None = None

    def result(*, already: bool) -> WrapupResult:
        return WrapupResult(
            conversation_id=target.conversation_id,
            participant_id=target.participant_id,
            communication_id=target.communication_id,
            media_type=target.endpoint.media,
            code=code,
            queue_id=target.queue_id,
            already_applied=already,
            attempts=posts,  # write attempts; the driver replaces them with the POSTs on the wire
            requests=0,  # the driver fills in what its transport counted
            waited=round(req.now() - started, 6),
        )

    def timeout(reason: str) -> ReadinessTimeout:
        return ReadinessTimeout(
            reason or "not ready", waited=req.now() - started, attempts=attempt, last_snapshot=snapshot
        )

    while True:
        if snapshot.wrapup_code is not None and (snapshot.wrapup_code == code.id or not req.overwrite):
            if snapshot.wrapup_code == code.id:
                log.info("code %r (id %s) already applied to %s", code.name, code.id, target.conversation_id)
                return result(already=posts == 0)
            raise (yield from _already(target, snapshot.wrapup_code, code))
        now = req.now()
        ctx = ReadinessContext(
            snapshot=snapshot,
            attempt=attempt,
            elapsed=now - started,
            remaining=req.deadline - now,
            rejections=rejections,
            last_error=last_error,
            state_attempt=state_attempt,
            now=now,
            state_since=state_since,
            wall_now=_wall_now(req),
            rejected_at=rejected_at,
        )
        decision = strategy.decide(ctx)
        after_rejection = False
        if decision.is_ready:
            try:
                posts += 1
                yield Write(target, {**req.fields, "code": code.id, "name": code.name})
            except AlreadyWrappedUp as exc:  # found by the read before a re-send: name the codes too
                raise (yield from _already(target, exc.existing_code, code)) from None
            except (BadRequest, Conflict) as exc:
                rejections += 1
                last_error, rejected_at = exc, req.now()
                ctx = attrs.evolve(ctx, rejections=rejections, last_error=exc, rejected_at=rejected_at)
                decision = strategy.on_rejected(ctx)
                if decision.kind != "wait":
                    raise
                after_rejection = True
            else:
                log.info(
                    "applied code %r (id %s) to %s participant %s (%s)",
                    code.name,
                    code.id,
                    target.conversation_id,
                    target.participant_id,
                    target.endpoint.media.value,
                )
                return result(already=False)
        if decision.kind == "fail":
            raise ReadinessFailed(
                decision.reason, waited=now - started, attempts=attempt, last_snapshot=snapshot
            )
        delay = _pause(req, decision.delay if decision.delay is not None else strategy.next_delay(ctx))
        if delay is None:
            raise timeout(decision.reason) from last_error
        log.debug("not ready (%s); checking again in %.2fs", decision.reason, delay)
        try:
            view = yield Wait(_wait_request(req, target, delay, after_rejection=after_rejection))
        except TransportError as exc:
            if req.deadline - req.now() > 0:
                raise
            raise timeout(decision.reason) from exc
        if view is DEADLINE:
            raise timeout(decision.reason) from last_error
        chosen = _rechoose(req, view, target)
        if chosen != target:
            log.info(
                "after-call work moved to participant %s communication %s; following it",
                chosen.participant_id,
                chosen.communication_id,
            )
            if chosen.queue_id != target.queue_id:
                code = yield Resolve(chosen)
            target = chosen
        previous = _state(snapshot)
        snapshot = snapshot_of(view, target, taken_at=req.now())
        attempt += 1
        if _state(snapshot) == previous:
            state_attempt += 1
        else:
            state_attempt, state_since = 1, req.now()


def _pause(req: Request, delay: float) -> float | None:
    """The wait before the next look: at least ``MIN_POLL_DELAY``, at most up to the deadline.

    A delay that would cross the deadline becomes a last, shorter wait that ends ``_LAST_LOOK``
    before it, so the state is looked at once more in time to write; ``None`` when no wait of
    at least ``MIN_POLL_DELAY`` fits any more (the deadline has come).
    """
    room = req.deadline - req.now() - _LAST_LOOK
    if room < MIN_POLL_DELAY:
        return None
    return min(max(delay, MIN_POLL_DELAY), room)


def _wall_now(req: Request) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(req.wall(), dt.timezone.utc) if req.wall is not None else None


def _already(target: Target, existing: str, code: WrapupCode) -> Generator[Effect, Any, AlreadyWrappedUp]:
    """The error for a different code already there, both codes named by name and id."""
    existing_name = yield Lookup(existing, target)
    return AlreadyWrappedUp(
        conversation_id=target.conversation_id,
        participant_id=target.participant_id,
        existing_code=existing,
        requested_code=code.id,
        existing_name=existing_name,
        requested_name=code.name,
    )


def _first_target(req: Request, conversation: JSON) -> Generator[Effect, Any, tuple[Target, JSON]]:
    """The target in the first view; while no leg has answered yet but an offer rings, read again."""
    checks = 0
    while True:
        try:
            return _choose(req, conversation), conversation
        except NotAnsweredYet as not_yet:
            checks += 1
            delay = _pause(req, min(_RINGING_MAX_DELAY, _RINGING_DELAY * 2 ** min(checks - 1, 8)))
            if delay is None:
                raise
            last = not_yet
            log.debug("no leg of %s has connected yet; reading again in %.2fs", req.conversation_id, delay)
            try:
                view = yield Wait(
                    WaitRequest(delay=delay, deadline=req.deadline, user_id=req.user_id, queue_id=None)
                )
            except TransportError:
                if req.deadline - req.now() > 0:
                    raise
                raise last from None  # the deadline came while reading again: still not answered
            if view is DEADLINE:
                raise last from None
            conversation = view


def _rechoose(req: Request, view: JSON, target: Target) -> Target:
    """The target in a later view: the same agent's leg and communication that now await the wrap-up.

    Every read re-applies the rule of docs/which-leg.md.  An explicit ``participant_id`` is never
    changed, but the communication within that leg is chosen again (after-call work may open on
    the customer's call while the last one connected was a consult call).  Without one, the
    choice is made again among the chosen agent's legs (a later read may show after-call work on
    another leg or communication).  The target is kept when the view is unclear.
    """
    if not has_communication(view, target.participant_id):
        return target
    narrowed = req if req.participant_id is not None else attrs.evolve(req, user_id=target.user_id)
    try:
        return _choose(narrowed, view)
    except WrapupkitError:
        return target


def _wait_request(req: Request, target: Target, delay: float, *, after_rejection: bool) -> WaitRequest:
    return WaitRequest(
        delay=delay,
        deadline=req.deadline,
        user_id=target.user_id,
        queue_id=target.queue_id,
        participant_id=target.participant_id,
        after_rejection=after_rejection,
    )


def _state(snapshot: CommunicationSnapshot) -> tuple[object, ...]:
    """What counts as a change of state for backoff and the unclear-state grace."""
    return (
        snapshot.participant_id,
        snapshot.communication_id,
        snapshot.state,
        snapshot.acw_state,
        snapshot.wrapup_required,
    )


def _choose(req: Request, conversation: JSON) -> Target:
    return choose_target(
        conversation,
        participant_id=req.participant_id,
        user_id=req.user_id,
        media=req.media,
        supported=req.supported,
    )


def choose_target(
    conversation: JSON,
    *,
    participant_id: str | None,
    user_id: str | None,
    media: MediaType | None,
    supported: frozenset[MediaType],
    trace: Trace | None = None,
) -> Target:
    """The flow's choice of target in one view: the rule, then the media checks (``explain()`` too).

    *trace* records the steps in words (see :func:`~wrapupkit._conversation.select_target`).
    """
    target = select_target(conversation, participant_id=participant_id, user_id=user_id, trace=trace)
    actual = target.endpoint.media
    if media is not None and media is not actual:
        if trace is not None:
            trace.note(5, f"media_type {media.value} was asked, but the communication is a {actual.value}")
        raise InteractionTypeMismatch(
            expected=media.value, actual=actual.value, conversation_id=str(conversation.get("id"))
        )
    if actual not in supported:
        if trace is not None:
            trace.note(5, f"the installed SDK has no wrap-up endpoint for {actual.value}")
        raise UnsupportedInteraction(actual.value, "the installed SDK has no wrap-up endpoint for it")
    return target
