"""wrapupkit intend, intents and worker: exit codes, JSON, and a real worker process drained by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from small_org import emulator_env
from wrapupkit import cli
from wrapupkit.intents import Intent, IntentState, intent_key, open_store


SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(name="org")
def _org(emu: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    for name, value in emulator_env(emu).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WRAPUPKIT_STORE", f"sqlite:///{tmp_path / 'cli.db'}")
    ids = {name: emu.add_code(name) for name in ("Sale", "No Sale")}
    ids["queue"] = emu.add_queue("Support", codes=[ids["Sale"], ids["No Sale"]])
    ids["user"] = emu.add_user("Agent Smith")
    return ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.startswith("{") else out, err


def test_intend_pending_then_listed_without_notes(
    emu: Any, org: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    code, out, err = run(
        capsys, "intend", conv.id, "Sale", "--notes", "secret words", "--tags", "a,b", "--json"
    )
    assert code == 0
    assert out["intent"]["state"] == "pending"
    assert out["intent"]["has_notes"] is True
    assert "pending" in err
    code, out, err = run(capsys, "intents", "--state", "pending", "--json")
    assert code == 0
    assert [i["conversation_id"] for i in out["intents"]] == [conv.id]
    code, text, err = run(capsys, "intents")
    assert conv.id in text
    assert "secret words" not in text + err + json.dumps(out)


def test_intend_exit_codes_follow_the_state(
    emu: Any, org: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ready = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    theirs = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    emu.apply_ui_wrapup(theirs.id, org["No Sale"])
    assert run(capsys, "intend", ready.id, "Sale")[0] == 0
    code, _, err = run(capsys, "intend", theirs.id, "Sale")
    assert code == 5
    assert "already" in err
    assert run(capsys, "intend", "bad id!", "Sale")[0] == 2
    code, _, err = run(capsys, "intend", ready.id, "Sale", "--expires", "-1")
    assert code == 2


def test_intend_failures_have_their_own_exit_codes(
    emu: Any, org: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """10: the intent failed for good, or a pending one names another code; 11: the store is down."""
    ready = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    code, _, err = run(capsys, "intend", ready.id, "No Such Code")
    assert code == 10
    assert "UnknownWrapupCode" in err
    assert emu.wrapup_writes(ready.id) == 0
    later = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=60.0)
    assert run(capsys, "intend", later.id, "Sale")[0] == 0
    code, _, err = run(capsys, "intend", later.id, "No Sale")
    assert code == 10
    assert "replace" in err
    assert run(capsys, "intend", later.id, "No Sale", "--replace")[0] == 0
    code, _, err = run(capsys, "intend", later.id, "Sale", "--store", "redis://127.0.0.1:1/0")
    assert code == 11
    assert err.strip().count("\n") == 0


def test_worker_refuses_an_unknown_source_in_one_line(
    org: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "worker", "--events", "carrier-pigeon")
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "--events must be" in err


def test_sigterm_drains_a_real_worker_process(
    emu: Any, org: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM arrives while the worker applies; it finishes the intent, writes once, exits 0."""
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    conv = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    now = time.time()
    with open_store(url) as store:
        store.put(Intent(id=intent_key(conv.id, None, None), conversation_id=conv.id, code="Sale",
                         created_at=now - 120, updated_at=now - 120, expires_at=now + 3600))  # fmt: skip
    emu.stall_next("POST", r"/wrapup$", 2.0, after_processing=False)  # the write takes 2 real seconds
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "wrapupkit", "worker", "--store", url, "--events", "none",
         "--stale-after", "60", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert emu.wait_for_requests("GET", rf"/api/v2/conversations/{conv.id}$", timeout=60)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert json.loads(out)["transitions"] == {"applied": 1}
    with open_store(url) as store:
        done = store.get(intent_key(conv.id, None, None))
    assert done is not None
    assert done.state is IntentState.APPLIED
    assert emu.wrapup_writes(conv.id) == 1


def test_worker_once_sweeps_the_store_once_and_exits(
    emu: Any, org: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--once`: the stale intents are read once each (the ready one applied, the one still in its
    call left pending), the fresh one is not looked at, and the command exits 0 with its counts."""
    url = f"sqlite:///{tmp_path / 'once.db'}"
    ready = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    talking = emu.add_conversation(user_id=org["user"], queue_id=org["queue"], disconnect_after=600.0)
    fresh = emu.add_conversation(user_id=org["user"], queue_id=org["queue"])
    now = time.time()
    with open_store(url) as store:
        for conv, idle in ((ready, 120), (talking, 120), (fresh, 0)):
            at = now - idle
            store.put(Intent(id=intent_key(conv.id, None, None), conversation_id=conv.id, code="Sale",
                             created_at=at, updated_at=at, expires_at=now + 3600))  # fmt: skip
    code, out, err = run(
        capsys, "worker", "--store", url, "--events", "none", "--stale-after", "60", "--once", "--json"
    )
    assert code == 0, err
    assert out["transitions"] == {"applied": 1}
    assert out["requests"] >= 3  # the two reads and the write (the token and codes come on top)
    assert "sweeping" in err
    with open_store(url) as store:
        states = {c.id: store.get(intent_key(c.id, None, None)) for c in (ready, talking, fresh)}
    assert {cid: i.state for cid, i in states.items() if i is not None} == {
        ready.id: IntentState.APPLIED,
        talking.id: IntentState.PENDING,
        fresh.id: IntentState.PENDING,
    }
    assert emu.wrapup_writes(ready.id) == 1
    assert emu.wrapup_writes(talking.id) == emu.wrapup_writes(fresh.id) == 0
    assert emu.wait_for_requests("GET", rf"/api/v2/conversations/{talking.id}$", timeout=0)
    assert not emu.wait_for_requests("GET", rf"/api/v2/conversations/{fresh.id}$", timeout=0)


def test_worker_once_takes_no_events(org: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "worker", "--events", "http://127.0.0.1:9/queue/wrapups", "--once")
    assert code == 2
    assert "--once" in err


def test_intents_purge_older_than_deletes_old_final_intents_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    now = time.time()
    with open_store(url) as store:
        for n, (age, final) in enumerate([(9_000, True), (8_000, True), (9_000, False), (10, True)]):
            key = intent_key(f"c-{n}", None, None)
            store.put(Intent(id=key, conversation_id=f"c-{n}", code="Sale", created_at=now - age - 1))
            if final:
                store.finish(None, IntentState.APPLIED, now=now - age, intent_id=key)
    code, out, err = run(
        capsys, "intents", "--purge-older-than", "3600", "--store", url, "--limit", "1", "--json"
    )
    assert (code, out["purged"]) == (0, 1)
    assert "purged 1 final intent(s)" in err
    code, out, _ = run(capsys, "intents", "--purge-older-than", "3600", "--store", url, "--json")
    assert (code, out["purged"]) == (0, 1)
    with open_store(url) as store:
        assert sorted(i.conversation_id for i in store.list()) == ["c-2", "c-3"]  # pending, and recent
    code, _, err = run(capsys, "intents", "--purge-older-than", "0", "--store", url)
    assert code == 0
    assert "purged 1 " in err
    code, out, _ = run(capsys, "intents", "--purge-older-than", "1e300", "--store", url, "--json")
    assert (code, out["purged"], out["before"]) == (0, 0, "1970-01-01T00:00:00+00:00")
    for bad in ("nan", "-1", "soon"):
        code, _, err = run(capsys, "intents", "--purge-older-than", bad, "--store", url)
        assert code == 2
        assert "--purge-older-than" in err
    code, _, err = run(capsys, "intents", "--purge-older-than", "60", "--state", "applied", "--store", url)
    assert (code, err.strip().count("\n")) == (2, 0)
    code, _, err = run(capsys, "intents", "--purge-older-than", "60", "--store", "redis://127.0.0.1:1/0")
    assert (code, err.strip().count("\n")) == (11, 0)
