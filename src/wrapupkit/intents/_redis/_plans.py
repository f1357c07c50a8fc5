"""Every Redis store operation written once, as a plan: a generator that yields the commands it
needs and receives their replies.  The sync store runs plans on ``redis``, the asyncio store on
``redis.asyncio`` (:func:`run` and :func:`arun`), so neither repeats the other's logic.

A step is ``(command, args, kwargs)`` (run on the pipeline while it watches a key, else on the
client), ``("watch", key)``, ``("unwatch",)``, or ``("exec", queue)``: ``MULTI``, *queue(pipe)*
queues the writes, ``EXEC``; its reply is ``False`` when a watched key changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from redis.exceptions import WatchError

from wrapupkit.intents._model import FINAL_STATES, Intent, IntentState, Lease
from wrapupkit.intents._ops import (
    Record,
    check_limit,
    check_purge,
    check_seconds,
    check_state,
    claimed,
    decode,
    finish_target,
    finished,
    is_due,
    purgeable,
    put_record,
    released,
    renewed,
)
from wrapupkit.intents._redis._keys import Keys


__all__ = ["Contended", "Plans", "arun", "run"]

T = TypeVar("T")
Step = tuple[Any, ...]
Plan = Generator[Step, Any, T]
Change = Callable[[Record | None], Record | None]
Decide = Callable[[Record | None], Callable[[Any], None] | None]
# A write that loses this many WATCH races in a row gives up.
MAX_TRIES = 200


class Contended(Exception):
    """A write lost :data:`MAX_TRIES` races in a row."""


def run(client: Any, pipe: Any, plan: Plan[T]) -> T:
    """Run *plan* on a sync client and pipeline."""
    reply: Any = None
    while True:
        try:
            step = plan.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if step[0] == "exec":
            pipe.multi()
            step[1](pipe)
            try:
                pipe.execute()
                reply = True
            except WatchError:
                reply = False
        elif step[0] in ("watch", "unwatch"):
            reply = getattr(pipe, step[0])(*step[1:])
        else:
            reply = getattr(pipe if pipe.watching else client, step[0])(*step[1], **step[2])


async def arun(client: Any, pipe: Any, plan: Plan[T]) -> T:
    """Run *plan* on a ``redis.asyncio`` client and pipeline."""
    reply: Any = None
    while True:
        try:
            step = plan.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if step[0] == "exec":
            pipe.multi()
            step[1](pipe)
            try:
                await pipe.execute()
                reply = True
            except WatchError:
                reply = False
        elif step[0] in ("watch", "unwatch"):
            reply = await getattr(pipe, step[0])(*step[1:])
        else:
            reply = await getattr(pipe if pipe.watching else client, step[0])(*step[1], **step[2])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Plans:
    """The plans of every operation, over one key layout."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    # -- reads ----------------------------------------------------------------------------------------

    def records(self, ids: Sequence[bytes | str]) -> Plan[list[Record]]:
        if not ids:
            return []
        raws = yield ("mget", ([self.keys.intent(_text(i)) for i in ids],), {})
        return [decode(raw) for raw in raws if raw]

    def get(self, intent_id: str) -> Plan[Intent | None]:
        raw = yield ("get", (self.keys.intent(intent_id),), {})
        return decode(raw).intent if raw else None

    def select(
        self, state: IntentState | None, conversation_id: str | None, limit: int | None
    ) -> Plan[list[Intent]]:
        state, limit = check_state(state), check_limit(limit, optional=True)
        if conversation_id is not None:
            key, stop = self.keys.conversation(conversation_id), -1  # filtered by state below
        else:
            key = self.keys.all if state is None else self.keys.state(state)
            stop = -1 if limit is None else limit - 1
        ids = yield ("zrevrange", (key, 0, stop), {})
        records = yield from self.records(ids)
        intents = [r.intent for r in records if state is None or r.intent.state is state]
        intents.sort(key=lambda i: (-i.created_at, i.id))
        return intents[:limit] if limit is not None else intents

    def pending_for(self, conversation_id: str) -> Plan[list[Intent]]:
        found = yield from self.select(IntentState.PENDING, conversation_id, None)
        return sorted(found, key=lambda i: (i.created_at, i.id))

    def due(self, now: float, stale_after: float, limit: int) -> Plan[list[Intent]]:
        """The stale ones oldest first from ``pending:updated``; if fewer than *limit*, the
        overdue ones from ``pending:expires`` (all of them: they sort by ``updated_at``)."""
        wanted = check_limit(limit)
        assert wanted is not None  # noqa: S101
        found: dict[str, Intent] = {}
        page = max(wanted, 100)
        for key, low, high in (
            (self.keys.updated, "-inf", now - stale_after),
            (self.keys.expires, "(0", now),
        ):
            offset = 0
            while len(found) < wanted or key == self.keys.expires:
                ids = yield ("zrangebyscore", (key, low, high), {"start": offset, "num": page})
                for record in (yield from self.records(ids)):
                    if is_due(record, now=now, stale_after=stale_after):
                        found.setdefault(record.intent.id, record.intent)
                if len(ids) < page:
                    break
                offset += page
            if len(found) >= wanted:
                break
        return sorted(found.values(), key=lambda i: (i.updated_at, i.id))[:wanted]

    # -- writes: compare-and-set under WATCH ----------------------------------------------------------

    def cas(self, intent_id: str, decide: Decide) -> Plan[tuple[Record | None, bool]]:
        """``(before, written)`` of a compare-and-set on one record: *decide* reads the record
        (``None``: missing) and returns what to queue in ``MULTI``, or ``None`` to leave it be.

        Raises:
            Contended: every one of :data:`MAX_TRIES` tries lost a race.
        """
        key = self.keys.intent(intent_id)
        for _ in range(MAX_TRIES):
            yield ("watch", key)
            raw = yield ("get", (key,), {})
            old = decode(raw) if raw else None
            queue = decide(old)
            if queue is None:
                yield ("unwatch",)
                return old, False
            if (yield ("exec", queue)):
                return old, True
        raise Contended

    def update(self, intent_id: str, change: Change) -> Plan[tuple[Record | None, Record | None]]:
        """``(before, after)`` of a compare-and-set on one record; *after* is ``None`` when unchanged."""
        after: list[Record | None] = [None]

        def decide(old: Record | None) -> Callable[[Any], None] | None:
            new = after[0] = change(old)
            return None if new is None else lambda pipe: self.keys.queue_save(pipe, old, new)

        old, written = yield from self.cas(intent_id, decide)
        return old, after[0] if written else None

    def put(self, intent: Intent, replace: bool) -> Plan[Intent]:
        old, new = yield from self.update(
            getattr(intent, "id", ""), lambda r: put_record(r, intent, replace=replace)
        )
        result = new or old
        assert result is not None  # noqa: S101 (put_record keeps only what exists)
        return result.intent

    def claim(self, intent_id: str, owner: str, lease: float, now: float) -> Plan[Lease | None]:
        check_seconds("lease", lease)
        _, new = yield from self.update(
            intent_id, lambda r: claimed(r, owner=owner, lease_for=lease, now=now) if r else None
        )
        return new.lease if new else None

    def renew(self, lease: Lease, lease_for: float, now: float) -> Plan[Lease | None]:
        check_seconds("lease_for", lease_for)
        _, new = yield from self.update(
            lease.intent_id, lambda r: renewed(r, lease, lease_for=lease_for, now=now) if r else None
        )
        return new.lease if new else None

    def release(self, lease: Lease) -> Plan[None]:
        yield from self.update(lease.intent_id, lambda r: released(r, lease) if r else None)

    def finish(
        self, lease: Lease | None, state: IntentState, now: float, intent_id: str | None, **fields: str | None
    ) -> Plan[Intent | None]:
        target = finish_target(lease, state, intent_id)

        def change(record: Record | None) -> Record | None:
            return finished(record, lease, state, now=now, **fields) if record else None

        _, new = yield from self.update(target, change)
        return new.intent if new else None

    def purge(self, before: float, limit: int) -> Plan[int]:
        """Delete at most *limit* final intents last changed before *before*, oldest first; how many.

        Each one goes in its own ``MULTI``/``EXEC`` under ``WATCH`` with every index entry: one a
        put or a finish changed meanwhile is read again (and kept unless still purgeable).
        """
        before, wanted = check_purge(before, limit)
        yield from self.index_finals()
        ids = yield ("zrangebyscore", (self.keys.finals, "-inf", f"({before!r}"), {"start": 0, "num": wanted})
        deleted = 0
        for raw_id in ids:

            def decide(old: Record | None) -> Callable[[Any], None] | None:
                if old is None or (old.intent.final and not purgeable(old, before)):
                    return None
                if old.intent.final:
                    return lambda pipe: self.keys.queue_delete(pipe, old)
                return lambda pipe: pipe.zrem(self.keys.finals, old.intent.id)  # pending: a stale entry

            old, written = yield from self.cas(_text(raw_id), decide)
            deleted += written and old is not None and old.intent.final
            if old is None:  # an entry without its record
                yield ("zrem", (self.keys.finals, raw_id), {})
        return deleted

    def index_finals(self) -> Plan[None]:
        """Index by ``updated_at`` the final intents of a store that wrapupkit 0.1.0 wrote (it kept
        no ``final:updated``); once per store, then marked done."""
        if (yield ("exists", (self.keys.indexed,), {})):
            return
        for state in sorted(FINAL_STATES):
            cursor: int = 0
            while True:
                cursor, pairs = yield ("zscan", (self.keys.state(state), cursor), {"count": 500})
                records = yield from self.records([member for member, _ in pairs])
                scores = {r.intent.id: r.intent.updated_at for r in records if r.intent.final}
                if scores:
                    yield ("zadd", (self.keys.finals, scores), {})
                if not cursor:
                    break
        yield ("set", (self.keys.indexed, "1"), {})
