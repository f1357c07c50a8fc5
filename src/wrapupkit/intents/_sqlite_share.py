"""The token share and the request window in the SQLite store's file (the processes of one machine).

Every operation is one ``BEGIN IMMEDIATE`` transaction of the store, on the wall clock.  The
login lock is a row with an owner and a hold that lapses, so a process that dies holding it
delays the others by at most :data:`LOCK_HOLD` seconds.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from typing import Any, Protocol

from wrapupkit._http._share import SharedToken


__all__ = ["SCHEMA", "SQLiteTokens", "SQLiteWindow"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS shared_tokens (
    key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL, lifetime REAL
);
CREATE TABLE IF NOT EXISTS shared_locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS gate_hits (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS gate_hits_by_key ON gate_hits (key, at);
CREATE TABLE IF NOT EXISTS gate_pauses (key TEXT PRIMARY KEY, until REAL NOT NULL);
"""
# Seconds a login lock is held at most (a holder that died frees it then).
LOCK_HOLD = 60.0
# Seconds between two tries for a busy lock.
LOCK_POLL = 0.02


class SQLiteStore(Protocol):
    """What the share needs of the store: its URL and its write transactions."""

    url: str

    def transaction(self, operation: str) -> contextlib.AbstractContextManager[Any]: ...


class SQLiteTokens:
    """A :class:`~wrapupkit._http._share.TokenShare` in the SQLite store's file."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"SQLiteTokens({self.store.url!r})"

    def get_token(self, key: str) -> SharedToken | None:
        with self.store.transaction("get shared token") as conn:
            row = conn.execute(
                "SELECT token, expires_at, lifetime FROM shared_tokens WHERE key = ?", (key,)
            ).fetchone()
        return SharedToken(row[0], row[1], row[2]) if row else None

    def put_token(self, key: str, token: SharedToken) -> None:
        with self.store.transaction("put shared token") as conn:
            conn.execute(
                "INSERT OR REPLACE INTO shared_tokens (key, token, expires_at, lifetime) VALUES (?, ?, ?, ?)",
                (key, token.token, token.expires_at, token.lifetime),
            )

    def drop_token(self, key: str, token: str) -> None:
        with self.store.transaction("drop shared token") as conn:
            conn.execute("DELETE FROM shared_tokens WHERE key = ? AND token = ?", (key, token))

    @contextlib.contextmanager
    def login_lock(self, key: str, *, timeout: float) -> Iterator[bool]:
        owner = secrets.token_hex(16)
        give_up = time.monotonic() + timeout
        while not self._take(key, owner):
            if time.monotonic() >= give_up:
                yield False
                return
            time.sleep(LOCK_POLL)  # real time: another process holds it
        try:
            yield True
        finally:
            with self.store.transaction("release login lock") as conn:
                conn.execute("DELETE FROM shared_locks WHERE key = ? AND owner = ?", (key, owner))

    def _take(self, key: str, owner: str) -> bool:
        with self.store.transaction("take login lock") as conn:
            now = time.time()
            row = conn.execute("SELECT until FROM shared_locks WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] > now:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO shared_locks (key, owner, until) VALUES (?, ?, ?)",
                (key, owner, now + LOCK_HOLD),
            )
            return True


class SQLiteWindow:
    """A :class:`~wrapupkit._http._sharedgate.SharedWindow`: a sliding window of request times in a table."""

    def __init__(self, store: SQLiteStore, key: str, requests: int, seconds: float) -> None:
        self.store = store
        self.key = key
        self.requests = requests
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"SQLiteWindow({self.store.url!r}, {self.requests}/{self.seconds:g}s)"

    def take(self) -> float:
        with self.store.transaction("shared rate limit") as conn:
            now = time.time()
            row = conn.execute("SELECT until FROM gate_pauses WHERE key = ?", (self.key,)).fetchone()
            if row is not None and row[0] > now:
                return float(row[0]) - now
            conn.execute("DELETE FROM gate_hits WHERE key = ? AND at <= ?", (self.key, now - self.seconds))
            count = conn.execute("SELECT COUNT(*) FROM gate_hits WHERE key = ?", (self.key,)).fetchone()[0]
            if count < self.requests:
                conn.execute("INSERT INTO gate_hits (key, at) VALUES (?, ?)", (self.key, now))
                return 0.0
            # the request that must leave the window before one more may enter
            oldest = conn.execute(
                "SELECT at FROM gate_hits WHERE key = ? ORDER BY at LIMIT 1 OFFSET ?",
                (self.key, count - self.requests),
            ).fetchone()[0]
            return max(float(oldest) + self.seconds - now, 1e-3)

    def pause(self, seconds: float) -> None:
        with self.store.transaction("shared pause") as conn:
            until = time.time() + seconds
            conn.execute(
                "INSERT INTO gate_pauses (key, until) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET until = max(until, excluded.until)",
                (self.key, until),
            )
