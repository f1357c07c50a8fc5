"""The ``wrapupkit`` command: apply a wrap-up, list a queue's codes, run a bulk CSV, serve the emulator.

Credentials come from the ``GENESYSCLOUD_*`` environment (see
:meth:`~wrapupkit.WrapupClient.from_env`).  Results go to stdout (JSON with
``--json``); messages and errors go to stderr.  The exit status says what went
wrong (see :data:`EXIT_CODES`).  Secrets and notes are never printed.

``wrapupkit --help`` answers without importing the Genesys SDK: every import
beyond the exception tree happens inside the command that needs it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    AuthenticationError,
    ConfigurationError,
    GenesysAPIError,
    InteractionTypeMismatch,
    NotReadyError,
    ParticipantError,
    TransportError,
    UnknownWrapupCode,
    UnsupportedInteraction,
    WrapupCodeError,
)


if TYPE_CHECKING:
    from wrapupkit._bulk import BulkReport
    from wrapupkit._client import WrapupClient
    from wrapupkit._models import WrapupResult
    from wrapupkit._readiness import ReadinessStrategy

__all__ = ["EXIT_CODES", "exit_code_for", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 8
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigurationError, EXIT_USAGE),
    (WrapupCodeError, 3),
    (ParticipantError, 4),
    (InteractionTypeMismatch, 4),
    (UnsupportedInteraction, 4),
    (NotReadyError, 5),
    (AlreadyWrappedUp, 5),
    (GenesysAPIError, 6),
    (AuthenticationError, 6),
    (TransportError, 7),
)
"""Exit status by exception class, first match wins; anything else exits 1.

0 success; 1 anything else; 2 usage or bad input; 3 wrap-up code; 4 participant,
interaction type or unsupported media; 5 not ready or already wrapped up; 6 Genesys
refused (HTTP error, login); 7 no usable response; 8 a bulk run where some items failed.

.. versionadded:: 0.1.0
"""

_REQUIRED_COLUMNS = ("conversation_id", "code")
# Failures listed on stderr after a bulk run; the rest are in --report / --json.
_SHOWN_FAILURES = 20


def exit_code_for(error: BaseException) -> int:
    """The exit status for *error* (see :data:`EXIT_CODES`).

    .. versionadded:: 0.1.0
    """
    for klass, code in EXIT_CODES:
        if isinstance(error, klass):
            return code
    return EXIT_ERROR


# -- the parser -----------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports usage errors as ConfigurationError instead of exiting."""

    def error(self, message: str) -> Any:  # argparse declares NoReturn
        raise _UsageError(self, message)


class _UsageError(Exception):
    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        self.parser = parser
        super().__init__(message)


def _add_output(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's default must not undo a --json given before the subcommand.
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the result as JSON on stdout"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="log to stderr (-vv: debug)"
    )


def _add_call_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="bound on each wrap-up (default 30)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a different code already applied (off by default)"
    )
    parser.add_argument(
        "--readiness",
        choices=("polling", "immediate", "optimistic"),
        help="when to write: poll until after-call work (default), at once, or try then poll",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``wrapupkit`` argument parser (not part of the API; its help is the documentation)."""
    parser = _Parser(
        prog="wrapupkit",
        description="Apply Genesys Cloud wrap-up codes. Credentials come from GENESYSCLOUD_* variables.",
        epilog="Exit status: 0 ok, 1 other error, 2 usage or bad input, 3 wrap-up code, "
        "4 participant or interaction type, 5 not ready or already wrapped up, 6 Genesys API error, "
        "7 transport error, 8 some bulk items failed.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log to stderr (-vv: debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    apply = commands.add_parser("apply", help="apply a wrap-up code to a conversation's agent")
    apply.add_argument("conversation_id", metavar="CONVERSATION_ID")
    apply.add_argument("code", metavar="CODE", help="a wrap-up code name (exact) or id")
    apply.add_argument("--notes", help="wrap-up notes (never printed)")
    apply.add_argument("--tags", metavar="A,B", help="comma-separated wrap-up tags")
    apply.add_argument("--media-type", help="fail unless the communication has this media type")
    apply.add_argument("--participant-id", help="the agent participant (when there are several)")
    apply.add_argument("--user-id", help="the agent's user id (to choose the participant)")
    _add_call_options(apply)
    _add_output(apply)

    codes = commands.add_parser("codes", help="list a queue's wrap-up codes")
    codes.add_argument("queue_id", metavar="QUEUE_ID")
    _add_output(codes)

    bulk = commands.add_parser(
        "bulk",
        help="apply the wrap-ups listed in a CSV file",
        description="Columns: conversation_id, code (required); notes, tags (a;b), participant_id, "
        "user_id, media_type (optional); others are ignored.  FILE '-' reads stdin.",
    )
    bulk.add_argument("file", metavar="FILE.csv")
    bulk.add_argument("--journal", metavar="PATH", help="record progress here; a rerun skips what is done")
    bulk.add_argument("--workers", type=int, default=4, metavar="N", help="concurrent wrap-ups (default 4)")
    bulk.add_argument(
        "--rate-limit",
        type=float,
        default=300.0,
        metavar="N",
        help="requests per minute for the whole run (default 300; 0: no limit)",
    )
    bulk.add_argument("--report", metavar="PATH.csv", help="write one CSV row per item here")
    bulk.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )
    _add_call_options(bulk)
    _add_output(bulk)

    emulator = commands.add_parser("emulator", help="the local Genesys Cloud emulator")
    actions = emulator.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.add_parser("serve", help="serve it until Ctrl-C (see 'wrapupkit emulator serve --help')")
    commands.add_parser("demo", help="apply a wrap-up on an embedded emulator and show what happened")
    return parser


# -- entry point ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wrapupkit`` command with *argv* (default: ``sys.argv[1:]``); return the exit status.

    .. versionadded:: 0.1.0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    delegated = _delegated(args_list)
    if delegated is not None:
        return delegated
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except _UsageError as exc:
        exc.parser.print_usage(sys.stderr)
        _say(f"{exc.parser.prog}: error: {exc}")
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return _status(exc)
    if args.version:
        from importlib.metadata import version

        print(version("wrapupkit"))
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "emulator":  # without "serve"
        _say("wrapupkit emulator: choose an action: serve")
        return EXIT_USAGE
    as_json = bool(getattr(args, "json", False))
    with _logging(int(getattr(args, "verbose", 0) or 0)):
        try:
            if args.command == "apply":
                return _apply(args, as_json)
            if args.command == "codes":
                return _codes(args, as_json)
            return _bulk(args, as_json)
        except KeyboardInterrupt:
            _say("interrupted")
            return EXIT_INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message and an exit status
            return _fail(exc, as_json)


def _delegated(argv: list[str]) -> int | None:
    """Run ``demo`` and ``emulator serve`` with their own parsers; None for other commands."""
    first = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if first is None:
        return None
    try:
        if argv[first] == "demo":
            from wrapupkit._demo import main as demo_main

            return demo_main(argv[first + 1 :])
        if argv[first] == "emulator" and argv[first + 1 : first + 2] == ["serve"]:
            from wrapupkit.emulator._cli import main as emulator_main

            return emulator_main(argv[first + 2 :])
    except SystemExit as exc:  # their argparse: --help, or a usage error
        return _status(exc)
    return None


def _status(exit_: SystemExit) -> int:
    """The exit status a SystemExit stands for (None: 0; a message: 1, as the interpreter does)."""
    if exit_.code is None:
        return EXIT_OK
    return exit_.code if isinstance(exit_.code, int) else EXIT_ERROR


@contextlib.contextmanager
def _logging(verbosity: int) -> Iterator[None]:
    """Send wrapupkit's log to stderr for -v/-vv; otherwise keep it quiet (errors are reported here)."""
    logger = logging.getLogger("wrapupkit")
    level = logging.ERROR if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr) if verbosity else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _emit(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _fail(error: Exception, as_json: bool) -> int:
    code = exit_code_for(error)
    known = code != EXIT_ERROR or type(error).__module__.startswith("wrapupkit")
    message = str(error) if known else f"unexpected {type(error).__name__}: {error}"
    _say(f"error: {message}")
    if as_json:
        _emit({"ok": False, "error": _error_json(error, message, code)})
    return code


def _error_json(error: BaseException, message: str, code: int) -> dict[str, Any]:
    """The error's type, message, exit status and the context attributes scripts need."""
    found: dict[str, Any] = {"type": type(error).__name__, "message": message, "exit_code": code}
    if isinstance(error, GenesysAPIError):
        found.update(status=error.status, code=error.code, correlation_id=error.correlation_id)
    if isinstance(error, UnknownWrapupCode):
        found.update(suggestions=list(error.suggestions), in_org=error.in_org)
    if isinstance(error, AlreadyWrappedUp):
        found.update(existing_code=error.existing_code)
    if isinstance(error, TransportError):
        found.update(maybe_sent=error.maybe_sent)
    return found


# -- commands -------------------------------------------------------------------------------------------


def _client() -> WrapupClient:
    from wrapupkit._client import WrapupClient

    return WrapupClient.from_env()


def _readiness(name: str | None) -> ReadinessStrategy | None:
    from wrapupkit._readiness import Immediate, Optimistic, Polling

    strategies: dict[str, type[ReadinessStrategy]] = {
        "polling": Polling,
        "immediate": Immediate,
        "optimistic": Optimistic,
    }
    return None if name is None else strategies[name]()


def _apply(args: argparse.Namespace, as_json: bool) -> int:
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags is not None else None
    result = _client().apply_wrapup(
        args.conversation_id,
        args.code,
        participant_id=args.participant_id,
        user_id=args.user_id,
        media_type=args.media_type,
        notes=args.notes,
        tags=tags,
        readiness=_readiness(args.readiness),
        timeout=args.timeout,
        overwrite=args.overwrite,
    )
    where = (
        f"conversation {result.conversation_id}, participant {result.participant_id} ({result.media_type})"
    )
    if result.already_applied:
        _say(f"Wrap-up code {result.code.name!r} was already applied to {where}; nothing written.")
    else:
        _say(f"Applied wrap-up code {result.code.name!r} ({result.code.id}) to {where}.")
    if as_json:
        _emit({"ok": True, **_result_json(result)})
    return EXIT_OK


def _result_json(result: WrapupResult) -> dict[str, Any]:
    return {
        "status": "already_applied" if result.already_applied else "applied",
        "conversation_id": result.conversation_id,
        "participant_id": result.participant_id,
        "communication_id": result.communication_id,
        "media_type": result.media_type.value,
        "code": {"id": result.code.id, "name": result.code.name},
        "queue_id": result.queue_id,
        "attempts": result.attempts,
        "requests": result.requests,
        "waited": result.waited,
    }


def _codes(args: argparse.Namespace, as_json: bool) -> int:
    code_set = _client().codes(args.queue_id)
    if as_json:
        _emit(
            {
                "ok": True,
                "queue_id": code_set.queue_id,
                "codes": [{"id": c.id, "name": c.name} for c in code_set],
            }
        )
    else:
        for code in code_set:
            print(f"{code.id}  {code.name}")
        _say(f"{len(code_set)} wrap-up code(s) in queue {args.queue_id}.")
    return EXIT_OK


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


def _bulk(args: argparse.Namespace, as_json: bool) -> int:
    from wrapupkit._bulk import apply_many

    rows = _read_rows(args.file)
    if args.rate_limit < 0:
        raise ConfigurationError("--rate-limit must be >= 0 (0: no limit).")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    report = apply_many(
        _client(),
        rows,
        max_workers=args.workers,
        rate_limit=args.rate_limit or None,
        journal=args.journal,
        progress=progress,
        readiness=_readiness(args.readiness),
        timeout=args.timeout,
        overwrite=args.overwrite,
    )
    if args.report:
        try:
            report.to_csv(args.report)
        except OSError as exc:
            _say(f"error: cannot write the report to {args.report}: {exc.strerror}")
    _summarise(report)
    if as_json:
        _emit(
            {
                "ok": report.ok,
                "counts": report.counts,
                "elapsed": round(report.elapsed, 3),
                "outcomes": report.rows(),
            }
        )
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _summarise(report: BulkReport) -> None:
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in report.counts.items())
    _say(f"{len(report)} item(s) in {report.elapsed:.1f}s: {counts}.")
    failed = report.failed
    for outcome in failed[:_SHOWN_FAILURES]:
        _say(
            f"  row {outcome.index + 1} (conversation {outcome.conversation_id}): "
            f"{outcome.error_type}: {outcome.error_message}"
        )
    if len(failed) > _SHOWN_FAILURES:
        _say(f"  ... and {len(failed) - _SHOWN_FAILURES} more (see --report or --json).")
