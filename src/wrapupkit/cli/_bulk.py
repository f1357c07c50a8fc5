"""``wrapupkit bulk``: apply the wrap-ups listed in a CSV file."""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
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
    progress = sys.stderr.isatty() if args.progress is None else args.progress
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
        _finish(args, stopped.report, as_json, interrupted=True)
        say(
            f"interrupted: {len(stopped.report)} of {stopped.total} item(s) ended; no other item was started."
        )
        if args.journal:
            say(
                f"Rerun the same command with --journal {args.journal} to resume safely: finished items "
                "are skipped, and an item that was in flight is checked before anything is written again."
            )
        else:
            say(
                "Without --journal a rerun tries every row again (codes already there are reported as "
                "already applied, nothing is written twice); pass --journal PATH to skip finished rows."
            )
        return EXIT_INTERRUPTED
    _finish(args, report, as_json, interrupted=False)
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _finish(args: argparse.Namespace, report: BulkReport, as_json: bool, *, interrupted: bool) -> None:
    """Write ``--report``, summarise on stderr and print the JSON."""
    if args.report:
        try:
            report.to_csv(args.report)
        except OSError as exc:
            say(f"error: cannot write the report to {args.report}: {exc.strerror}")
    _summarise(report)
    if as_json:
        emit(
            {
                "ok": report.ok and not interrupted,
                "interrupted": interrupted,
                "counts": report.counts,
                "elapsed": round(report.elapsed, 3),
                "outcomes": report.rows(),
            }
        )


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
