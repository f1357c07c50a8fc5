"""Wrap-up intents: a decision ("this leg gets *Sale*") recorded durably until Genesys accepts it.

This module is the contract between the stores (``_sqlite``, ``_redis``), the clients'
``intend()`` and the fleet's workers: the value types and the two store protocols.  It does
no I/O and imports no store library.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs


__all__ = [
    "FINAL_STATES",
    "AsyncIntentStore",
    "Intent",
    "IntentState",
    "IntentStore",
    "Lease",
    "intent_key",
]


class IntentState(str, enum.Enum):
    """Where an intent stands.

    ``pending`` waits for after-call work; the other four are final.

    .. versionadded:: 0.1.0
    """

    PENDING = "pending"
    #: the code was written (or the same code was found already applied).
    APPLIED = "applied"
    #: the agent's own code was there first; both codes are named on the intent.
    ALREADY = "already"
    #: a refusal that time cannot change (unknown code, forbidden, gone ...); ``reason`` says which.
    FAILED = "failed"
    #: ``expires_at`` passed while pending; ``reason`` holds the last state seen.
    EXPIRED = "expired"

    def __str__(self) -> str:
        return self.value


FINAL_STATES = frozenset({IntentState.APPLIED, IntentState.ALREADY, IntentState.FAILED, IntentState.EXPIRED})


def intent_key(conversation_id: str, participant_id: str | None, user_id: str | None) -> str:
    """The id of the intent for one conversation and leg: re-intending the same leg finds it.

    Deterministic, so that two services intending the same leg meet on one record.
    """
    leg = f"p:{participant_id}" if participant_id else f"u:{user_id}" if user_id else "-"
    digest = hashlib.sha256(f"{conversation_id}\x00{leg}".encode()).hexdigest()[:24]
    return f"wi_{digest}"


def _hidden(notes: str | None) -> str:
    return "None" if notes is None else "'***'"


@attrs.frozen(repr=False)
class Intent:
    """One recorded wrap-up decision and what became of it.

    Times are wall-clock seconds since the epoch (``time.time()``), so that every worker on
    every machine reads them alike.

    Attributes:
        id: :func:`intent_key` of the conversation and leg.
        conversation_id: the conversation.
        code: the code as the caller named it (a name, matched exactly, or an id).
        participant_id, user_id: which leg, as for :meth:`~wrapupkit.WrapupClient.apply_wrapup`.
        notes: wrap-up notes (never shown in reprs, logs or messages).
        tags: wrap-up tags.
        media_type: the expected media, or ``None``.
        state: see :class:`IntentState`.
        created_at, updated_at: when it was recorded and last changed.
        expires_at: after this, a pending intent becomes ``expired`` (``0``: never).
        reason: for ``failed`` the error's class and message, for ``expired`` the last state
            seen, for ``already`` a sentence naming both codes; otherwise ``None``.
        applied_code_id, applied_code_name: the code written (``applied``) or found (``already``).
        claims: how many times a worker claimed it.
        version: bumped on every change (compare-and-set by the stores).

    .. versionadded:: 0.1.0
    """

    id: str
    conversation_id: str
    code: str
    participant_id: str | None = None
    user_id: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()
    media_type: str | None = None
    state: IntentState = IntentState.PENDING
    created_at: float = 0.0
    updated_at: float = 0.0
    expires_at: float = 0.0
    reason: str | None = None
    applied_code_id: str | None = None
    applied_code_name: str | None = None
    claims: int = 0
    version: int = 0

    @property
    def final(self) -> bool:
        """The intent will not change again."""
        return self.state in FINAL_STATES

    def __repr__(self) -> str:
        return (
            f"Intent(id={self.id!r}, conversation_id={self.conversation_id!r}, code={self.code!r}, "
            f"participant_id={self.participant_id!r}, user_id={self.user_id!r}, "
            f"notes={_hidden(self.notes)}, state={self.state.value!r}, reason={self.reason!r})"
        )


@attrs.frozen
class Lease:
    """A worker's exclusive, time-bounded hold on one pending intent.

    Attributes:
        intent_id: the intent held.
        owner: the worker's id (unique per process).
        token: a fresh random value per claim: only the holder of this token may finish.
        expires_at: wall-clock time the lease lapses unless renewed; then another worker may claim.
    """

    intent_id: str
    owner: str
    token: str
    expires_at: float


@runtime_checkable
class IntentStore(Protocol):
    """What every store offers (sync).  ``SQLiteStore`` and ``RedisStore`` implement it.

    Every method is atomic on its own; none keeps a transaction open between calls.
    """

    url: str

    def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        """Record *intent* (state pending) and return what is stored.

        The same leg pending with the same code: the stored intent, unchanged (idempotent).
        Pending with another code: :class:`~wrapupkit.exceptions.IntentConflict`, unless
        *replace*, which replaces code, notes, tags and expiry.  A final intent for the leg is
        replaced by the new pending one (a new decision for a leg already done is a new intent).
        A lease held on a replaced pending intent stays with its holder.  ``created_at`` and
        ``updated_at`` of 0 are filled with the current time.

        Raises:
            IntentConflict: a pending intent names another code and *replace* is false.
        """
        ...

    def get(self, intent_id: str) -> Intent | None: ...

    def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        """Intents, newest first, filtered by state and conversation."""
        ...

    def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        """The pending intents of one conversation (what an event for it concerns)."""
        ...

    def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        """Pending intents not updated for *stale_after* seconds or past ``expires_at``, oldest
        first, at most *limit*: the sweep's work.  Intents a live lease holds are left out (a
        claim counts as an update)."""
        ...

    def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        """Take the intent for *lease* seconds if it is pending and no live lease holds it;
        ``None`` otherwise.  Bumps ``claims``."""
        ...

    def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        """Extend a lease still held; ``None`` when it was lost."""
        ...

    def release(self, lease: Lease) -> None:
        """Give a lease back without changing the intent (it stays pending)."""
        ...

    def finish(
        self,
        lease: Lease | None,
        state: IntentState,
        *,
        now: float,
        intent_id: str | None = None,
        reason: str | None = None,
        applied_code_id: str | None = None,
        applied_code_name: str | None = None,
    ) -> Intent | None:
        """Move the leased intent to a final *state*; ``None`` when the lease was lost (someone
        else finishes it).  ``lease=None`` finishes the intent named by *intent_id* without a
        lease (``intend()`` applying at once, an ``.acw`` event closing as ``already``) only if
        it is still pending and no live lease holds it.

        A lease is live while its token is the intent's and ``now < expires_at``.

        Raises:
            ConfigurationError: *state* is not final, or ``lease=None`` without *intent_id*
                (or a lease together with another *intent_id*).
        """
        ...

    def purge(self, *, before: float, limit: int = 1000) -> int:
        """Delete at most *limit* final intents (applied, already, failed, expired) last changed
        before *before* (wall-clock epoch seconds), oldest first, with every index entry; return
        how many.  Pending intents are never deleted.  Each deletion is atomic: an intent a
        concurrent put or finish changed is read again, and kept unless still final and old
        enough.  Re-intending a purged leg records a fresh pending intent.

        Raises:
            InvalidType: *before* is not a number, or *limit* not a whole number.
            InvalidInput: *before* is NaN or infinite, or *limit* is below 1.

        .. versionadded:: 0.1.0
        """
        ...

    def close(self) -> None: ...


class AsyncIntentStore(Protocol):
    """The same operations for asyncio (``RedisStore.asyncio()`` natively; SQLite on a thread)."""

    url: str

    async def put(self, intent: Intent, *, replace: bool = False) -> Intent: ...

    async def get(self, intent_id: str) -> Intent | None: ...

    async def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]: ...

    async def pending_for(self, conversation_id: str) -> Sequence[Intent]: ...

    async def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]: ...

    async def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None: ...

    async def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None: ...

    async def release(self, lease: Lease) -> None: ...

    async def finish(
        self,
        lease: Lease | None,
        state: IntentState,
        *,
        now: float,
        intent_id: str | None = None,
        reason: str | None = None,
        applied_code_id: str | None = None,
        applied_code_name: str | None = None,
    ) -> Intent | None: ...

    async def purge(self, *, before: float, limit: int = 1000) -> int:
        """The same as :meth:`IntentStore.purge <wrapupkit.intents.IntentStore.purge>`.

        .. versionadded:: 0.1.0
        """
        ...

    async def close(self) -> None: ...
