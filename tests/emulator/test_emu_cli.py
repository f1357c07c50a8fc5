"""The standalone command ``python -m wrapupkit.emulator`` (run as a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import PureCloudPlatformClientV2 as sdk
import pytest

from wrapupkit.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from wrapupkit.emulator._cli import main


@pytest.fixture(name="seed_file")
def _seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed.json"
    document = {
        "codes": [{"name": "Sale", "id": "c1"}],
        "queues": [{"name": "Support", "id": "q1", "codes": ["c1"]}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture(name="server")
def _server(seed_file: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    command = [sys.executable, "-m", "wrapupkit.emulator", "--port", "0", "--seed", str(seed_file)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(4)]
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=10)


def test_cli_serves_the_seed_and_stops_on_sigterm(server: tuple[subprocess.Popen[str], list[str]]) -> None:
    """The command prints its URL and client, serves the seeded queue, and exits 0 on SIGTERM."""
    process, lines = server
    assert lines[0].startswith("Genesys Cloud emulator listening on http://127.0.0.1:")
    url = lines[0].rsplit(" ", 1)[1].strip()
    assert lines[1].strip() == f"client id: {DEFAULT_CLIENT_ID}"
    assert DEFAULT_CLIENT_SECRET in lines[2]
    assert lines[3].startswith(f"page: {url}/__emulator__/ ")
    api = sdk.ApiClient(host=url)
    api.get_client_credentials_token(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert sdk.RoutingApi(api).get_routing_queue("q1").name == "Support"
    process.terminate()
    assert process.wait(timeout=10) == 0


def test_cli_bad_seed_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """main() returns 2 and explains when the seed file is unreadable."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["--seed", str(bad)]) == 2
    assert "cannot load seed file" in capsys.readouterr().err
