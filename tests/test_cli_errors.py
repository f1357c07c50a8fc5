"""The wrapupkit command as a user meets it (run as a subprocess): one-line errors, flags, help, Ctrl-C."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from small_org import (  # noqa: F401 - fixtures
    Org,
    assert_rerun_finishes,
    emulator_env,
    real_emu_fixture,
    wait_for,
    wrapupkit,
)
from wrapupkit import RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit *code*, no traceback, and an error line on stderr holding *words*."""
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert "error" in error
    for word in words:
        assert word in error
    return error


# -- user mistakes: one line and an exit status ----------------------------------------------------------


def test_demo_with_a_code_not_in_the_queue_is_one_line_exit_3() -> None:
    """'wrapupkit demo --code "survey complete"' (wrong case) names the code it meant; exit 3."""
    done = wrapupkit("demo", "--code", "survey complete", "--call-seconds", "0", "--acw-delay", "0")
    assert_one_line_error(done, 3, "'survey complete'", "'Survey Complete'")


def test_emulator_serve_on_a_busy_port_is_one_line_exit_2() -> None:
    """A port another socket listens on: the message names the address and --port; exit 2."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = wrapupkit("emulator", "serve", "--port", str(port))
    assert_one_line_error(done, 2, f"127.0.0.1:{port}", "--port")
    assert done.stdout == ""


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_emulator_serve_on_an_invalid_port_is_a_usage_error(port: str) -> None:
    """A port outside 0-65535 is refused by the parser, naming --port; exit 2."""
    assert_one_line_error(wrapupkit("emulator", "serve", "--port", port), 2, "--port", repr(port))


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (("--rate-limit", "inf"), "--rate-limit"),
        (("--rate-limit", "nan"), "--rate-limit"),
        (("--rate-limit", "-1"), "--rate-limit"),
        (("--workers", "0"), "--workers"),
        (("--workers", "two"), "--workers"),
        (("--timeout", "nan"), "--timeout"),
        (("--timeout", "0"), "--timeout"),
    ],
)
def test_bad_bulk_numbers_are_one_line_errors_naming_the_flag(
    tmp_path: Path, argv: tuple[str, ...], flag: str
) -> None:
    """NaN, inf, zero workers...: a usage error naming the flag, never a Python keyword; exit 2."""
    sheet = tmp_path / "in.csv"
    sheet.write_text("conversation_id,code\nc-1,Sale\n", encoding="utf-8")
    error = assert_one_line_error(wrapupkit("bulk", str(sheet), *argv), 2, flag)
    assert "_" not in error.split(":", 2)[-1]  # no max_workers / rate_limit


def test_already_wrapped_up_names_the_overwrite_flag(emu: Emulator, clock: FakeClock) -> None:
    """The library says overwrite=True; the command line says --overwrite."""
    org = Org(emu)
    cid = org.conversation()
    WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    ).apply_wrapup(cid, "Sale")
    done = wrapupkit("apply", cid, "No Sale", env=emulator_env(emu))
    error = assert_one_line_error(done, 5, "--overwrite")
    assert "overwrite=True" not in error
    assert emu.wrapup(cid)["name"] == "Sale"  # type: ignore[index]


# -- help --------------------------------------------------------------------------------------------------


def test_help_names_the_environment_variables_and_exit_codes() -> None:
    """The top-level help says which GENESYSCLOUD_* variables hold the credentials."""
    done = wrapupkit("--help")
    assert done.returncode == 0
    for name in (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_API_HOST",
    ):
        assert name in done.stdout
    assert "9 the bulk journal is in use" in done.stdout


def test_subcommand_help_shows_its_program_name_and_plain_text() -> None:
    """'emulator serve --help' and 'demo --help' say 'usage: wrapupkit ...', with no reStructuredText."""
    serve = wrapupkit("emulator", "serve", "--help")
    demo = wrapupkit("demo", "--help")
    assert (serve.returncode, demo.returncode) == (0, 0)
    assert serve.stdout.startswith("usage: wrapupkit emulator serve")
    assert demo.stdout.startswith("usage: wrapupkit demo")
    for text in (serve.stdout, demo.stdout):
        assert "``" not in text
        assert ":meth:" not in text
        assert "python -m" not in text


# -- Ctrl-C in a bulk run ----------------------------------------------------------------------------------


def test_ctrl_c_in_bulk_prints_the_partial_summary_writes_the_report_and_says_how_to_resume(
    real_emu: Emulator, tmp_path: Path
) -> None:
    """SIGINT mid-run: the item in flight ends, the summary and --report cover what ended, exit 130;
    rerunning with the same --journal finishes the rest and writes nothing twice."""
    org = Org(real_emu)
    cids = org.conversations(6)
    held = cids[2]
    # Its write lands, and its response is held a few seconds: Ctrl-C comes while it is in flight.
    real_emu.stall_next("POST", f"{held}/.*wrapup", 3.0, after_processing=True)
    sheet = tmp_path / "in.csv"
    sheet.write_text("conversation_id,code\n" + "".join(f"{c},Sale\n" for c in cids), encoding="utf-8")
    journal, report = tmp_path / "j.jsonl", tmp_path / "report.csv"
    argv = ["bulk", str(sheet), "--journal", str(journal), "--workers", "1", "--rate-limit", "0"]
    env = {**os.environ, **emulator_env(real_emu)}
    with subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "wrapupkit", *argv, "--no-progress", "--report", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        try:
            wait_for(lambda: real_emu.wrapup(held) is not None, "the held write to land")
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "3 item(s)" in err
    assert "interrupted: 3 of 6 item(s) ended" in err
    assert f"--journal {journal} to resume safely" in err
    with report.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["conversation_id"], r["status"]) for r in rows] == [(c, "applied") for c in cids[:3]] + [
        (c, "not_started") for c in cids[3:]
    ]
    assert all(real_emu.wrapup_writes(c) == 0 for c in cids[3:])

    assert_rerun_finishes(real_emu, argv, cids, applied=3, skipped=3)
