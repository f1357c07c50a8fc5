"""Real conversation and event bodies from public sources (tests/corpus/) through the selection code.

Each fixture names its source and the target the rule of docs/which-leg.md gives; the same code that
reads a GET body or a notification event must choose exactly that participant and communication.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wrapupkit import exceptions
from wrapupkit._conversation import select_target


CORPUS = Path(__file__).parent / "corpus"
CASES = [
    pytest.param(path.name, expect, id=f"{path.stem}-{i}")
    for path in sorted(CORPUS.glob("*.json"))
    for i, expect in enumerate(json.loads(path.read_text())["expect"])
]


def _body(name: str) -> dict[str, Any]:
    fixture = json.loads((CORPUS / name).read_text())
    assert fixture["source"], "every fixture names its public source"
    body: dict[str, Any] = fixture["body"]
    return body


def test_the_corpus_is_there() -> None:
    """At least one body of each kind, so an empty corpus cannot pass silently."""
    kinds = {json.loads(p.read_text())["kind"] for p in CORPUS.glob("*.json")}
    assert kinds == {"conversation", "event"}


@pytest.mark.parametrize(("name", "expect"), CASES)
def test_the_rule_picks_the_expected_leg(name: str, expect: dict[str, Any]) -> None:
    """The participant and communication (or the typed error) the fixture expects."""
    body = _body(name)
    args = expect.get("args", {})
    if "error" in expect:
        error = getattr(exceptions, expect["error"])
        with pytest.raises(error) as info:
            select_target(body, **args)
        if "participant_id" in expect:  # the error names the leg the rule chose
            assert expect["participant_id"] in str(info.value) or any(
                c.participant_id == expect["participant_id"] for c in getattr(info.value, "candidates", ())
            )
        return
    target = select_target(body, **args)
    assert (target.participant_id, target.communication_id) == (
        expect["participant_id"],
        expect["communication_id"],
    )
    assert target.endpoint.media.value == expect["media"]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize(("name", "expect"), CASES)
def test_list_and_key_order_never_change_the_target(name: str, expect: dict[str, Any], data: Any) -> None:
    """The rule orders legs by their own times: shuffling participants and keys gives the same answer."""
    body = _body(name)
    participants = list(body["participants"])
    order = data.draw(st.permutations(range(len(participants))))
    shuffled = dict(body, participants=[_reorder(participants[i], data) for i in order])
    args = expect.get("args", {})
    try:
        expected: object = select_target(body, **args)
    except exceptions.WrapupkitError as exc:
        expected = type(exc)
    try:
        actual: object = select_target(shuffled, **args)
    except exceptions.WrapupkitError as exc:
        actual = type(exc)
    assert actual == expected


def _reorder(participant: dict[str, Any], data: Any) -> dict[str, Any]:
    keys = data.draw(st.permutations(list(participant)))
    return {key: participant[key] for key in keys}
