"""client.explain() through the official SDK against the emulator: it names where apply_wrapup() then writes.

For every shape of the library, at several moments, and for each kind of argument, a fresh conversation
is explained and then wrapped up: the one POST on the wire goes to the explained participant and
communication (or the explained error is the one raised, and nothing is written), and with the default
``Polling`` the write happens on the first read exactly when the explanation says "ready".
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from small_org import emulator_env
from test_explain import SHAPES
from wrapupkit import (
    AsyncWrapupClient,
    Immediate,
    RetryPolicy,
    WrapupClient,
    cli,
    explain_outcome,
)
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import InvalidInput, NotAnsweredYet, NotFound, WrapupkitError
from wrapupkit.testing import FakeClock


MOMENTS = (5.0, 40.0, 600.0)
POST = re.compile(r"/participants/(?P<pid>[^/]+)/communications/(?P<mid>[^/]+)/wrapup$")


@pytest.fixture(name="org")
def _org(emu: Emulator) -> dict[str, str]:
    sale = emu.add_code("Sale")
    return {
        "queue": emu.add_queue("Support", codes=[sale], wrapup_prompt="MANDATORY"),
        "ada": emu.add_user("Ada"),
        "bob": emu.add_user("Bob"),
    }


@pytest.fixture(name="client")
def _client(emu: Emulator, clock: FakeClock) -> Iterator[WrapupClient]:
    with WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait(), timeout=600
    ) as client:
        yield client


def _posts(emu: Emulator, conversation_id: str) -> list[tuple[str, str]]:
    found = []
    for request in emu.requests_matching("POST", rf"/{conversation_id}/.*/wrapup$"):
        match = POST.search(request.path)
        assert match is not None
        found.append((match["pid"], match["mid"]))
    return found


def _fresh(emu: Emulator, org: dict[str, str], name: str, moment: float) -> str:
    handle = emu.add_shape(SHAPES[name](org["ada"], org["bob"], org["queue"]))
    emu.advance(moment)
    return str(handle.id)


def _cases(emu: Emulator, org: dict[str, str], name: str, moment: float) -> list[dict[str, str]]:
    body = emu.conversation_json(_fresh(emu, org, name, moment))
    agents = [p["id"] for p in body["participants"] if p.get("purpose") in ("agent", "user")]
    return [{}, {"user_id": org["ada"]}, {"user_id": org["bob"]}, {"participant_id": agents[-1]}]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_explain_names_the_write(
    emu: Emulator, client: WrapupClient, org: dict[str, str], name: str, moment: float
) -> None:
    """Immediate: the first (and only) POST goes where the explanation said, or the same error is raised."""
    for args in _cases(emu, org, name, moment):
        _explain_then_write(emu, client, _fresh(emu, org, name, moment), args)


def _explain_then_write(emu: Emulator, client: WrapupClient, cid: str, args: dict[str, str]) -> None:
    """Explain, then apply with Immediate: the POST goes to the explained target, or the error matches."""
    explanation = client.explain(cid, readiness=Immediate(), **args)
    try:
        client.apply_wrapup(cid, "Sale", readiness=Immediate(), timeout=0.01, **args)
    except WrapupkitError as exc:
        error: WrapupkitError | None = exc
    else:
        error = None
    posts = _posts(emu, cid)
    if explanation.error is not None:
        assert type(error) is type(explanation.error), (args, explanation.text())
        assert posts == []
    else:
        assert posts[:1] == [explanation.target], (args, explanation.text())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(SHAPES)),
    moment=st.integers(0, 130).map(lambda k: k + 0.5),  # the shapes' events fall on whole seconds
    pick=st.integers(0, 3),
    level=st.sampled_from(["participant", "communication"]),
)
def test_explain_names_the_write_at_any_moment(
    emu: Emulator,
    client: WrapupClient,
    org: dict[str, str],
    *,
    name: str,
    moment: float,
    pick: int,
    level: str,
) -> None:
    """As a property: any shape, any moment, any kind of argument, either ACW level."""
    emu.rules.acw_level = level
    args = _cases(emu, org, name, moment)[pick]
    _explain_then_write(emu, client, _fresh(emu, org, name, moment), args)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("name", ["blind", "callback-dial", "conference", "direct", "reoffer"])
def test_polling_writes_at_once_exactly_when_explained_ready(
    emu: Emulator, client: WrapupClient, org: dict[str, str], name: str, moment: float
) -> None:
    """The default strategy's verdict: "ready" is a write on the first read; "wait" is one later, or none."""
    for args in _cases(emu, org, name, moment):
        cid = _fresh(emu, org, name, moment)
        explanation = client.explain(cid, **args)
        try:
            outcome: Any = client.apply_wrapup(cid, "Sale", timeout=120, **args)
        except WrapupkitError as exc:
            outcome = exc
        trail = outcome.trail
        assert trail is not None
        if isinstance(explanation.error, NotAnsweredYet):  # it waits for an answer: chosen on a later read
            assert isinstance(outcome, NotAnsweredYet) or (trail.chosen_after_reads or 0) > 1
            continue
        if explanation.error is not None:
            assert type(outcome) is type(explanation.error)
            continue
        assert trail.target == explanation.target, (name, args, explanation.text())
        assert (trail.written_after_reads == 1) == explanation.ready, (name, args, explanation.text())
        assert explain_outcome(outcome).target == explanation.target


def test_explain_reads_once_and_writes_nothing(
    emu: Emulator, client: WrapupClient, org: dict[str, str]
) -> None:
    """One GET, no POST; bad arguments are refused before any request; an unknown id is NotFound."""
    cid = _fresh(emu, org, "blind", 600.0)
    emu.clear_requests()
    explanation = client.explain(cid, user_id=org["bob"])
    assert [r.method for r in emu.requests_matching(path="/conversations")] == ["GET"]
    assert explanation.ready
    assert explanation.conversation["id"] == cid
    emu.clear_requests()
    with pytest.raises(InvalidInput):
        client.explain(cid, user_id="not an id")
    with pytest.raises(InvalidInput):
        client.explain(cid, media_type="fax")
    assert emu.requests_matching(path="/conversations") == []
    with pytest.raises(NotFound):
        client.explain("00000000-0000-4000-8000-000000000000")


def test_the_async_client_explains_the_same(emu: Emulator, clock: FakeClock, org: dict[str, str]) -> None:
    """AsyncWrapupClient.explain() is the sync explanation, awaited."""
    cid = _fresh(emu, org, "transfer-back", 600.0)

    async def main() -> Any:
        client = await AsyncWrapupClient.from_credentials(
            emu.client_id, emu.client_secret, host=emu.url, clock=clock
        )
        async with client:
            return await client.explain(cid, user_id=org["ada"])

    explanation = asyncio.run(main())
    with WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url, clock=clock) as sync:
        assert explanation == sync.explain(cid, user_id=org["ada"])


def test_the_command_explains_and_captures(
    emu: Emulator, org: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:  # fmt: skip
    """``wrapupkit explain`` and ``wrapupkit capture`` read the conversation through the SDK."""
    for variable, value in emulator_env(emu).items():
        monkeypatch.setenv(variable, value)
    cid = _fresh(emu, org, "blind", 600.0)
    assert cli.main(["explain", cid, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["error"]["type"] == "AmbiguousParticipant"
    assert cli.main(["explain", cid, "--user-id", org["ada"]]) == 0
    out = capsys.readouterr().out
    assert f"user {org['ada']}" in out
    assert "Waits for: nothing: it writes now" in out
    out_file = tmp_path / "shape.json"
    assert cli.main(["capture", cid, "--out", str(out_file), "--description", "blind transfer"]) == 0
    capture = json.loads(out_file.read_text())
    assert cid not in out_file.read_text()
    assert org["ada"] not in out_file.read_text()
    assert capture["expect"][0] == {"args": {}, "error": "AmbiguousParticipant"}
    assert "Read it before sharing" in capsys.readouterr().err
    assert emu.requests_matching("POST", "wrapup") == []
