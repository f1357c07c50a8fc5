"""The wrapupkit command: output streams, exit codes and JSON, against the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from small_org import SECRET, Org, cli_org_fixture, emulator_env, run_cli  # noqa: F401 - fixtures
from wrapupkit import cli
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    AmbiguousParticipant,
    AuthenticationError,
    ConfigurationError,
    Forbidden,
    InteractionTypeMismatch,
    InvalidInput,
    ReadinessFailed,
    ReadinessTimeout,
    ServiceUnavailable,
    TransportError,
    UnknownWrapupCode,
    UnsupportedInteraction,
)


@pytest.fixture(name="org")
def _org(cli_org: Org) -> Org:
    return cli_org


# -- exit codes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError("x"), 2),
        (InvalidInput("code", "blank"), 2),
        (UnknownWrapupCode("Sael", queue_id="q"), 3),
        (AmbiguousParticipant("two", conversation_id="c", candidates=[]), 4),
        (InteractionTypeMismatch(expected="email", actual="call", conversation_id="c"), 4),
        (UnsupportedInteraction("chats", "no endpoint"), 4),
        (ReadinessTimeout("connected"), 5),
        (ReadinessFailed("acw skipped"), 5),
        (AlreadyWrappedUp(conversation_id="c", participant_id="p", existing_code="a", requested_code="b"), 5),
        (Forbidden(403), 6),
        (ServiceUnavailable(503), 6),
        (AuthenticationError("no"), 6),
        (TransportError("reset", maybe_sent=True), 7),
        (RuntimeError("bug"), 1),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_exit_code_follows_the_exception_tree(error: BaseException, code: int) -> None:
    """Each error class maps to its documented exit status; anything else is 1."""
    assert cli.exit_code_for(error) == code


# -- apply -----------------------------------------------------------------------------------------------


def test_apply_json_on_stdout_message_on_stderr(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    """apply --json prints the result as JSON on stdout and a sentence on stderr; exit 0."""
    cid = org.conversation()
    code, out, err = run_cli(capsys, "apply", cid, "Sale", "--tags", "a, b", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["ok"] is True
    assert payload["status"] == "applied"
    assert payload["code"] == {"id": org.sale, "name": "Sale"}
    assert payload["media_type"] == "call"
    assert "Applied wrap-up code 'Sale'" in err
    assert org.emu.wrapup(cid)["tags"] == ["a", "b"]  # type: ignore[index]


def test_apply_without_json_keeps_stdout_empty(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json the result is a message on stderr only; a second run says already applied."""
    cid = org.conversation()
    assert run_cli(capsys, "apply", cid, "Sale")[:2] == (0, "")
    code, out, err = run_cli(capsys, "apply", cid, "Sale", "--readiness", "immediate")
    assert (code, out) == (0, "")
    assert "already applied" in err
    assert org.emu.wrapup_writes(cid) == 1


def test_apply_never_prints_notes_or_the_secret(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    """Notes and the client secret appear nowhere in the output, even with -vv."""
    cid = org.conversation()
    code, out, err = run_cli(capsys, "-vv", "apply", cid, "Sale", "--notes", SECRET, "--json")
    assert code == 0
    assert org.emu.wrapup(cid)["notes"] == SECRET  # type: ignore[index]
    for text in (out, err):
        assert SECRET not in text
        assert org.emu.client_secret not in text
    assert "applied code" in err  # -vv logs went to stderr


@pytest.mark.parametrize(
    ("argv", "expected_code", "error_type"),
    [
        (("{cid}", "Sael"), 3, "UnknownWrapupCode"),
        (("{cid}", "Sale", "--media-type", "email"), 4, "InteractionTypeMismatch"),
        (("{cid}", "Sale", "--user-id", "nobody"), 4, "ParticipantNotFound"),
        (("{wrapped}", "Sale"), 5, "AlreadyWrappedUp"),
        (("no-such-conversation", "Sale"), 6, "NotFound"),
        (("{cid}", " "), 2, "InvalidInput"),
    ],
    ids=["unknown-code", "media-type", "participant", "already-wrapped", "not-found", "blank-code"],
)
def test_apply_errors_exit_by_class_with_json(
    org: Org,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    expected_code: int,
    error_type: str,
) -> None:
    """Each failure exits with its class's status, says why on stderr and describes it in JSON."""
    cid, wrapped = org.conversation(), org.conversation()
    org.emu.apply_ui_wrapup(wrapped, org.no_sale)
    args = [a.format(cid=cid, wrapped=wrapped) for a in argv]
    code, out, err = run_cli(capsys, "apply", *args, "--json")
    assert code == expected_code
    error = json.loads(out)["error"]
    assert error["type"] == error_type
    assert error["exit_code"] == expected_code
    assert err.startswith("error: ")
    assert org.emu.wrapup_writes(cid) == 0


def test_unknown_code_json_carries_suggestions(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    """An UnknownWrapupCode error lists close matches for scripts."""
    code, out, _ = run_cli(capsys, "--json", "apply", org.conversation(), "sale")
    assert code == 3
    assert json.loads(out)["error"]["suggestions"][0] == "Sale"


def test_missing_credentials_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """With no GENESYSCLOUD_* settings the command exits 2 and names the variable to set."""
    code, out, err = run_cli(capsys, "apply", "c-1", "Sale")
    assert (code, out) == (2, "")
    assert "GENESYSCLOUD_REGION" in err


def test_wrong_secret_exits_6_without_printing_it(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused login exits 6; the secret given is not echoed."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "wrong-secret-value")
    code, out, err = run_cli(capsys, "apply", org.conversation(), "Sale")
    assert code == 6
    assert "wrong-secret-value" not in out + err


@pytest.mark.parametrize(
    "argv",
    [("apply", "only-one"), ("bulk",), ("frobnicate",), ("apply", "c", "Sale", "--readiness", "soon"), ()],
    ids=["missing-arg", "missing-file", "unknown-command", "bad-choice", "nothing"],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    """Bad command lines exit 2 with usage on stderr and nothing on stdout."""
    code, out, err = run_cli(capsys, *argv)
    assert (code, out) == (2, "")
    assert "usage: wrapupkit" in err


# -- codes -----------------------------------------------------------------------------------------------


def test_codes_lists_ids_and_names(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    """codes prints one 'id  name' line per code on stdout, or JSON."""
    code, out, err = run_cli(capsys, "codes", org.queue)
    assert code == 0
    assert sorted(out.splitlines()) == sorted([f"{org.sale}  Sale", f"{org.no_sale}  No Sale"])
    assert "2 wrap-up code(s)" in err
    code, out, _ = run_cli(capsys, "codes", org.queue, "--json")
    listed = {c["id"]: c["name"] for c in json.loads(out)["codes"]}
    assert listed == {org.sale: "Sale", org.no_sale: "No Sale"}


# -- bulk ------------------------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("conversation_id,code,notes,tags\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_bulk_applies_a_csv_and_reruns_from_the_journal(
    org: Org, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """bulk applies every row (exit 0); the rerun with the same journal skips them all."""
    cids = [org.conversation() for _ in range(5)]
    sheet = write_csv(tmp_path / "in.csv", [f"{c},Sale,{SECRET},vip;bulk" for c in cids])
    journal, report = tmp_path / "j.jsonl", tmp_path / "report.csv"
    argv = ["bulk", str(sheet), "--journal", str(journal), "--no-progress", "--rate-limit", "0", "--json"]
    code, out, err = run_cli(capsys, *argv, "--report", str(report))
    assert code == 0
    assert json.loads(out)["counts"] == {"applied": 5, "already_applied": 0, "skipped": 0, "failed": 0}
    assert "5 item(s)" in err
    assert report.read_text(encoding="utf-8").count("\n") == 6
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0
    assert json.loads(out)["counts"]["skipped"] == 5
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)
    for text in (out, err, journal.read_text(encoding="utf-8"), report.read_text(encoding="utf-8")):
        assert SECRET not in text


def test_bulk_with_failures_exits_8_and_lists_them(
    org: Org, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Rows that fail (bad id, unknown code, blank code) are listed on stderr; the others apply; exit 8."""
    good = org.conversation()
    sheet = write_csv(
        tmp_path / "in.csv", [f"{good},Sale,,", "not an id!,Sale,,", f"{org.conversation()},Sael,,", ","]
    )
    code, out, err = run_cli(capsys, "bulk", str(sheet), "--no-progress", "--workers", "2")
    assert (code, out) == (8, "")
    assert "1 applied" in err
    assert "3 failed" in err
    assert "row 2 (conversation not an id!): InvalidInput" in err
    assert "row 3" in err
    assert "UnknownWrapupCode" in err
    assert org.emu.wrapup_writes(good) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [("id,code\nx,Sale\n", "no conversation_id column"), (None, "Cannot read")],
    ids=["no-column", "no-file"],
)
def test_bulk_unusable_file_exits_2(
    org: Org, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    """A CSV without the required columns, or no file at all, exits 2 before any request."""
    sheet = tmp_path / "in.csv"
    if content is not None:
        sheet.write_text(content, encoding="utf-8")
    code, _, err = run_cli(capsys, "bulk", str(sheet))
    assert code == 2
    assert message in err
    assert org.emu.requests == []


# -- delegated commands ----------------------------------------------------------------------------------


def test_demo_is_delegated(capsys: pytest.CaptureFixture[str]) -> None:
    """'wrapupkit demo --help' is the demo's own help, exit 0."""
    code, out, _ = run_cli(capsys, "demo", "--help")
    assert code == 0
    assert "usage: wrapupkit demo" in out


def test_emulator_serve_is_delegated() -> None:
    """'python -m wrapupkit emulator serve --port 0' serves on 127.0.0.1 and stops cleanly on SIGTERM."""
    with subprocess.Popen(
        [sys.executable, "-m", "wrapupkit", "emulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    assert first.startswith("Genesys Cloud emulator listening on http://127.0.0.1:")
    assert proc.returncode == 0


# -- as a real process -----------------------------------------------------------------------------------

HELP_PROBE = """
import json, sys
from wrapupkit.cli import main
codes = [main(argv) for argv in (["--help"], ["apply", "--help"], ["bulk", "--help"], ["codes", "--help"])]
sdk = sorted(m for m in sys.modules if m.startswith("PureCloudPlatformClientV2"))
print(json.dumps({"codes": codes, "sdk": sdk}))
"""


def test_help_does_not_import_the_sdk() -> None:
    """--help answers without importing PureCloudPlatformClientV2."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    probe = json.loads(done.stdout.splitlines()[-1])
    assert probe == {"codes": [0, 0, 0, 0], "sdk": []}


def test_python_dash_m_applies_against_the_emulator(org: Org) -> None:
    """'python -m wrapupkit apply ... --json' in its own process: exit 0, JSON on stdout."""
    cid = org.conversation()
    env = {**os.environ, **emulator_env(org.emu)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "wrapupkit", "apply", cid, "Sale", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversation_id"] == cid
    assert org.emu.wrapup_writes(cid) == 1


def test_console_script_is_installed() -> None:
    """The 'wrapupkit' console script next to the interpreter prints the version."""
    script = Path(sys.executable).with_name("wrapupkit")
    if not script.exists():
        pytest.skip("no console script beside the interpreter (not an installed environment)")
    done = subprocess.run(  # noqa: S603
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip()[0].isdigit()
