"""explain(): what apply_wrapup() would do with a conversation, and why, without writing.

The explanation runs the flow's own choice (:func:`~wrapupkit._readiness._flow.choose_target`,
which runs :func:`~wrapupkit._conversation.select_target`) with a :class:`~wrapupkit._trace.Trace`
that records each step in words, then asks the configured readiness strategy about the chosen
communication as the flow's first check does.  Nothing here re-implements the rule, so an
explanation cannot disagree with the write.  No I/O: the clients read the conversation and call
:func:`explain_conversation`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from wrapupkit import _validate as check
from wrapupkit._conversation import Target
from wrapupkit._explain._legs import ExplainedLeg, legs_of
from wrapupkit._media import MEDIA, MediaType
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
from wrapupkit._snapshot import snapshot_of
from wrapupkit._trace import Trace
from wrapupkit._trail import Trail
from wrapupkit.exceptions import InvalidInput, NotAnsweredYet, WrapupkitError


if TYPE_CHECKING:
    from wrapupkit._clock import Clock
    from wrapupkit._http import Caller

__all__ = ["Explanation", "explain_conversation", "explain_outcome", "read_and_explain"]

JSON = Mapping[str, Any]


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
        legs=legs_of(conversation, trace, chosen),
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


def read_and_explain(
    http: Caller,
    clock: Clock,
    timeout: float,
    conversation_id: str,
    *,
    participant_id: str | None,
    user_id: str | None,
    media_type: MediaType | str | None,
    readiness: Readiness,
) -> Explanation:
    """The clients' ``explain()``: check the arguments, read the conversation once, explain it.

    Strictly private.

    Raises:
        InvalidInput: a malformed argument; nothing was sent.
        GenesysAPIError: Genesys refused the read.
    """
    check.check_id("conversation_id", conversation_id)
    check.check_id("participant_id", participant_id, optional=True)
    check.check_id("user_id", user_id, optional=True)
    check.media(media_type)
    with http.budget(clock.monotonic() + timeout):
        body = http.get_conversation(conversation_id)
    return explain_conversation(
        body,
        participant_id=participant_id,
        user_id=user_id,
        media_type=media_type,
        readiness=readiness,
        supported=http.supported_media,
        now=clock.monotonic(),
    )
