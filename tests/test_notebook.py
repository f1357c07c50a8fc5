"""Notebook views: CodeSet shows its age, outcome collections render as tables, the bar warns on failure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from wrapupkit import BulkOutcome, BulkReport, CodeSet, RetryPolicy, WrapupClient, WrapupCode, apply_many
from wrapupkit.bulk._runner import WARNING_COLOUR
from wrapupkit.emulator import Emulator
from wrapupkit.testing import FakeClock


SECRET = "NOTES-NEVER-SHOWN"


class Table(HTMLParser):
    """A well-formedness check (every tag closed, in order) that collects rows and cells."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.rows: list[list[str]] = []
        self.caption = ""
        self._in: str | None = None
        self.feed(page)
        self.close()
        assert self.stack == [], f"unclosed tags: {self.stack}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "caption"):
            self._in = tag
            if tag == "td":
                self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "td":
            self.rows[-1][-1] += data
        elif self._in == "caption":
            self.caption += data

    @property
    def body_rows(self) -> list[list[str]]:
        return [r for r in self.rows if r]


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock(start=5_000.0)


@pytest.fixture(name="setup")
def _setup(clock: FakeClock) -> Iterator[tuple[Emulator, WrapupClient, str, list[str]]]:
    with Emulator(clock=clock) as emu:
        sale = emu.add_code("Sale")
        queue = emu.add_queue("Support", codes=[sale, emu.add_code("Survey Complete")])
        user = emu.add_user("Ada")
        cids = [emu.add_conversation(user_id=user, queue_id=queue).id for _ in range(4)]
        client = WrapupClient.from_credentials(
            emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
        )
        yield emu, client, queue, cids


def test_code_set_repr_shows_the_age_on_the_clients_clock(
    setup: tuple[Emulator, WrapupClient, str, list[str]], clock: FakeClock
) -> None:
    """The repr says how long ago the client fetched the codes, not a monotonic clock reading."""
    _, client, queue, _ = setup
    codes = client.codes(queue)
    clock.advance(90)
    text = repr(codes)
    assert text == f"CodeSet(queue_id={queue!r}, 2 codes: ['Sale', 'Survey Complete'], fetched 90 s ago)"
    assert "5000" not in text
    assert "fetched_at" not in text
    assert codes.age == pytest.approx(90.0)
    assert "fetched 90 s ago" in Table(codes._repr_html_()).caption
    clock.advance(3 * 3600)
    assert repr(codes).endswith("fetched 3.0 h ago)")


def test_code_set_repr_lists_a_few_names_then_counts() -> None:
    """A long list shows five names and a count of the rest; one code is 'code'; a fresh set is 0 s old."""
    clock = FakeClock()
    many = CodeSet("q", tuple(WrapupCode(f"id-{i}", f"Code {i}") for i in range(12)), clock=clock)
    clock.advance(4.25)
    assert repr(many) == (
        "CodeSet(queue_id='q', 12 codes: ['Code 0', 'Code 1', 'Code 2', 'Code 3', 'Code 4', ... 7 more], "
        "fetched 4.2 s ago)"
    )
    one = CodeSet(None, (WrapupCode("a", "Sale"),), clock=clock)
    assert repr(one) == "CodeSet(queue_id=None, 1 code: ['Sale'], fetched 0.0 s ago)"
    clock.advance(600)
    assert repr(one).endswith("fetched 10 min ago)")


def test_code_set_equality_ignores_when_and_on_which_clock() -> None:
    """Two sets of the same codes are equal whenever and on whatever clock they were fetched."""
    codes = (WrapupCode("a", "Sale"),)
    assert CodeSet("q", codes) == CodeSet("q", codes, clock=FakeClock(), fetched_at=12.0)


def test_failed_outcomes_render_as_a_table(setup: tuple[Emulator, WrapupClient, str, list[str]]) -> None:
    """report.failed is a tuple a notebook shows as a table: one row per failure, with the error."""
    _, client, _, cids = setup
    items = [
        (cids[0], "Sale", SECRET),
        (cids[1], "No Such Code", SECRET),
        (cids[2], "Sale"),
        (cids[3], "Nope"),
    ]
    report = apply_many(client, items, progress=False, rate_limit=None)

    failed = report.failed
    assert isinstance(failed, tuple)
    assert [o.index for o in failed] == [1, 3]
    page = failed._repr_html_()
    assert SECRET not in page
    table = Table(page)
    assert table.caption == "2 items: 2 failed"
    assert [row[0] for row in table.body_rows] == ["1", "3"]
    assert all(row[4] == "failed" and row[6].startswith("UnknownWrapupCode: ") for row in table.body_rows)


def test_outcome_slices_and_empty_collections_render(
    setup: tuple[Emulator, WrapupClient, str, list[str]],
) -> None:
    """A slice of report.outcomes keeps the table view; an index gives an outcome; no failure: empty table."""
    _, client, _, cids = setup
    report = apply_many(client, [(c, "Sale") for c in cids], progress=False, rate_limit=None)

    first_two = report.outcomes[:2]
    assert [o.index for o in first_two] == [0, 1]
    assert Table(first_two._repr_html_()).caption == "2 items: 2 applied"
    assert isinstance(report.outcomes[0], BulkOutcome)
    assert report.outcomes == tuple(report)  # still a tuple for everything else
    empty = Table(report.failed._repr_html_())
    assert empty.body_rows == []
    assert empty.caption == "no items"
    assert len(Table(report._repr_html_()).body_rows) == 4


def test_report_built_from_a_plain_tuple_gets_the_views() -> None:
    """BulkReport(outcomes=tuple) converts, so hand-built and partial reports render alike."""
    report = BulkReport(outcomes=(BulkOutcome(0, None, "failed", error=ValueError("bad row")),), elapsed=1.0)
    rows = Table(report.outcomes._repr_html_()).body_rows
    assert rows[0][6] == "ValueError: bad row"


_COLOUR_ESCAPE = "\x1b[38;2;{};{};{}m".format(*(int(WARNING_COLOUR[i : i + 2], 16) for i in (1, 3, 5)))


def test_progress_bar_turns_to_the_warning_colour_when_an_item_fails(
    setup: tuple[Emulator, WrapupClient, str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """With a failure the bar is drawn in amber with 'N failed'; a clean run keeps the default colour."""
    pytest.importorskip("tqdm")
    _, client, _, cids = setup
    apply_many(client, [(cids[0], "Sale"), (cids[1], "Sale")], rate_limit=None, progress=True)
    clean = capsys.readouterr().err
    assert "2/2" in clean
    assert _COLOUR_ESCAPE not in clean

    apply_many(client, [(cids[2], "Sale"), (cids[3], "Nope")], rate_limit=None, progress=True, max_workers=1)
    failing = capsys.readouterr().err
    assert _COLOUR_ESCAPE in failing
    assert re.search(r"2/2 .*1 failed", failing)
