"""``intend()``: record a wrap-up decision durably, and apply it at once when Genesys already allows.

The clients' ``intend()`` methods are one line each; the work is here.  An intent is checked as
:meth:`~wrapupkit.WrapupClient.apply_wrapup` checks its arguments (the same function, before any
I/O), stored (``put``: idempotent for the same leg and code), then claimed and tried in one pass:
one read of the conversation, and the write only when the client's readiness strategy says the
communication is ready now.  What the pass finds settles the intent (``applied``, ``already``,
``failed``); a communication that is not ready yet, or an answer that time may change, leaves it
``pending`` for a worker (:class:`wrapupkit.fleet.Worker`).

The clients import this module (inside ``intend()``), so it types them as ``Any``, never importing
them.  The fleet's worker shares :func:`settle`, :class:`Pass` and the store helpers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from wrapupkit import _validate as check
from wrapupkit._conversation import select_target
from wrapupkit._readiness._pass import Pass
from wrapupkit._readiness._strategy import ReadinessContext, ReadinessStrategy, judge
from wrapupkit._snapshot import snapshot_of
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    AmbiguousParticipant,
    Forbidden,
    InteractionTypeMismatch,
    InvalidInput,
    NotFound,
    UnknownWrapupCode,
    UnsupportedInteraction,
    WrapupkitError,
)
from wrapupkit.intents import Intent, IntentState, intent_key
from wrapupkit.intents._clientstores import aclose_stores, client_store, close_stores, default_store_url


if TYPE_CHECKING:
    from wrapupkit._media import MediaType
    from wrapupkit._models import WrapupResult
    from wrapupkit.intents import AsyncIntentStore, IntentStore

__all__ = [
    "DEFAULT_EXPIRES",
    "Pass",
    "aclose_stores",
    "apply_args",
    "close_stores",
    "default_store_url",
    "intend",
    "intend_args",
    "intend_async",
    "new_owner",
    "settle",
    "shows_acw",
]

log = logging.getLogger("wrapupkit.intents")

DEFAULT_EXPIRES = 86_400.0
"""A pending intent expires a day after it was recorded, unless ``expires=`` says otherwise."""
# How long intend() holds its claim while it tries the one pass (a worker may take it after).
_INTEND_LEASE = 60.0

# Refusals that time cannot change: the intent fails (with the error's class and message).
_FINAL_ERRORS: tuple[type[Exception], ...] = (
    UnknownWrapupCode,
    InteractionTypeMismatch,
    UnsupportedInteraction,
    AmbiguousParticipant,
    Forbidden,
    NotFound,
)


def new_owner(kind: str) -> str:
    """A lease owner id unique to this process and call site: ``kind@host:pid:random``."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _expiry(expires: object, now: float) -> float:
    if isinstance(expires, dt.datetime):
        if expires.tzinfo is None:
            raise InvalidInput("expires", "a datetime must be timezone-aware")
        return expires.timestamp()
    return now + check.seconds("expires", expires)


def new_intent(
    client: Any,
    conversation_id: str,
    code: str,
    *,
    participant_id: str | None,
    user_id: str | None,
    notes: str | None,
    tags: Sequence[str] | None,
    media_type: MediaType | str | None,
    expires: float | dt.timedelta | dt.datetime,
    replace: bool,
) -> Intent:
    """The intent to store, after every check apply_wrapup() makes (nothing is sent before)."""
    request = client._begin(
        conversation_id,
        code,
        participant_id=participant_id,
        user_id=user_id,
        media_type=media_type,
        notes=notes,
        tags=tags,
        duration=None,
        readiness=None,
        timeout=None,
        overwrite=False,
    ).request
    check.flag("replace", replace)
    now = client.clock.time()
    return Intent(
        id=intent_key(conversation_id, participant_id, user_id),
        conversation_id=conversation_id,
        code=code,
        participant_id=participant_id,
        user_id=user_id,
        notes=request.fields["notes"],
        tags=tuple(request.fields["tags"] or ()),
        media_type=request.media.value if request.media is not None else None,
        created_at=now,
        updated_at=now,
        expires_at=_expiry(expires, now),
    )


# -- what one try tells ------------------------------------------------------------------------------


@attrs.frozen
class Settled:
    """How a try ends: a final state with what ``finish()`` records, or ``state=None`` (still pending)."""

    state: IntentState | None
    reason: str | None = None
    applied_code_id: str | None = None
    applied_code_name: str | None = None

    def finish_args(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "applied_code_id": self.applied_code_id,
            "applied_code_name": self.applied_code_name,
        }


def settle(outcome: WrapupResult | BaseException) -> Settled:
    """The intent's next state after one apply: a result, or the error it raised.

    ``applied`` for a write or the same code found; ``already`` (both codes named) for another
    code there first; ``failed`` for refusals time cannot change (unknown code, other media,
    ambiguous leg, forbidden, not found); anything else (not ready yet, no agent leg yet, rate
    limits, network, a 400/409 Genesys gives while ACW opens) leaves it pending.
    """
    if isinstance(outcome, AlreadyWrappedUp):
        return Settled(
            IntentState.ALREADY,
            str(outcome),
            applied_code_id=outcome.existing_code,
            applied_code_name=outcome.existing_name,
        )
    if isinstance(outcome, BaseException):
        if isinstance(outcome, _FINAL_ERRORS):
            return Settled(IntentState.FAILED, f"{type(outcome).__name__}: {outcome}")
        return Settled(None, f"{type(outcome).__name__}: {outcome}")
    return Settled(IntentState.APPLIED, applied_code_id=outcome.code.id, applied_code_name=outcome.code.name)


def log_transition(intent: Intent, state: IntentState | str, **extra: object) -> None:
    """One structured line per intent transition (never the notes)."""
    fields = {
        "event": "intent",
        "intent_id": intent.id,
        "conversation_id": intent.conversation_id,
        "state": str(state),
        "code": intent.code,
        **{k: v for k, v in extra.items() if v is not None},
    }
    log.info(" ".join(f"{k}={_quoted(v)}" for k, v in fields.items()), extra={"wrapupkit": fields})


def _quoted(value: object) -> str:
    text = str(value)
    return repr(text) if not text or any(c in text for c in " =\"'") else text


# -- intend() ---------------------------------------------------------------------------------------


def intend_args(names: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a client's ``intend()`` from its ``locals()``."""
    return {k: v for k, v in names.items() if k not in ("self", "conversation_id", "code") and k[0] != "_"}


def intend(client: Any, conversation_id: str, code: str, **kwargs: Any) -> Intent:
    """:meth:`WrapupClient.intend` (see there)."""
    store_spec = kwargs.pop("store", None)
    intent = new_intent(client, conversation_id, code, **kwargs)
    store: IntentStore = client_store(client, store_spec, asynchronous=False)
    stored = store.put(intent, replace=kwargs["replace"])
    log_transition(stored, "recorded", version=stored.version)
    try:
        view: Mapping[str, Any] | BaseException = client._http.get_conversation(conversation_id)
    except Exception as exc:  # noqa: BLE001 - the error is the intent's state, or it stays pending
        view = exc
    step = _first_look(view, stored, client.readiness)
    if isinstance(step, Settled):
        if step.state is None:
            return stored
        return _finished(store.finish(None, step.state, intent_id=stored.id, now=client.clock.time(),
                                      **step.finish_args()), stored, step)  # fmt: skip
    lease = store.claim(stored.id, owner=new_owner("intend"), lease=_INTEND_LEASE, now=client.clock.time())
    if lease is None:
        return stored  # a worker holds it: it finishes it
    outcome: WrapupResult | BaseException
    try:
        outcome = client.apply_wrapup(**apply_args(stored), readiness=Pass(client.readiness, first_view=step))
    except Exception as exc:  # noqa: BLE001 - every error becomes the intent's state or stays pending
        outcome = exc
    done = settle(outcome)
    if done.state is None:
        store.release(lease)
        return store.get(stored.id) or stored
    return _finished(
        store.finish(lease, done.state, now=client.clock.time(), **done.finish_args()), stored, done
    )


async def intend_async(client: Any, conversation_id: str, code: str, **kwargs: Any) -> Intent:
    """:meth:`AsyncWrapupClient.intend` (see there)."""
    store_spec = kwargs.pop("store", None)
    intent = new_intent(client, conversation_id, code, **kwargs)
    store: AsyncIntentStore = client_store(client, store_spec, asynchronous=True)
    stored = await store.put(intent, replace=kwargs["replace"])
    log_transition(stored, "recorded", version=stored.version)
    try:
        view: Mapping[str, Any] | BaseException = await client._offload(
            lambda: client._http.get_conversation(conversation_id)
        )
    except Exception as exc:  # noqa: BLE001 - the error is the intent's state, or it stays pending
        view = exc
    step = _first_look(view, stored, client.readiness)
    if isinstance(step, Settled):
        if step.state is None:
            return stored
        finished = await store.finish(
            None,
            step.state,
            intent_id=stored.id,
            now=client.clock.time(),
            **step.finish_args(),
        )
        return _finished(finished, stored, step)
    lease = await store.claim(
        stored.id, owner=new_owner("intend"), lease=_INTEND_LEASE, now=client.clock.time()
    )
    if lease is None:
        return stored
    outcome: WrapupResult | BaseException
    try:
        outcome = await client.apply_wrapup(
            **apply_args(stored), readiness=Pass(client.readiness, first_view=step)
        )
    except Exception as exc:  # noqa: BLE001 - every error becomes the intent's state or stays pending
        outcome = exc
    done = settle(outcome)
    if done.state is None:
        await store.release(lease)
        return await store.get(stored.id) or stored
    finished = await store.finish(lease, done.state, now=client.clock.time(), **done.finish_args())
    return _finished(finished, stored, done)


def _first_look(
    view: Mapping[str, Any] | BaseException, intent: Intent, strategy: ReadinessStrategy
) -> Settled | Mapping[str, Any]:
    """What intend() does after its one read: settle (an error time cannot change), apply with
    this view (after-call work is open, or a code is there), or leave it pending (``state=None``).

    Nothing is claimed unless the view shows the leg ready, so a worker that later sees it in
    an event knows no earlier holder could have written.
    """
    if isinstance(view, BaseException):
        return settle(view)
    return view if shows_acw(view, intent, strategy) else Settled(None, "not ready yet")


def shows_acw(view: Mapping[str, Any], intent: Intent, strategy: ReadinessStrategy | None = None) -> bool:
    """A conversation view (a GET or an event body) shows the intent's leg wrapped up already, or
    ready for a wrap-up in the judgement of *strategy* (the client's; default :func:`judge`)."""
    try:
        target = select_target(view, participant_id=intent.participant_id, user_id=intent.user_id)
        snapshot = snapshot_of(view, target)
    except WrapupkitError:
        return False
    if snapshot.wrapup_code is not None:
        return True
    if strategy is None:
        return judge(snapshot).is_ready
    return strategy.decide(ReadinessContext(snapshot=snapshot)).is_ready


def apply_args(intent: Intent) -> dict[str, Any]:
    """apply_wrapup()'s arguments for *intent*."""
    return {
        "conversation_id": intent.conversation_id,
        "code": intent.code,
        "participant_id": intent.participant_id,
        "user_id": intent.user_id,
        "media_type": intent.media_type,
        "notes": intent.notes,
        "tags": list(intent.tags) or None,
    }


def _finished(finished: Intent | None, stored: Intent, done: Settled) -> Intent:
    if finished is None:  # the lease lapsed meanwhile; whoever holds it now finishes it
        return stored
    log_transition(finished, finished.state, reason=done.reason, code_id=done.applied_code_id)
    return finished
