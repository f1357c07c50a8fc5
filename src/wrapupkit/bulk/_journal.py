"""The journal of a bulk run: an append-only JSON-lines file that makes a rerun safe."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from wrapupkit.bulk._items import BulkItem
from wrapupkit.bulk._report import DONE
from wrapupkit.exceptions import ConfigurationError


__all__ = ["JOURNAL_VERSION", "Journal"]

log = logging.getLogger("wrapupkit")

JOURNAL_VERSION = 1


class Journal:
    """An append-only JSON-lines record of a bulk run, flushed and fsync'd per record.

    Each item writes ``started`` before its wrap-up is sent and its final status after.

    Args:
        path: the journal file; created when missing.

    Raises:
        ConfigurationError: the file cannot be read or appended to.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: set[str] = set()
        self.in_doubt: set[str] = set()
        self._lock = threading.Lock()
        try:
            self._read()
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise ConfigurationError(f"Cannot use {str(self.path)!r} as a journal: {exc.strerror}.") from exc
        if self.path.stat().st_size and not self._ends_with_newline():
            self._write_line("")  # a crash cut the last record short: start a fresh line

    def _read(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                try:
                    record = json.loads(line)
                    key, event = record["key"], record["event"]
                except (ValueError, KeyError, TypeError):
                    if line.strip():
                        log.info("wrapupkit: journal %s line %d is unreadable; ignored", self.path, number)
                    continue
                if event == "started":
                    self.in_doubt.add(key)
                else:
                    self.in_doubt.discard(key)
                    if event in DONE:
                        self.done.add(key)

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"

    def _write_line(self, text: str) -> None:
        with self._lock:
            self._file.write(text + "\n")
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
        self._write_line(json.dumps(record, separators=(",", ":"), ensure_ascii=False))

    def close(self) -> None:
        """Close the file."""
        self._file.close()
