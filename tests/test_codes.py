"""CodeSet lookups and suggestions: exact, case-sensitive names, then ids."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wrapupkit import CodeSet, WrapupCode
from wrapupkit._codes import close_matches as _close_matches


names = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=15, unique=True)


@given(names)
def test_every_name_and_id_finds_its_code(all_names: list[str]) -> None:
    """Each code is found by its exact name and by its id."""
    codes = CodeSet("q", tuple(WrapupCode(id=f"id-{i}", name=n) for i, n in enumerate(all_names)))
    for i, name in enumerate(all_names):
        assert codes.by_name(name) == WrapupCode(id=f"id-{i}", name=name)
        assert codes.find(f"id-{i}").name == name  # type: ignore[union-attr]
        assert name in codes


@given(names, st.text(min_size=1, max_size=12))
def test_a_name_matches_only_exactly(all_names: list[str], probe: str) -> None:
    """A lookup by name never matches a different spelling, whatever the case folding."""
    codes = CodeSet("q", tuple(WrapupCode(id=f"id-{i}", name=n) for i, n in enumerate(all_names)))
    found = codes.by_name(probe)
    assert (found is not None) == (probe in all_names)
    if found is not None:
        assert found.name == probe


def test_suggestions_prefer_the_case_variant() -> None:
    """'survey complete' suggests 'Survey Complete' first; nothing similar suggests nothing."""
    available = ("Sale", "Survey Complete", "Survey Declined", "No Sale")
    assert _close_matches("survey complete", available)[0] == "Survey Complete"
    assert _close_matches("SALE", available)[0] == "Sale"
    assert _close_matches("zzzz", available) == []


def test_name_beats_id_and_html_is_escaped() -> None:
    """A name that equals another code's id resolves to the named code; the HTML repr escapes names."""
    codes = CodeSet(
        "q",
        (
            WrapupCode(id="Sale", name="Other"),
            WrapupCode(id="x1", name="Sale"),
            WrapupCode(id="x2", name="<b>"),
        ),
    )
    assert codes.find("Sale") == WrapupCode(id="x1", name="Sale")
    assert "&lt;b&gt;" in codes._repr_html_()
    assert codes.names == ("Other", "Sale", "<b>")
