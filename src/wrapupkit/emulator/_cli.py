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


__all__ = ["main", "serve"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        allow_abbrev=False,
        prog="python -m wrapupkit.emulator",
        description="Serve a local Genesys Cloud emulator (real clock) until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default: 0)")
    parser.add_argument(
        "--seed", metavar="FILE.json", help="seed document to load at start (see docs/emulator.md)"
    )
    return parser


def serve(*, host: str = "127.0.0.1", port: int = 0, seed: str | None = None) -> None:
    """Serve an emulator (real clock) until SIGINT or SIGTERM; print its URL and default client first.

    The one implementation behind ``python -m wrapupkit.emulator`` and ``wrapupkit emulator serve``.

    Raises:
        ConfigurationError: the address cannot be bound, or the seed file cannot be loaded.
    """
    emulator = Emulator(host=host, port=port)
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


def main(argv: list[str] | None = None) -> int:
    """``python -m wrapupkit.emulator``: :func:`serve` with the command line's arguments.

    Returns:
        0 on a clean stop, 2 when the address cannot be bound or the seed file cannot be loaded.
    """
    args = _parser().parse_args(argv)
    try:
        serve(host=args.host, port=args.port, seed=args.seed)
    except ConfigurationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0
