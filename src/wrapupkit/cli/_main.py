"""The one ``wrapupkit`` parser, its subcommands registered from their modules, and :func:`main`."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from wrapupkit.cli import _apply, _bulk, _codes, _demo, _emulator, _explain, _fleet
from wrapupkit.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PIPE_CLOSED,
    EXIT_USAGE,
    Handler,
    Parser,
    UsageError,
    fail,
    logging_to_stderr,
    say,
)


__all__ = ["build_parser", "main"]

# Each module adds its subcommand (and a handler) with register(commands), in help order.
_COMMANDS = (_apply, _codes, _bulk, _explain, _fleet, _emulator, _demo)

_EPILOG = """\
credentials (apply, codes, bulk, explain, capture):
  GENESYSCLOUD_OAUTHCLIENT_ID       the OAuth client-credentials client id
  GENESYSCLOUD_OAUTHCLIENT_SECRET   its secret (never printed)
  GENESYSCLOUD_REGION               the region: a key (eu_west_1) or a domain (mypurecloud.ie)
  GENESYSCLOUD_API_HOST             or the API URL itself (e.g. an emulator's)
  GENESYSCLOUD_ACCESS_TOKEN         a ready token instead of the client id and secret

exit status: 0 ok, 1 other error, 2 usage or bad input, 3 wrap-up code, 4 participant or
interaction type, 5 not ready or already wrapped up, 6 Genesys API error, 7 transport error,
8 some bulk items failed, 9 the bulk journal is in use by another run, 130 interrupted,
141 the reader of stdout went away (a closed pipe: | head).
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``wrapupkit`` argument parser (not part of the API; its help is the documentation).

    Returns:
        The parser; each subcommand sets ``handler`` in the namespace.
    """
    parser = Parser(
        prog="wrapupkit",
        description="Apply Genesys Cloud wrap-up codes. Credentials come from GENESYSCLOUD_* variables.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log to stderr (-vv: debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in _COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wrapupkit`` command with *argv* (default: ``sys.argv[1:]``); return the exit status.

    Args:
        argv: the arguments after the program name.

    Returns:
        The exit status (see :data:`wrapupkit.cli.EXIT_CODES`).

    .. versionadded:: 0.1.0
    """
    try:
        return _main(argv)
    except BrokenPipeError:  # `wrapupkit ... | head`: the reader left; a quiet exit, as any Unix tool
        return _pipe_closed()


def _pipe_closed() -> int:
    """Point stdout at devnull so the exit's flush cannot fail again (the Python docs' recipe)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_PIPE_CLOSED


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        return _usage(exc)
    except SystemExit as exc:  # --help
        return EXIT_OK if exc.code is None else exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.version:
        from importlib.metadata import version

        sys.stdout.write(version("wrapupkit") + "\n")
        return EXIT_OK
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    as_json = bool(getattr(args, "json", False))
    with logging_to_stderr(int(getattr(args, "verbose", 0) or 0)):
        try:
            return handler(args, as_json)
        except UsageError as exc:
            return _usage(exc)
        except KeyboardInterrupt:
            say("interrupted")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message and an exit status
            return fail(exc, as_json)


def _usage(error: UsageError) -> int:
    error.parser.print_usage(sys.stderr)
    say(f"{error.parser.prog}: error: {error}")
    return EXIT_USAGE
