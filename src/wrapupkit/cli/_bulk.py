"""``wrapupkit bulk``: apply the wrap-ups listed in a CSV file."""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import signal
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from wrapupkit.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    add_call_options,
    add_output,
    emit,
    finite_number,
    make_client,
    positive_int,
    readiness,
    say,
)
from wrapupkit.exceptions import ConfigurationError


if TYPE_CHECKING:
    from wrapupkit.bulk import BulkReport

__all__ = ["register"]

_REQUIRED_COLUMNS = ("conversation_id", "code")
# Failures listed on stderr after a bulk run; the rest are in --report / --json.
_SHOWN_FAILURES = 20


def register(commands: Any) -> None:
    """Add ``bulk`` to *commands* (the subparsers action of the top-level parser)."""
    parser = commands.add_parser(
        "bulk",
        help="apply the wrap-ups listed in a CSV file",
        description="Columns: conversation_id, code (required); notes, tags (a;b), participant_id, "
        "user_id, media_type (optional); others are ignored.  FILE '-' reads stdin.",
    )
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--journal", metavar="PATH", help="record progress here; a rerun skips what is done")
    parser.add_argument(
        "--workers", type=positive_int, default=4, metavar="N", help="concurrent wrap-ups (default 4)"
    )
    parser.add_argument(
        "--rate-limit",
        type=finite_number(0, inclusive=True),
        default=300.0,
        metavar="N",
        help="requests per minute for the whole run (default 300; 0: no limit)",
    )
    parser.add_argument("--report", metavar="PATH.csv", help="write one CSV row per item here")
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )
    add_call_options(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def _read_rows(path: str) -> list[dict[str, str]]:
    """The CSV's rows; ConfigurationError when it cannot be read or lacks a required column."""
    try:
        with contextlib.ExitStack() as stack:
            f: IO[str] = (
                sys.stdin
                if path == "-"
                else stack.enter_context(open(path, encoding="utf-8-sig", newline=""))
            )
            reader = csv.DictReader(f)
            missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise ConfigurationError(f"{path} has no {' or '.join(missing)} column.")
            return list(reader)
    except OSError as exc:
        raise ConfigurationError(f"Cannot read {path}: {exc.strerror}.") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path} is not a readable UTF-8 CSV file: {exc}.") from exc


def run(args: argparse.Namespace, as_json: bool) -> int:
    """Apply every row; summarise on stderr, write ``--report``, print JSON with ``--json``.

    Returns:
        0 when every item ended well, 8 when some failed, 130 when interrupted (after
        the partial summary, the ``--report`` and a word on resuming).

    Raises:
        ConfigurationError: the CSV or the journal cannot be used.
    """
    from wrapupkit.bulk import BulkInterrupted, apply_many

    rows = _read_rows(args.file)
    progress = _progress(args.progress)
    with _Interrupts() as interrupts:
        try:
            report = apply_many(
                make_client(),
                rows,
                max_workers=args.workers,
                rate_limit=args.rate_limit or None,
                journal=args.journal,
                progress=progress,
                readiness=readiness(args.readiness),
                timeout=args.timeout,
                overwrite=args.overwrite,
            )
        except BulkInterrupted as stopped:
            interrupts.stopped = True  # from here on Ctrl-C cannot cut the report or the summary short
            _finish(args, stopped.report, as_json, rows=rows)
            _say_how_to_resume(args, stopped.report, stopped.total)
            return EXIT_INTERRUPTED
        interrupts.stopped = True
        _finish(args, report, as_json)
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _progress(asked: bool | None) -> bool:
    """Whether to show a bar: as asked, else when stderr is a terminal; without tqdm, no bar (and a word)."""
    wanted = sys.stderr.isatty() if asked is None else asked
    if not wanted:
        return False
    try:
        import tqdm.auto  # noqa: F401 - only whether it can be imported
    except ImportError:
        if asked:
            say("warning: --progress needs tqdm (pip install 'wrapupkit[progress]'); no progress bar.")
        return False
    return True


class _Interrupts:
    """SIGINT during ``bulk``: the first stops the run; later ones are answered, not obeyed.

    Items in flight end (and are journaled) however many times Ctrl-C is pressed: a worker
    thread cannot be stopped, and a report or journal cut short would tell the operator
    something false.  Installed only in the main thread (where Python delivers signals).
    """

    def __init__(self) -> None:
        self.stopped = False
        self._previous: Any = None

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_sigint(self, signum: int, frame: object) -> None:
        if not self.stopped:
            self.stopped = True
            _tell(
                "interrupted: finishing the item(s) in flight (each within its timeout); no new item starts."
            )
            raise KeyboardInterrupt
        _tell("still finishing: the items in flight end, then the journal and the report are complete.")


def _tell(message: str) -> None:
    """Write *message* on stderr from a signal handler (straight to the descriptor: no reentrant I/O)."""
    try:
        os.write(sys.stderr.fileno(), (message + "\n").encode("utf-8", "replace"))
    except (OSError, ValueError, AttributeError):  # no descriptor (captured output): the buffered way
        say(message)


def _say_how_to_resume(args: argparse.Namespace, report: BulkReport, total: int) -> None:
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in report.counts.items() if n)
    say(
        f"interrupted: {len(report)} of {total} item(s) ended{f' ({counts})' if counts else ''}; "
        f"{total - len(report)} not started."
    )
    if args.journal:
        say(
            f"Rerun the same command with --journal {args.journal} to resume safely: finished items "
            "are skipped, and the others are applied."
        )
    else:
        say(
            "Without --journal a rerun tries every row again (codes already there are reported as "
            "already applied, nothing is written twice); pass --journal PATH to skip finished rows."
        )


def _finish(
    args: argparse.Namespace, report: BulkReport, as_json: bool, *, rows: list[dict[str, str]] | None = None
) -> None:
    """Write ``--report``, summarise on stderr and print the JSON; *rows* when interrupted.

    An interrupted run's report and JSON list every input row: those that ended with their
    outcome, the others with the status ``not_started``.
    """
    interrupted = rows is not None
    lines = report.rows() + (_not_started(report, rows) if rows is not None else [])
    lines.sort(key=lambda line: int(line["index"]))
    if args.report:
        try:
            with open(args.report, "w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=_fields(), lineterminator="\n")
                writer.writeheader()
                writer.writerows(lines)
        except OSError as exc:
            say(f"error: cannot write the report to {args.report}: {exc.strerror}")
    _summarise(report)
    if as_json:
        counts: dict[str, int] = {str(k): n for k, n in report.counts.items()}
        if interrupted:
            counts["not_started"] = len(lines) - len(report)
        emit(
            {
                "ok": report.ok and not interrupted,
                "interrupted": interrupted,
                "counts": counts,
                "elapsed": round(report.elapsed, 3),
                "outcomes": lines,
            }
        )


def _fields() -> list[str]:
    from wrapupkit.bulk import BulkOutcome

    return list(BulkOutcome(index=0, item=None, status="failed").row())


def _not_started(report: BulkReport, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """A report line for each input row the interrupted run did not start."""
    from wrapupkit.bulk import BulkOutcome

    ended = {outcome.index for outcome in report}
    lines = []
    for index, row in enumerate(rows):
        if index in ended:
            continue
        cid = row.get("conversation_id")
        blank = BulkOutcome(index=index, item=None, status="failed", conversation_id=cid)
        lines.append({**blank.row(), "code": row.get("code"), "status": "not_started"})
    return lines


def _summarise(report: BulkReport) -> None:
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in report.counts.items())
    say(f"{len(report)} item(s) in {report.elapsed:.1f}s: {counts}.")
    failed = report.failed
    for outcome in failed[:_SHOWN_FAILURES]:
        say(
            f"  row {outcome.index + 1} (conversation {outcome.conversation_id}): "
            f"{outcome.error_type}: {outcome.error_message}"
        )
    if len(failed) > _SHOWN_FAILURES:
        say(f"  ... and {len(failed) - _SHOWN_FAILURES} more (see --report or --json).")
