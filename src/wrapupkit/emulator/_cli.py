"""The standalone emulator command (``python -m wrapupkit.emulator``); ``main`` is reusable by other CLIs."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from wrapupkit.emulator._emulator import Emulator
from wrapupkit.emulator.core.errors import EmulatorError
from wrapupkit.exceptions import ConfigurationError


__all__ = ["add_eventbridge_arguments", "main", "serve", "serve_parsed"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wrapupkit.emulator",
        description="Serve a local Genesys Cloud emulator (real clock) until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default: 0)")
    parser.add_argument(
        "--seed", metavar="FILE.json", help="seed document to load at start (see docs/emulator.md)"
    )
    add_eventbridge_arguments(parser)
    return parser


def add_eventbridge_arguments(parser: argparse.ArgumentParser) -> None:
    """``--eventbridge-sqs URL``, ``--eventbridge-source-name NAME``, ``--eventbridge-topic TOPIC``."""
    parser.add_argument(
        "--eventbridge-sqs",
        metavar="QUEUE_URL",
        help="also send events to this SQS queue as Genesys EventBridge envelopes (needs boto3; "
        "AWS_ENDPOINT_URL points it at a local moto_server)",
    )
    parser.add_argument(
        "--eventbridge-source-name",
        metavar="NAME",
        default="wrapupkit-emulator",
        help="the integration name in the envelopes' source (default: wrapupkit-emulator)",
    )
    parser.add_argument(
        "--eventbridge-topic",
        metavar="TOPIC",
        action="append",
        dest="eventbridge_topics",
        help="a topic (template) to send; repeatable (default: the .user.end and .acw detail events)",
    )


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: str | None = None,
    eventbridge_sqs: str | None = None,
    eventbridge_source_name: str = "wrapupkit-emulator",
    eventbridge_topics: list[str] | None = None,
) -> None:
    """Serve an emulator (real clock) until SIGINT or SIGTERM; print its URL and default client first.

    The one implementation behind ``python -m wrapupkit.emulator`` and ``wrapupkit emulator serve``.

    With *eventbridge_sqs*, every event on *eventbridge_topics* also goes to that SQS queue as a
    Genesys EventBridge envelope (see :class:`Emulator`).

    Raises:
        ConfigurationError: the address cannot be bound, the seed file cannot be loaded, or an
            EventBridge option is malformed.
    """
    emulator = Emulator(
        host=host,
        port=port,
        eventbridge_sqs=eventbridge_sqs,
        eventbridge_source_name=eventbridge_source_name,
        eventbridge_topics=eventbridge_topics,
    )
    if seed:
        try:
            with open(seed, encoding="utf-8") as handle:
                emulator.seed(json.load(handle))
        except (OSError, ValueError, EmulatorError) as exc:
            raise ConfigurationError(f"cannot load seed file {seed}: {exc}") from exc
    try:
        emulator.start()
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
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


def serve_parsed(args: argparse.Namespace) -> None:
    """:func:`serve` with the parsed arguments of either command (``python -m wrapupkit.emulator``)."""
    serve(
        host=args.host,
        port=args.port,
        seed=args.seed,
        eventbridge_sqs=args.eventbridge_sqs,
        eventbridge_source_name=args.eventbridge_source_name,
        eventbridge_topics=args.eventbridge_topics,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m wrapupkit.emulator``: :func:`serve` with the command line's arguments.

    Returns:
        0 on a clean stop, 2 when the address cannot be bound or the seed file cannot be loaded.
    """
    args = _parser().parse_args(argv)
    try:
        serve_parsed(args)
    except ConfigurationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0
