"""Bad bulk input: typed errors up front for options, per item for items; never a crashed run."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from small_org import Org, client_fixture, journal_records, org_fixture, run  # noqa: F401 - fixtures
from wrapupkit import BulkItem, RateLimiter, WrapupClient
from wrapupkit.bulk._items import FIELDS, as_item
from wrapupkit.bulk._journal import Journal
from wrapupkit.exceptions import ConfigurationError, InvalidInput


# -- items -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"notes": 5}, "notes"),
        ({"conversation_id": None}, "conversation_id"),
        ({"code": 3.5}, "code"),
        ({"code": b"Sale"}, "code"),
        ({"tags": 5}, "tags"),
        ({"tags": [1, 2]}, "tags"),
        ({"tags": b"a;b"}, "tags"),
        ({"tags": {"a": "b"}}, "tags"),
        ({"participant_id": ["p"]}, "participant_id"),
        ({"user_id": 7}, "user_id"),
        ({"media_type": object()}, "media_type"),
        ({"code": "Sale\ud800"}, "code"),
        ({"notes": "\udc00 notes"}, "notes"),
        ({"tags": ["ok", "\ud83d"]}, "tags"),
    ],
)
def test_wrong_field_types_are_typed_errors_at_construction(kwargs: dict[str, Any], field: str) -> None:
    """BulkItem(notes=5) and friends raise InvalidInput naming the field; a lone surrogate too."""
    values: dict[str, Any] = {"conversation_id": "c-1", "code": "Sale", **kwargs}
    with pytest.raises(InvalidInput) as info:
        BulkItem(**values)
    assert info.value.field == field
    assert "\\ud" not in str(info.value)  # the text itself is not echoed (it may be notes)


TEXTS = st.text(alphabet=st.characters(codec=None), max_size=12)  # lone surrogates included
CELLS = st.one_of(
    st.none(),
    TEXTS,
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.binary(max_size=4),
    st.lists(st.one_of(TEXTS, st.integers()), max_size=3),
    st.dictionaries(TEXTS, TEXTS, max_size=2),
)
RAW_ITEMS = st.one_of(
    st.dictionaries(st.sampled_from([*FIELDS, "other"]), CELLS),
    st.lists(CELLS, max_size=len(FIELDS) + 1),
    st.tuples(TEXTS, TEXTS),
    CELLS,
)


def _sendable(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(RAW_ITEMS)
def test_any_input_is_an_item_of_sendable_text_or_invalid_input(raw: object) -> None:
    """Whatever the input, as_item gives an item whose fields are sendable text, or raises InvalidInput."""
    try:
        item = as_item(raw)
    except InvalidInput as exc:
        assert exc.field in {*FIELDS, "item"}  # noqa: PT017 - either outcome is allowed here
        return
    assert _sendable(item.conversation_id)
    assert _sendable(item.code)
    for name in ("notes", "participant_id", "user_id", "media_type"):
        value = getattr(item, name)
        assert value is None or _sendable(value)
    assert item.tags is None or all(_sendable(t) for t in item.tags)


@settings(max_examples=150, deadline=None)
@given(conversation_id=TEXTS, code=TEXTS, notes=st.one_of(st.none(), TEXTS))
def test_every_item_that_builds_can_be_journaled_and_read_back(
    tmp_path_factory: pytest.TempPathFactory, conversation_id: str, code: str, notes: str | None
) -> None:
    """An item that constructs is journaled without error, and the journal knows it again by its key."""
    try:
        item = BulkItem(conversation_id, code, notes=notes)
    except InvalidInput:
        return
    path = tmp_path_factory.mktemp("journal") / "j.jsonl"
    book = Journal(path)
    book.record("applied", item, 0, 0.0, error="quoted \ud800 text")
    book.close()
    again = Journal(path)
    again.close()
    assert again.done == {item.key}
    assert journal_records(path)[0]["key"] == item.key


def test_a_lone_surrogate_fails_its_item_not_the_journaled_run(
    org: Org, client: WrapupClient, tmp_path: Path
) -> None:
    """Items with unsendable text fail alone with InvalidInput; the others apply and are journaled."""
    a, b, c = org.conversations(3)
    journal = tmp_path / "j.jsonl"
    items = [(a, "Sale"), (b, "Sale\ud800"), {"conversation_id": c, "code": "Sale", "notes": "x\udfff"}]
    report = run(client, items, journal=journal)
    assert [o.status for o in report.outcomes] == ["applied", "failed", "failed"]
    assert [o.error_type for o in report.failed] == ["InvalidInput", "InvalidInput"]
    assert [o.conversation_id for o in report.failed] == [b, c]
    assert [r["event"] for r in journal_records(journal)] == ["started", "applied"]
    assert org.emu.wrapup_writes(b) == org.emu.wrapup_writes(c) == 0


# -- options ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_workers": 0},
        {"max_workers": True},
        {"max_workers": 2.0},
        {"max_workers": "4"},
        {"rate_limit": math.inf},
        {"rate_limit": math.nan},
        {"rate_limit": True},
        {"rate_limit": 0.5},
        {"rate_limit": "300"},
        {"rate_limit": 10**400},
        {"timeout": math.nan},
        {"timeout": math.inf},
        {"timeout": -1},
        {"timeout": 0},
        {"timeout": "30"},
        {"timeout": True},
        {"duration": math.nan},
        {"duration": -5},
        {"overwrite": "yes"},
        {"overwrite": 1},
        {"progress": 0},
        {"readiness": 5},
        {"readiness": "polling"},
        {"journal": 5},
    ],
    ids=repr,
)
def test_wrong_options_raise_before_any_item_is_tried(
    org: Org, client: WrapupClient, kwargs: dict[str, Any]
) -> None:
    """Each bad option raises ConfigurationError up front: no item is tried, nothing is sent."""
    (cid,) = org.conversations(1)
    with pytest.raises(ConfigurationError):
        run(client, [(cid, "Sale")], **kwargs)
    assert org.emu.requests == []


def test_items_that_are_not_iterable_raise_up_front(org: Org, client: WrapupClient) -> None:
    """apply_many(client, 5) is a ConfigurationError, not a TypeError from deep inside."""
    with pytest.raises(ConfigurationError, match="items"):
        run(client, 5)  # type: ignore[arg-type]
    assert org.emu.requests == []


def test_good_options_of_every_kind_are_accepted(org: Org, client: WrapupClient) -> None:
    """The checks refuse only what is wrong: timedeltas, whole floats for rates, a limiter, callables."""
    import datetime as dt

    cids = org.conversations(2)
    report = run(
        client,
        [(c, "Sale") for c in cids],
        max_workers=2,
        rate_limit=RateLimiter(600, 60.0),
        timeout=dt.timedelta(seconds=30),
        duration=0,
        readiness=lambda ctx: True,
        overwrite=False,
    )
    assert report.counts["applied"] == 2
    assert run(client, [(org.conversation(), "Sale")], rate_limit=120.0).ok
