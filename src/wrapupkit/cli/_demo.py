"""``wrapupkit demo``: the whole path, on the embedded emulator, in a few seconds."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wrapupkit.cli._common import EXIT_OK, finite_number


__all__ = ["register"]

_DESCRIPTION = (
    "Apply a wrap-up on an embedded emulator and show what happened: a local Genesys Cloud starts, "
    "a call ends while the demo waits (writes before after-call work are refused), a code is applied "
    "by name, and a timeline of the HTTP requests is printed."
)


def register(commands: Any) -> None:
    """Add ``demo`` to *commands* (the subparsers action of the top-level parser)."""
    parser = commands.add_parser(
        "demo",
        help="apply a wrap-up on an embedded emulator and show what happened",
        description=_DESCRIPTION,
    )
    seconds = finite_number(0, inclusive=True)
    parser.add_argument(
        "--call-seconds", type=seconds, default=1.5, help="how long the call lasts (default 1.5)"
    )
    parser.add_argument(
        "--acw-delay", type=seconds, default=1.0, help="ACW starts this long after the call ends"
    )
    parser.add_argument(
        "--code",
        default="Survey Complete",
        help="the wrap-up code name to apply (exact: Survey Complete, Sale, No Sale, Callback Requested)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, _as_json: bool) -> int:
    """Play the demo call and print its story on stdout.

    Returns:
        0.
    """
    from wrapupkit._demo import run as play

    play(call_seconds=args.call_seconds, acw_delay=args.acw_delay, code=args.code, out=sys.stdout)
    return EXIT_OK
