"""The journal of a bulk run: an append-only JSON-lines file that makes a rerun safe.

One run owns a journal at a time: :class:`Journal` holds an exclusive OS lock on the
file (``flock`` on POSIX, ``msvcrt.locking`` on Windows) until it is closed, and a
second run on the same file is refused at once with :class:`JournalInUse`.  The OS
drops the lock when the process ends, however it ends, so a crashed run never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import stat
import sys
import threading
from pathlib import Path
from typing import Any

from wrapupkit.bulk._items import BulkItem
from wrapupkit.bulk._report import DONE, STATUSES
from wrapupkit.exceptions import ConfigurationError


__all__ = ["JOURNAL_VERSION", "Journal", "JournalInUse"]

log = logging.getLogger("wrapupkit")

JOURNAL_VERSION = 1
_EVENTS = frozenset({"started", *STATUSES})


class JournalInUse(ConfigurationError):
    """Another run (in this process or another) holds the journal; nothing was applied.

    Attributes:
        path: the journal file.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"The journal {path!r} is in use by another bulk run; wait for it to end or use another journal."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path,))


def _lock(fd: int, path: str) -> None:
    """Take the exclusive, non-blocking OS lock on the open journal *fd*.

    Raises:
        JournalInUse: another open journal holds it.
    """
    try:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            # flock, not lockf: it belongs to this open file, so two runs in one process conflict too,
            # and closing another descriptor of the same file does not drop it.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise JournalInUse(path) from exc


def _check_regular(fd: int, path: str) -> None:
    """Refuse a device, a FIFO or a socket (``/dev/full`` would be read forever).

    Raises:
        ConfigurationError: *fd* is not a regular file.
    """
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        raise ConfigurationError(f"Cannot use {path!r} as a journal: it is not a regular file.")


def _open_locked(path: Path) -> int:
    """Open (or create) *path* for reading and appending, refuse what is not a regular file, lock it.

    Raises:
        ConfigurationError: the file cannot be opened or is not a regular file.
        JournalInUse: another run holds it.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0), 0o644)
    try:
        _check_regular(fd, str(path))
        _lock(fd, str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd


class Journal:
    """An append-only JSON-lines record of a bulk run, flushed and fsync'd per record.

    Each item writes ``started`` before its wrap-up is sent and its final status after.
    A line that cannot be read (a record cut short by a crash, or text that is not one
    of our records) is skipped with a warning: the worst it can cost is one item
    applied again, which finds its code already there and writes nothing.

    Args:
        path: the journal file; created when missing.

    Raises:
        ConfigurationError: the file cannot be read or appended to, or is not a regular file.
        JournalInUse: another run holds the journal.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: set[str] = set()
        self.in_doubt: set[str] = set()
        self.skipped_lines = 0
        self._lock = threading.Lock()
        try:
            fd = _open_locked(self.path)
        except OSError as exc:
            raise ConfigurationError(f"Cannot use {str(self.path)!r} as a journal: {exc.strerror}.") from exc
        self._file = open(fd, "a+b")  # noqa: SIM115 - closed by close(); closing it drops the lock
        try:
            self._file.seek(0)
            data = self._file.read()
        except OSError as exc:
            self._file.close()
            raise ConfigurationError(f"Cannot use {str(self.path)!r} as a journal: {exc.strerror}.") from exc
        self._read(data)
        if data and not data.endswith(b"\n"):
            self._write_line("")  # a crash cut the last record short: start a fresh line

    def _read(self, data: bytes) -> None:
        lines = data.split(b"\n")
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            parsed = _parse(raw)
            if parsed is None:
                self.skipped_lines += 1
                torn = number == len(lines)  # the last line, without its newline: a crash cut it short
                log.log(
                    logging.INFO if torn else logging.WARNING,
                    "journal %s line %d is not a readable record; skipped (its item, if any, runs again)",
                    self.path,
                    number,
                )
                continue
            key, event = parsed
            if event == "started":
                self.in_doubt.add(key)
            else:
                self.in_doubt.discard(key)
                if event in DONE:
                    self.done.add(key)

    def _write_line(self, text: str) -> None:
        data = (text + "\n").encode("utf-8")
        with self._lock:
            self._file.write(data)
            self._file.flush()
            os.fsync(self._file.fileno())

    def record(self, event: str, item: BulkItem, index: int, at: float, **extra: Any) -> None:
        """Append one record; notes appear only as their length.

        Args:
            event: ``started`` or the item's final status.
            item: the item.
            index: its position in the input.
            at: the wall-clock time (seconds since the epoch).
            **extra: more fields; ``None`` values are left out.
        """
        record: dict[str, Any] = {
            "v": JOURNAL_VERSION,
            "event": event,
            "key": item.key,
            "index": index,
            "at": dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "conversation_id": item.conversation_id,
            "participant_id": item.participant_id,
            "user_id": item.user_id,
            "code": item.code,
        }
        if item.notes is not None:
            record["notes_length"] = len(item.notes)
        record.update({k: v for k, v in extra.items() if v is not None})
        # ensure_ascii: an error message quoting odd text (a lone surrogate) still encodes.
        self._write_line(json.dumps(record, separators=(",", ":")))

    def close(self) -> None:
        """Close the file and release the lock."""
        with contextlib.suppress(OSError):
            self._file.close()


def _parse(raw: bytes) -> tuple[str, str] | None:
    """The key and event of one journal line, or ``None`` when it is not a record we wrote."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    if not isinstance(record, dict):
        return None
    key, event = record.get("key"), record.get("event")
    if not isinstance(key, str) or not isinstance(event, str) or event not in _EVENTS:
        return None
    return key, event
