"""``wrapupkit emulator serve``: serve the local Genesys Cloud emulator until interrupted."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType
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
    from wrapupkit.emulator import Emulator, EmulatorError

    emulator = Emulator(host=args.host, port=args.port)
    if args.seed:
        try:
            with open(args.seed, encoding="utf-8") as handle:
                emulator.seed(json.load(handle))
        except (OSError, ValueError, EmulatorError) as exc:
            raise ConfigurationError(f"cannot load seed file {args.seed}: {exc}") from exc
    try:
        emulator.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigurationError(
            f"cannot listen on {args.host}:{args.port} (--host/--port): {reason}"
        ) from exc
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
    try:
        sys.stdout.write(
            f"Genesys Cloud emulator listening on {emulator.url}\n"
            f"client id: {emulator.client_id}\n"
            f"client secret: {emulator.client_secret} (local fake credential)\n"
            "Press Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return EXIT_OK
