"""Notebook ergonomics: readable reprs and well-formed, escaped HTML tables, never showing notes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from wrapupkit import (
    BulkItem,
    BulkOutcome,
    BulkReport,
    CodeSet,
    MediaType,
    RateLimiter,
    RetryPolicy,
    WrapupCode,
    WrapupResult,
    apply_many,
)
from wrapupkit._client import WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import UnknownWrapupCode
from wrapupkit.testing import FakeClock


SECRET = "TOP-SECRET-NOTES do not leak"
NASTY = '<img src=x onerror=alert(1)> & "quotes"'


class TableChecker(HTMLParser):
    """Checks that every tag is closed in order and collects the text of each cell."""

    VOID = frozenset({"br", "img", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.cells: list[str] = []
        self.tags: set[str] = set()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag in ("td", "th"):
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        if self.cells and self.stack and self.stack[-1] in ("td", "th", "code"):
            self.cells[-1] += data


def parse(page: str) -> TableChecker:
    checker = TableChecker()
    checker.feed(page)
    checker.close()
    assert checker.problems == []
    assert checker.stack == []
    return checker


def result(name: str = "Sale", already: bool = False) -> WrapupResult:
    return WrapupResult(
        conversation_id="c-1",
        participant_id="p-1",
        communication_id="m-1",
        media_type=MediaType.CALL,
        code=WrapupCode("code-1", name),
        queue_id="q-1",
        already_applied=already,
        attempts=0 if already else 1,
        requests=3,
        waited=0.25,
    )


def test_wrapup_result_html_is_a_table_with_escaped_values() -> None:
    """WrapupResult's HTML is a closed table; a code name with markup is shown as text."""
    checker = parse(result(NASTY)._repr_html_())
    assert "img" not in checker.tags
    assert any(NASTY in cell for cell in checker.cells)


@pytest.mark.parametrize(
    ("already", "caption"), [(False, "Wrap-up applied"), (True, "Wrap-up already applied")]
)
def test_wrapup_result_html_says_what_happened(already: bool, caption: str) -> None:
    """The caption distinguishes a write from a code that was already there."""
    assert f"<caption>{caption}</caption>" in result(already=already)._repr_html_()


def test_code_set_html_escapes_names() -> None:
    """CodeSet's HTML lists every code, escaped, with the count in the caption."""
    codes = CodeSet("q-1", (WrapupCode("a", NASTY), WrapupCode("b", "Sale")))
    page = codes._repr_html_()
    checker = parse(page)
    assert "img" not in checker.tags
    assert NASTY in checker.cells
    assert "2 wrap-up codes" in page


def test_bulk_item_and_outcome_reprs_hide_notes() -> None:
    """Items and outcomes print on one line, with the notes' length and the error's type."""
    item = BulkItem("c-1", "Sale", notes=SECRET, tags="a;b")
    error = UnknownWrapupCode("Sael", queue_id="q-1", suggestions=["Sale"])
    outcome = BulkOutcome(index=3, item=item, status="failed", seconds=0.5, error=error)
    for text in (repr(item), repr(outcome)):
        assert SECRET not in text
        assert "\n" not in text
    assert "tags=('a', 'b')" in repr(item)
    assert "error=UnknownWrapupCode(" in repr(outcome)
    assert outcome.conversation_id == "c-1"


def test_rate_limiter_repr_shows_its_shape() -> None:
    """RateLimiter's repr is its constructor call."""
    assert (
        repr(RateLimiter(50, 1.0, burst=5))
        == "RateLimiter(requests=50, per_seconds=1, burst=5, headroom=0.05)"
    )


def test_report_from_a_real_run_renders_per_item_timings() -> None:
    """A report from a run against the emulator: counts in repr; one HTML row per item with its seconds."""
    clock = FakeClock()
    with Emulator(clock=clock) as emu:
        sale = emu.add_code("Sale")
        queue = emu.add_queue("Support", codes=[sale], wrapup_prompt="MANDATORY")
        user = emu.add_user("Ada")
        cids = [emu.add_conversation(user_id=user, queue_id=queue).id for _ in range(3)]
        client = WrapupClient.from_credentials(
            emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
        )
        items = [(cids[0], "Sale", SECRET), (cids[1], NASTY, SECRET), (cids[2], "Sale")]
        report = apply_many(client, items, progress=False, rate_limit=None)
    assert repr(report).startswith("BulkReport(total=3, applied=2, already_applied=0, skipped=0, failed=1,")
    page = report._repr_html_()
    checker = parse(page)
    assert "img" not in checker.tags
    assert SECRET not in page
    assert page.count("<tr>") == 1 + 3
    assert "2 applied" in page
    rows = report.rows()
    assert [r["status"] for r in rows] == ["applied", "failed", "applied"]
    assert all(isinstance(r["seconds"], float) for r in rows)
    assert any(NASTY in cell for cell in checker.cells)


def test_empty_report_is_still_a_table() -> None:
    """A run with no items renders an empty, well-formed table and a zero-count repr."""
    report = BulkReport(outcomes=(), elapsed=0.0)
    parse(report._repr_html_())
    assert repr(report) == (
        "BulkReport(total=0, applied=0, already_applied=0, skipped=0, failed=0, elapsed=0.00s)"
    )


def test_log_messages_do_not_repeat_the_logger_name() -> None:
    """Every log call's message starts with its content: the logger's name ("wrapupkit") says who speaks."""
    import ast
    from pathlib import Path

    offenders = []
    for path in (Path(__file__).parents[1] / "src" / "wrapupkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "log"
                and node.args
            ):
                first = node.args[1] if node.func.attr == "log" and len(node.args) > 1 else node.args[0]
                text = ast.unparse(first)
                if "wrapupkit:" in text:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
