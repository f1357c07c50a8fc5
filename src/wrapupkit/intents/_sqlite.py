"""The embedded intent store: one SQLite file in WAL mode, shared by the threads and processes of one machine.

Every write is one ``BEGIN IMMEDIATE`` transaction (the database's write lock is taken before
the record is read, so a claim or a finish is a compare-and-set that no other process can
interleave); reads see the last committed state.  ``synchronous=FULL``: a committed intent
survives a crash of the process and of the machine.  The only importer of :mod:`sqlite3`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapupkit.exceptions import InvalidType, StoreError
from wrapupkit.intents._model import Intent, IntentState, Lease
from wrapupkit.intents._ops import (
    Record,
    check_limit,
    check_purge,
    check_seconds,
    check_state,
    claimed,
    decode,
    encode,
    finish_target,
    finished,
    put_record,
    released,
    renewed,
)
from wrapupkit.intents._share import ShareOptions, StoreShare
from wrapupkit.intents._sqlite_share import SCHEMA as SHARE_SCHEMA
from wrapupkit.intents._sqlite_share import SQLiteTokens, SQLiteWindow
from wrapupkit.intents._threaded import ThreadedStore


if TYPE_CHECKING:
    from typing_extensions import Unpack


__all__ = ["SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    lease_expires REAL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS intents_by_state ON intents (state, created_at);
CREATE INDEX IF NOT EXISTS intents_by_conversation ON intents (conversation_id, created_at);
CREATE INDEX IF NOT EXISTS intents_by_age ON intents (state, updated_at);
"""
# Seconds a writer waits for another process's transaction before giving up with StoreError.
BUSY_TIMEOUT = 30.0


class SQLiteStore:
    """Intents in one SQLite file (WAL), safe across the threads and processes of one machine.

    Args:
        path: the database file (created with its table on first use; its folder must exist).

    Raises:
        StoreError: the file cannot be opened or is not a wrapupkit database.

    ``store.asyncio()`` gives the same store as an
    :class:`~wrapupkit.intents.AsyncIntentStore` (each call on a worker thread).

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidType(f"SQLiteStore takes a file path, not {type(path).__name__}")
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._inherited: sqlite3.Connection | None = None
        self._pid = 0
        self._closed = False
        with self._lock, self._errors("open"):
            conn = self._connection()
            conn.executescript(_SCHEMA + SHARE_SCHEMA)

    def __repr__(self) -> str:
        return f"SQLiteStore({self.url!r})"

    # -- plumbing -------------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """The connection of this process (a forked child opens its own). Called with the lock held."""
        if self._closed:
            raise StoreError(f"{self.url}: the store is closed")
        if self._conn is None or self._pid != os.getpid():
            # A forked child never uses (nor closes) its parent's connection: it keeps it unused.
            self._inherited = self._conn
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    @contextlib.contextmanager
    def _errors(self, operation: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"{self.url}: {operation} failed: {exc}") from None

    @contextlib.contextmanager
    def transaction(self, operation: str) -> Iterator[Any]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any error.

        Public to the package: the shared token and request gate use the same file.
        """
        with self._lock, self._errors(operation):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # the body failed, or COMMIT did: never leave it open
                    conn.execute("ROLLBACK")
                raise

    def _query(self, operation: str, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        with self._lock, self._errors(operation):
            return self._connection().execute(sql, params).fetchall()

    @staticmethod
    def _load(conn: sqlite3.Connection, intent_id: str) -> Record | None:
        row = conn.execute("SELECT body FROM intents WHERE id = ?", (intent_id,)).fetchone()
        return decode(row[0]) if row else None

    @staticmethod
    def _save(conn: sqlite3.Connection, record: Record) -> None:
        intent = record.intent
        conn.execute(
            "INSERT OR REPLACE INTO intents "
            "(id, conversation_id, state, created_at, updated_at, expires_at, lease_expires, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                intent.id,
                intent.conversation_id,
                intent.state.value,
                intent.created_at,
                intent.updated_at,
                intent.expires_at,
                record.lease.expires_at if record.lease else None,
                encode(record),
            ),
        )

    # -- IntentStore ----------------------------------------------------------------------------------

    def put(self, intent: Intent, *, replace: bool = False) -> Intent:
        with self.transaction("put") as conn:
            existing = self._load(conn, getattr(intent, "id", ""))
            record = put_record(existing, intent, replace=replace)
            if record is None:
                assert existing is not None  # noqa: S101 (put_record keeps only what exists)
                return existing.intent
            self._save(conn, record)
            return record.intent

    def get(self, intent_id: str) -> Intent | None:
        rows = self._query("get", "SELECT body FROM intents WHERE id = ?", (intent_id,))
        return decode(rows[0][0]).intent if rows else None

    def list(
        self,
        *,
        state: IntentState | None = None,
        conversation_id: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Intent]:
        state = check_state(state)
        limit = check_limit(limit, optional=True)
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(state.value)
        if conversation_id is not None:
            where.append("conversation_id = ?")
            params.append(conversation_id)
        sql = "SELECT body FROM intents"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id LIMIT ?"
        rows = self._query("list", sql, [*params, -1 if limit is None else limit])
        return [decode(row[0]).intent for row in rows]

    def pending_for(self, conversation_id: str) -> Sequence[Intent]:
        rows = self._query(
            "pending_for",
            "SELECT body FROM intents WHERE conversation_id = ? AND state = 'pending' "
            "ORDER BY created_at, id",
            (conversation_id,),
        )
        return [decode(row[0]).intent for row in rows]

    def due(self, *, now: float, stale_after: float, limit: int) -> Sequence[Intent]:
        rows = self._query(
            "due",
            "SELECT body FROM intents WHERE state = 'pending' "
            "AND (lease_expires IS NULL OR lease_expires <= :now) "
            "AND (updated_at <= :stale OR (expires_at > 0 AND expires_at <= :now)) "
            "ORDER BY updated_at, id LIMIT :limit",
            {"now": now, "stale": now - stale_after, "limit": check_limit(limit)},
        )
        return [decode(row[0]).intent for row in rows]

    def claim(self, intent_id: str, *, owner: str, lease: float, now: float) -> Lease | None:
        check_seconds("lease", lease)
        with self.transaction("claim") as conn:
            record = self._load(conn, intent_id)
            taken = claimed(record, owner=owner, lease_for=lease, now=now) if record else None
            if taken is None:
                return None
            self._save(conn, taken)
            return taken.lease

    def renew(self, lease: Lease, *, lease_for: float, now: float) -> Lease | None:
        check_seconds("lease_for", lease_for)
        with self.transaction("renew") as conn:
            record = self._load(conn, lease.intent_id)
            kept = renewed(record, lease, lease_for=lease_for, now=now) if record else None
            if kept is None:
                return None
            self._save(conn, kept)
            return kept.lease

    def release(self, lease: Lease) -> None:
        with self.transaction("release") as conn:
            record = self._load(conn, lease.intent_id)
            freed = released(record, lease) if record else None
            if freed is not None:
                self._save(conn, freed)

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
        target = finish_target(lease, state, intent_id)
        with self.transaction("finish") as conn:
            record = self._load(conn, target)
            done = (
                finished(
                    record,
                    lease,
                    state,
                    now=now,
                    reason=reason,
                    applied_code_id=applied_code_id,
                    applied_code_name=applied_code_name,
                )
                if record
                else None
            )
            if done is None:
                return None
            self._save(conn, done)
            return done.intent

    def purge(self, *, before: float, limit: int = 1000) -> int:
        before, limit = check_purge(before, limit)
        with self.transaction("purge") as conn:
            return int(
                conn.execute(
                    "DELETE FROM intents WHERE id IN (SELECT id FROM intents WHERE state != 'pending' "
                    "AND updated_at < ? ORDER BY updated_at, id LIMIT ?)",
                    (before, limit),
                ).rowcount
            )

    def close(self) -> None:
        """Close the connection; later calls raise :class:`~wrapupkit.exceptions.StoreError`."""
        with self._lock:
            self._closed = True
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def asyncio(self) -> ThreadedStore:
        """This store for asyncio: every call runs on a worker thread (SQLite has no async driver)."""
        return ThreadedStore(self)

    def share(self, **options: Unpack[ShareOptions]) -> StoreShare:
        """The token and request budget of one OAuth client, shared by this machine's processes
        through this file: pass it (or the store) as a client's ``share=``.  The keyword
        arguments are :class:`~wrapupkit.intents.StoreShare`'s.
        """
        return StoreShare(
            SQLiteTokens(self), lambda key, limit, seconds: SQLiteWindow(self, key, limit, seconds), **options
        )

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
