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


__all__ = ["main"]


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; print its URL and default client first.

    Returns:
        0 on a clean stop, 2 when the seed file cannot be loaded.
    """
    args = _parser().parse_args(argv)
    emulator = Emulator(host=args.host, port=args.port)
    if args.seed:
        try:
            with open(args.seed, encoding="utf-8") as handle:
                emulator.seed(json.load(handle))
        except (OSError, ValueError, EmulatorError) as exc:
            sys.stderr.write(f"cannot load seed file {args.seed}: {exc}\n")
            return 2
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
    with emulator:
        sys.stdout.write(
            f"Genesys Cloud emulator listening on {emulator.url}\n"
            f"client id: {emulator.client_id}\n"
            f"client secret: {emulator.client_secret} (local fake credential)\n"
            "Press Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        try:
            while not stop.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    return 0
