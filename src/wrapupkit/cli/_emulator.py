"""``wrapupkit emulator serve``: serve the local Genesys Cloud emulator until interrupted."""

from __future__ import annotations

import argparse
from typing import Any

from wrapupkit.cli._common import EXIT_OK, Parser, UsageError
from wrapupkit.exceptions import ConfigurationError


__all__ = ["register"]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 0 to 65535, not {text!r}")
    return port


def register(commands: Any) -> None:
    """Add ``emulator`` and its action ``serve`` to *commands*."""
    emulator = commands.add_parser("emulator", help="the local Genesys Cloud emulator")
    actions = emulator.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    emulator.set_defaults(handler=_no_action(emulator))
    serve = actions.add_parser(
        "serve",
        help="serve it until Ctrl-C",
        description="Serve a local Genesys Cloud emulator (real clock) until Ctrl-C or SIGTERM.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=0, help="TCP port; 0 picks a free one (default: 0)")
    serve.add_argument(
        "--seed", metavar="FILE.json", help="seed document to load at start (see docs/emulator.md)"
    )
    # as python -m wrapupkit.emulator's (not imported from there: the emulator loads only to serve)
    serve.add_argument(
        "--eventbridge-sqs",
        metavar="QUEUE_URL",
        help="also send events to this SQS queue as EventBridge envelopes",
    )
    serve.add_argument(
        "--eventbridge-source-name", metavar="NAME", default="wrapupkit-emulator", help="name in the source"
    )
    serve.add_argument(
        "--eventbridge-topic", metavar="TOPIC", action="append", dest="eventbridge_topics", help="repeatable"
    )
    serve.set_defaults(handler=serve_until_stopped)


def _no_action(parser: argparse.ArgumentParser) -> Any:
    def handler(_args: argparse.Namespace, _as_json: bool) -> int:
        raise UsageError(parser, "choose an action: serve")

    return handler


def serve_until_stopped(args: argparse.Namespace, _as_json: bool) -> int:
    """Serve until SIGINT or SIGTERM; print the URL and the default client first.

    Returns:
        0 on a clean stop.

    Raises:
        ConfigurationError: the address cannot be bound, or the seed file cannot be loaded.
    """
    from wrapupkit.emulator._cli import serve_parsed

    try:
        serve_parsed(args)
    except ConfigurationError as exc:
        if str(exc).startswith("cannot listen"):  # name the flags, not the keywords
            raise ConfigurationError(f"{exc} (--host/--port)") from exc
        raise
    return EXIT_OK
