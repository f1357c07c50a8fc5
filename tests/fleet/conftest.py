"""Real servers for the fleet's event sources: ``moto_server`` (SQS) on a free 127.0.0.1 port.

``moto_server`` runs as a subprocess for the whole session; each test that asks for ``aws`` gets
boto3's environment pointed at it (``AWS_ENDPOINT_URL``, fake ``testing`` credentials, a region,
no profile or config file from the developer's machine) and makes its own uniquely named queues.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest


REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Poll the server's reset endpoint until it answers (the process starting is real time)."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # noqa: S310 - http://127.0.0.1
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto_server did not start in time")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A ``moto_server`` subprocess on a free loopback port; its URL."""
    pytest.importorskip("moto.server", reason="moto[server] is in the tests dependency group")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> str:
    """boto3's environment pointed at the session's ``moto_server``; its URL."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return moto_server


@pytest.fixture
def sqs(aws: str) -> Any:
    """A boto3 SQS client on the ``moto_server`` (to create queues, send and inspect messages)."""
    import boto3

    client = boto3.client("sqs")
    yield client
    client.close()
