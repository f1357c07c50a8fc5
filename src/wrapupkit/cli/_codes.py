"""``wrapupkit codes``: list a queue's wrap-up codes."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wrapupkit.cli._common import EXIT_OK, add_output, emit, make_client, say


__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``codes`` to *commands* (the subparsers action of the top-level parser)."""
    parser = commands.add_parser("codes", help="list a queue's wrap-up codes")
    parser.add_argument("queue_id", metavar="QUEUE_ID")
    add_output(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, as_json: bool) -> int:
    """Print one ``id  name`` line per code on stdout (or JSON).

    Returns:
        0.
    """
    code_set = make_client().codes(args.queue_id)
    if as_json:
        emit(
            {
                "ok": True,
                "queue_id": code_set.queue_id,
                "codes": [{"id": c.id, "name": c.name} for c in code_set],
            }
        )
    else:
        for code in code_set:
            sys.stdout.write(f"{code.id}  {code.name}\n")
        say(f"{len(code_set)} wrap-up code(s) in queue {args.queue_id}.")
    return EXIT_OK
