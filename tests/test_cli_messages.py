"""What the wrapupkit command says when a user gets something wrong or stops it (issue 16, item 17)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from small_org import (  # noqa: F401 - fixtures
    Org,
    cli_org_fixture,
    emulator_env,
    real_emu_fixture,
    run_cli,
    wait_for,
    wrapupkit,
)
from wrapupkit import cli
from wrapupkit.emulator import Emulator
from wrapupkit.emulator._cli import _parser as emulator_parser


def every_parser(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """*parser* and each subcommand's parser, however deep."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from every_parser(sub)


def subcommands() -> list[tuple[str, ...]]:
    """Every leaf subcommand with a word for each positional (``apply x x``, ``emulator serve`` ...)."""
    found: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs and prefix:
            positionals = [a for a in parser._actions if not a.option_strings]
            found.append((*prefix, *("x" for _ in positionals)))
        for action in subs:
            for name, sub in action.choices.items():
                walk(sub, (*prefix, name))

    walk(cli.build_parser(), ())
    return found


# -- argparse -------------------------------------------------------------------------------------------


def test_no_parser_accepts_abbreviated_options() -> None:
    """Every parser, the emulator's own included, refuses prefixes of long options."""
    parsers = [*every_parser(cli.build_parser()), emulator_parser()]
    assert len(parsers) >= 6
    assert [p.prog for p in parsers if p.allow_abbrev] == []


def test_note_is_not_taken_for_notes(capsys: pytest.CaptureFixture[str]) -> None:
    """`apply C CODE --note x` is a usage error of apply (it once became --notes silently)."""
    code, out, err = run_cli(capsys, "apply", "c-1", "Sale", "--note", "x")
    assert (code, out) == (2, "")
    assert err.startswith("usage: wrapupkit apply ")
    assert "unrecognized arguments: --note x" in err


@pytest.mark.parametrize("prefix", subcommands(), ids=" ".join)
def test_an_unknown_flag_shows_the_subcommands_usage(
    capsys: pytest.CaptureFixture[str], prefix: tuple[str, ...]
) -> None:
    """An unknown flag after a subcommand shows that subcommand's usage, not the top-level one."""
    code, out, err = run_cli(capsys, *prefix, "--no-such-flag")
    assert (code, out) == (2, "")
    command = " ".join(word for word in prefix if word != "x")
    assert err.startswith(f"usage: wrapupkit {command} "), err
    assert "--no-such-flag" in err.splitlines()[-1]


# -- settings and input ---------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    host=st.sampled_from(["127.0.0.1", "localhost", "emulator.internal", "api.example.test"]),
    port=st.integers(min_value=1, max_value=65535),
)
def test_an_api_host_without_a_scheme_is_named_as_such(host: str, port: int) -> None:
    """GENESYSCLOUD_API_HOST=host:port says the URL needs a scheme, not that the region is unknown."""
    from wrapupkit import WrapupClient
    from wrapupkit.exceptions import ConfigurationError

    value = f"{host}:{port}"
    environ = {"GENESYSCLOUD_API_HOST": value, "GENESYSCLOUD_ACCESS_TOKEN": "t"}
    with pytest.raises(ConfigurationError) as caught:
        WrapupClient.from_env(environ=environ)
    message = str(caught.value)
    assert "scheme" in message
    assert f"http://{value}" in message
    assert "region" not in message


def test_the_command_says_the_api_host_needs_a_scheme(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same from the command line: one line, exit 2."""
    monkeypatch.setenv("GENESYSCLOUD_API_HOST", "127.0.0.1:8765")
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "t")
    code, out, err = run_cli(capsys, "codes", "q-1")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "error: '127.0.0.1:8765' is a host without a scheme; give the API URL with one, "
        "e.g. 'http://127.0.0.1:8765' (a local emulator) or 'https://127.0.0.1:8765'."
    )


def test_an_invalid_media_type_names_the_flag(cli_org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    """`--media-type fax` is refused naming --media-type, before any request."""
    cid = cli_org.conversation()
    cli_org.emu.clear_requests()
    code, out, err = run_cli(capsys, "apply", cid, "Sale", "--media-type", "fax", "--json")
    assert code == 2
    assert "--media-type" in err
    assert "media_type" not in err
    assert "--media-type" in json.loads(out)["error"]["message"]
    assert cli_org.emu.requests_matching(path=cid) == []


def test_progress_without_tqdm_says_so_in_one_line(
    cli_org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`bulk --progress` where tqdm cannot be imported: one warning line, and the run goes on."""
    monkeypatch.setitem(sys.modules, "tqdm", None)  # an import of tqdm now raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    cid = cli_org.conversation()
    sheet = tmp_path / "in.csv"
    sheet.write_text(f"conversation_id,code\n{cid},Sale\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "bulk", str(sheet), "--progress", "--rate-limit", "0")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "tqdm" in line]
    assert warnings == [
        "warning: --progress needs tqdm (pip install 'wrapupkit[progress]'); no progress bar."
    ]
    assert "Traceback" not in err
    assert cli_org.emu.wrapup_writes(cid) == 1


# -- Ctrl-C in apply --json -------------------------------------------------------------------------------


def apply_in_background(emu: Emulator, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "wrapupkit", "apply", *argv, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **emulator_env(emu)},
    )


def interrupt(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def test_ctrl_c_in_apply_before_the_write_says_nothing_was_written(real_emu: Emulator) -> None:
    """Ctrl-C while the call waits for after-call work: JSON says written false; exit 130."""
    org = Org(real_emu)
    cid = org.conversation(disconnect_after=None)  # the call goes on: no after-call work yet
    proc = apply_in_background(real_emu, cid, "Sale", "--timeout", "60")
    try:
        wait_for(lambda: len(real_emu.requests_matching("GET", cid)) >= 2, "the readiness polls")
    finally:
        out, err = interrupt(proc)
    assert proc.returncode == 130, err
    assert json.loads(out) == {
        "ok": False,
        "interrupted": True,
        "written": False,
        "message": "interrupted before the wrap-up was sent: nothing was written.",
    }
    assert "Traceback" not in err
    assert real_emu.wrapup_writes(cid) == 0


def test_ctrl_c_in_apply_while_the_write_is_in_flight_says_it_may_have_landed(real_emu: Emulator) -> None:
    """Ctrl-C while the POST's answer is held (it landed): JSON says written null (unknown), and a
    rerun reports the code already there without writing it again."""
    org = Org(real_emu)
    cid = org.conversation()
    real_emu.stall_next("POST", f"{cid}/.*wrapup", 30.0, after_processing=True)
    proc = apply_in_background(real_emu, cid, "Sale")
    try:
        wait_for(lambda: real_emu.wrapup(cid) is not None, "the write to land")
    finally:
        out, err = interrupt(proc)
    assert proc.returncode == 130, err
    answer = json.loads(out)
    assert (answer["interrupted"], answer["written"]) == (True, None)
    assert "may have been written" in answer["message"]
    rerun = wrapupkit("apply", cid, "Sale", "--json", env=emulator_env(real_emu))
    assert json.loads(rerun.stdout)["status"] == "already_applied"
    assert real_emu.wrapup_writes(cid) == 1


def test_the_write_watch_sees_the_post_through_the_sdk_hooks(cli_org: Org) -> None:
    """What `apply` reports on Ctrl-C comes from the SDK's request hooks: no wrap-up POST yet is
    False, a POST answered 2xx is True (a read of a code already there sends none)."""
    from wrapupkit import WrapupClient
    from wrapupkit.cli._apply import _Writes

    cid = cli_org.conversation()
    with WrapupClient.from_env() as client:
        writes = _Writes(client.api_client.get_http_client())
        client.codes(cli_org.queue)
        assert writes.written is False
        client.apply_wrapup(cid, "Sale")
        assert writes.written is True
    with WrapupClient.from_env() as client:
        writes = _Writes(client.api_client.get_http_client())
        assert client.apply_wrapup(cid, "Sale").already_applied
        assert writes.written is False
