"""capture: nothing personal survives, ids stay consistent, times stay relative, the rule's answer is kept.

The property test builds conversation bodies from the installed SDK's own models: it walks
``Conversation.swagger_types`` recursively and fills every string field that is not an enumeration
(a setter with ``allowed_values``) with a sentinel, every free-form map with sentinel keys; no sentinel
may appear in the capture.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_corpus
from test_explain import BODIES, CORPUS_FILES
from wrapupkit import capture_conversation, cli, explain_conversation
from wrapupkit._explain import anonymise
from wrapupkit._explain._capture import EPOCH, REDACTED


SENTINEL = "zqsentinel"
SENTINELS = st.sampled_from(
    [SENTINEL, f"{SENTINEL}@example.com", f"tel:+1555{SENTINEL}", f"Ada {SENTINEL.title()}", f"/{SENTINEL}/x"]
)
MAX_DEPTH = 5


@functools.cache
def _fields(model: str) -> tuple[tuple[str, str, tuple[str, ...] | None], ...]:
    """(JSON key, swagger type, allowed values or None) for each field of an SDK model."""
    from PureCloudPlatformClientV2 import models

    cls = getattr(models, model)
    instance = cls()
    found = []
    for attr, kind in instance.swagger_types.items():
        setter = getattr(cls, attr).fset
        source = inspect.getsource(setter) if setter is not None else ""
        match = re.search(r"allowed_values = (\[.*?\])", source, re.S)
        allowed = tuple(json.loads(match.group(1).replace("'", '"'))) if match else None
        found.append((instance.attribute_map[attr], kind, allowed))
    return tuple(found)


def _value(kind: str, allowed: tuple[str, ...] | None, depth: int) -> st.SearchStrategy[Any]:
    if allowed:
        return st.sampled_from(allowed)
    if kind == "str":
        return SENTINELS
    if kind == "datetime":
        utc = st.just(dt.timezone.utc)
        times = st.datetimes(
            min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2099, 1, 1), timezones=utc
        )
        return times.map(lambda t: t.isoformat().replace("+00:00", "Z"))
    if kind == "date":
        return st.dates().map(str)
    if kind == "bool":
        return st.booleans()
    if kind in ("int", "float"):
        return st.integers(0, 10**6)
    if kind == "object":
        return st.just({SENTINEL: SENTINEL})
    if kind.startswith("list["):
        return st.lists(_value(kind[5:-1], None, depth), max_size=2)
    if kind.startswith("dict("):
        inner = kind[len("dict(str, ") : -1]
        return st.dictionaries(SENTINELS, _value(inner, None, depth), max_size=2)
    return _model(kind, depth + 1)


def _model(name: str, depth: int) -> st.SearchStrategy[Any]:
    if depth > MAX_DEPTH:
        return st.just({})
    return st.deferred(
        lambda: st.fixed_dictionaries(
            {}, optional={key: _value(kind, allowed, depth) for key, kind, allowed in _fields(name)}
        )
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(body=_model("Conversation", 0))
def test_no_personal_field_survives(body: dict[str, Any]) -> None:
    """Every string the SDK models type as free text, and every free-form map key, is gone from a capture."""
    captured = json.dumps(capture_conversation(body)).lower()
    assert SENTINEL not in captured
    assert SENTINEL not in json.dumps(anonymise(body)).lower()


def _id_values(value: Any, key: str | None = None) -> list[tuple[str, str]]:
    """(key, id) for every id-keyed string, in order."""
    if isinstance(value, dict):
        if key == "attributes":
            return []
        return [pair for k, v in value.items() for pair in _id_values(v, k)]
    if isinstance(value, list):
        return [pair for item in value for pair in _id_values(item, key)]
    if isinstance(value, str) and value and key is not None and (key == "id" or key.endswith(("Id", "Ids"))):
        return [(key, value)]
    return []


@pytest.mark.parametrize("name", sorted(BODIES))
def test_ids_are_replaced_consistently(name: str) -> None:
    """The same id becomes the same replacement everywhere, different ids different ones; none survives."""
    body = BODIES[name]
    ids: dict[str, str] = {}
    out = anonymise(body, ids=ids)
    before, after = _id_values(body), _id_values(out)
    assert [k for k, _ in before] == [k for k, _ in after]
    assert [ids[v] for _, v in before] == [v for _, v in after]
    assert len(set(ids.values())) == len(ids)
    text = json.dumps(out)
    assert not any(original in text for original in ids if len(original) > 8)


def _times(value: Any, path: str = "") -> dict[str, dt.datetime]:
    if isinstance(value, dict):
        return {p: t for k, v in value.items() for p, t in _times(v, f"{path}/{k}").items()}
    if isinstance(value, list):
        return {p: t for i, item in enumerate(value) for p, t in _times(item, f"{path}/{i}").items()}
    if isinstance(value, str) and path.endswith(("Time", "Date")):
        try:
            return {path: dt.datetime.fromisoformat(value.replace("Z", "+00:00"))}
        except ValueError:
            return {}
    return {}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_times_are_shifted_and_differences_kept(name: str) -> None:
    """The earliest time becomes 2000-01-01T00:00:00Z; every other keeps its distance from it."""
    before, after = _times(BODIES[name]), _times(anonymise(BODIES[name]))
    assert before.keys() == after.keys()
    if before:
        first = min(before.values())
        assert min(after.values()) == EPOCH
        assert {p: t - first for p, t in before.items()} == {p: t - EPOCH for p, t in after.items()}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_rule_gives_the_same_answer_on_the_capture(name: str) -> None:
    """Anonymising changes nothing the rule reads: the same leg and communication (renamed), or error."""
    body = BODIES[name]
    ids: dict[str, str] = {}
    anonymous = anonymise(body, ids=ids)
    users = sorted({p["userId"] for p in body["participants"] if p.get("userId")})
    for args in [{}, *({"user_id": u} for u in users)]:
        original = explain_conversation(body, **args)
        captured = explain_conversation(anonymous, **{k: ids[v] for k, v in args.items()})
        assert type(captured.error) is type(original.error)
        assert captured.target == (tuple(ids[i] for i in original.target) if original.target else None)
        assert captured.verdict == original.verdict or (  # Polling's jitter draws the delay
            captured.verdict is not None
            and original.verdict is not None
            and captured.verdict.kind == original.verdict.kind
            and captured.verdict.reason == original.verdict.reason
        )


def test_free_text_is_redacted_and_structure_kept() -> None:
    """Names, addresses, notes and URIs become a placeholder; states, purposes and flags stay."""
    body = {
        "id": "c-1",
        "address": "tel:+15551234567",
        "participants": [
            {
                "id": "p-1",
                "purpose": "agent",
                "name": "Ada Lovelace",
                "userId": "u-1",
                "wrapupRequired": True,
                "attributes": {"customerEmail": "ada@example.com"},
                "wrapup": {"code": "code-1", "notes": "called about her bill", "tags": ["vip"]},
                "calls": [
                    {
                        "id": "m-1",
                        "state": "disconnected",
                        "disconnectType": "client",
                        "selfUri": "/api/v2/conversations/c-1",
                        "afterCallWork": {"state": "pending", "startTime": "2026-01-01T10:00:05Z"},
                        "connectedTime": "2026-01-01T10:00:00.000Z",
                        "wrapupTimeoutMs": 30000,
                        "latitude": 51.5,
                    }
                ],
            }
        ],
    }
    out = anonymise(body)
    leg = out["participants"][0]
    call = leg["calls"][0]
    assert (out["address"], leg["name"], leg["wrapup"]["notes"], leg["wrapup"]["tags"]) == (REDACTED,) * 3 + (
        [REDACTED],
    )
    assert leg["attributes"] == {}
    assert (leg["purpose"], leg["wrapupRequired"], call["state"], call["disconnectType"]) == (
        "agent",
        True,
        "disconnected",
        "client",
    )
    assert call["afterCallWork"] == {"state": "pending", "startTime": "2000-01-01T00:00:05.000Z"}
    assert call["connectedTime"] == "2000-01-01T00:00:00.000Z"
    assert (call["wrapupTimeoutMs"], "latitude" in call, call["selfUri"]) == (30000, False, REDACTED)
    assert leg["wrapup"]["code"] != "code-1"
    assert body["participants"][0]["name"] == "Ada Lovelace"  # the input is untouched


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.stem for p in CORPUS_FILES])
def test_a_capture_runs_in_the_corpus_test_unchanged(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Captured, written as a file, and run by tests/test_corpus.py's own checks: each expectation holds."""
    fixture = json.loads(path.read_text())
    topic = "v2.users.0e5c1f27-5c3d-4a3e-9d0d-5a3a1b2c3d4e.conversations"
    event = {"topicName": topic, "eventBody": fixture["body"]}
    captured = capture_conversation(event if fixture["kind"] == "event" else fixture["body"], description="d")
    assert captured.keys() == {"source", "description", "kind", "topic", "body", "expect", "notes"}
    assert captured["kind"] == fixture["kind"]
    if fixture["kind"] == "event":
        assert captured["topic"] == "v2.users.{id}.conversations"
    (tmp_path / path.name).write_text(json.dumps(captured, indent=2))
    monkeypatch.setattr(test_corpus, "CORPUS", tmp_path)
    assert len(captured["expect"]) >= 2  # no ids, and each agent's user_id
    for expect in captured["expect"]:
        test_corpus.test_the_rule_picks_the_expected_leg(path.name, expect)


def test_the_users_own_case_is_recorded(tmp_path: Path) -> None:
    """participant_id and user_id given to capture are translated and get their own expectation."""
    body = BODIES["blind@600"]
    agent = next(p for p in body["participants"] if p.get("purpose") == "agent")
    captured = capture_conversation(body, participant_id=agent["id"])
    mine = captured["expect"][-1]
    assert mine["args"] == {"participant_id": mine["participant_id"]}
    assert agent["id"] not in json.dumps(captured)


def test_the_command_captures_a_saved_body(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``wrapupkit capture --from-file`` (no network) writes the fixture; ``--out -`` prints it."""
    body_file = tmp_path / "body.json"
    body_file.write_text(json.dumps(BODIES["conference@600"]))
    assert cli.main(["capture", "--from-file", str(body_file), "--out", "-", "--source", "my org"]) == 0
    out, err = capsys.readouterr()
    fixture = json.loads(out)
    assert fixture["source"] == "my org"
    assert fixture["expect"][0] == {"args": {}, "error": "AmbiguousParticipant"}
    assert "the rule with no ids: AmbiguousParticipant" in err
    assert cli.main(["capture", "--out", "x.json"]) == 2
