"""apply_many: every item accounted for, none applied twice, against the emulator over a socket."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import pytest

from small_org import SECRET, Org, client_fixture, org_fixture, run  # noqa: F401 - fixtures
from wrapupkit import BulkItem, BulkOutcome, BulkReport, RateLimiter
from wrapupkit._client import WrapupClient
from wrapupkit.bulk._items import as_item
from wrapupkit.exceptions import ConfigurationError, InvalidInput
from wrapupkit.testing import FakeClock


# -- items -----------------------------------------------------------------------------------------------


def test_item_repr_shows_the_length_of_notes_not_their_text() -> None:
    """BulkItem's repr never shows notes."""
    item = BulkItem("c-1", "Sale", notes=SECRET)
    assert SECRET not in repr(item)
    assert f"<{len(SECRET)} chars>" in repr(item)


def test_item_key_names_conversation_participant_or_user_and_code() -> None:
    """The journal key distinguishes participant, user and 'any agent'."""
    assert BulkItem("c", "Sale").key == "c|*|Sale"
    assert BulkItem("c", "Sale", participant_id="p").key == "c|p:p|Sale"
    assert BulkItem("c", "Sale", user_id="u").key == "c|u:u|Sale"


def test_from_row_reads_a_csv_row() -> None:
    """Blank cells are None, tags split on semicolons, notes keep their spaces, other columns are ignored."""
    row = next(
        csv.DictReader(
            io.StringIO(
                "conversation_id,code,notes,tags,participant_id,user_id,media_type,extra\n"
                " c-1 ,Sale, two  spaces ,vip; callback;,,u-1,call,ignored\n"
            )
        )
    )
    item = BulkItem.from_row(row)
    assert item == BulkItem(
        "c-1", "Sale", notes=" two  spaces ", tags=("vip", "callback"), user_id="u-1", media_type="call"
    )


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"code": "Sale"}, "conversation_id"),
        ({"conversation_id": "c", "code": "  "}, "code"),
        ({"conversation_id": 5, "code": "Sale"}, "conversation_id"),
        ({"conversation_id": "c", "code": "Sale", "tags": [1]}, "tags"),
    ],
    ids=["no-conversation", "blank-code", "number", "tag-not-text"],
)
def test_from_row_rejects_rows_it_cannot_use(row: dict[str, Any], field: str) -> None:
    """A row without a conversation or code, or with non-text cells, raises InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        BulkItem.from_row(row)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (("c", "Sale"), BulkItem("c", "Sale")),
        (["c", "Sale", "n", ["a"]], BulkItem("c", "Sale", notes="n", tags=("a",))),
        (
            {"conversation_id": "c", "code": "Sale", "tags": ["a", "b"]},
            BulkItem("c", "Sale", tags=("a", "b")),
        ),
        (BulkItem("c", "Sale"), BulkItem("c", "Sale")),
    ],
    ids=["pair", "list", "dict", "item"],
)
def test_tuples_and_dicts_convert_to_items(raw: Any, expected: BulkItem) -> None:
    """Tuples follow BulkItem's field order; dicts use its field names."""
    assert as_item(raw) == expected


@pytest.mark.parametrize("raw", [("c",), ("c", "Sale", None, None, None, None, None, "x"), 42, ("c", 7)])
def test_unreadable_items_raise_invalid_input(raw: Any) -> None:
    """Wrong lengths, wrong types and non-items raise InvalidInput."""
    with pytest.raises(InvalidInput):
        as_item(raw)


# -- the report ------------------------------------------------------------------------------------------


def report_of(n_failed: int, n_applied: int) -> BulkReport:
    outcomes = [
        BulkOutcome(
            index=i,
            item=BulkItem(f"c-{i}", "<b>Sale</b>", notes=SECRET),
            status="failed",
            seconds=0.5,
            error=InvalidInput("code", "<script>"),
            conversation_id=f"c-{i}",
        )
        for i in range(n_failed)
    ] + [
        BulkOutcome(index=n_failed + i, item=BulkItem(f"c-{n_failed + i}", "Sale"), status="applied")
        for i in range(n_applied)
    ]
    return BulkReport(outcomes=tuple(outcomes), elapsed=1.5)


def test_report_counts_and_repr() -> None:
    """The repr lists counts per status and the elapsed time, nothing else."""
    report = report_of(2, 3)
    assert report.counts == {"applied": 3, "already_applied": 0, "skipped": 0, "failed": 2}
    assert repr(report) == (
        "BulkReport(total=5, applied=3, already_applied=0, skipped=0, failed=2, elapsed=1.50s)"
    )
    assert not report.ok
    assert [o.index for o in report.failed] == [0, 1]
    assert len(report) == 5
    assert [o.index for o in report] == [0, 1, 2, 3, 4]


def test_report_html_escapes_and_never_shows_notes() -> None:
    """_repr_html_ is a table with escaped cells, per-item timings, and no notes."""
    page = report_of(1, 1)._repr_html_()
    assert page.startswith("<table>")
    assert "&lt;b&gt;Sale&lt;/b&gt;" in page
    assert "&lt;script&gt;" in page
    assert "<script>" not in page
    assert "0.500" in page
    assert SECRET not in page


def test_large_report_html_keeps_every_failure() -> None:
    """Above 100 rows the table is cut, but failures are always shown."""
    outcomes = [BulkOutcome(index=i, item=BulkItem(f"c-{i}", "Sale"), status="applied") for i in range(300)]
    last = BulkItem("c-last", "Sale")
    outcomes.append(BulkOutcome(index=300, item=last, status="failed", error=InvalidInput("code", "x")))
    report = BulkReport(outcomes=tuple(outcomes), elapsed=1.0)
    page = report._repr_html_()
    assert page.count("<tr>") == 1 + 100 + 1  # the header row, 100 outcomes, the footer
    assert "c-last" in page
    assert "showing 100 of 301" in page


def test_report_csv_to_path_and_file(tmp_path: Path) -> None:
    """to_csv writes rows() with notes as a length, to a path or an open file."""
    report = report_of(1, 1)
    path = tmp_path / "report.csv"
    report.to_csv(path)
    buffer = io.StringIO()
    report.to_csv(buffer)
    assert path.read_text(encoding="utf-8") == buffer.getvalue()
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [r["status"] for r in rows] == ["failed", "applied"]
    assert rows[0]["notes_length"] == str(len(SECRET))
    assert rows[0]["error_type"] == "InvalidInput"
    assert SECRET not in buffer.getvalue()


# -- runs against the emulator ---------------------------------------------------------------------------


def test_every_item_is_applied_exactly_once(org: Org, client: WrapupClient) -> None:
    """Twenty items on four workers: all applied, one write each, the report in input order."""
    cids = org.conversations(20)
    report = run(client, [(c, "Sale", SECRET, ["bulk"]) for c in cids], max_workers=4)
    assert report.counts["applied"] == 20
    assert [o.conversation_id for o in report.outcomes] == cids
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)
    assert all(org.emu.wrapup(c)["code"] == org.sale for c in cids)  # type: ignore[index]
    assert all(o.result is not None and o.result.code.id == org.sale for o in report.outcomes)


def test_failures_are_typed_and_isolated(org: Org, client: WrapupClient) -> None:
    """Unknown codes, existing codes and malformed items fail alone, each with its own exception."""
    ok, same, other, unknown = org.conversations(4)
    org.emu.apply_ui_wrapup(same, org.sale)
    org.emu.apply_ui_wrapup(other, org.no_sale)
    items: list[Any] = [
        (ok, "Sale"),
        (same, "Sale"),
        (other, "Sale"),
        (unknown, "Sael"),
        ("not an id!", "Sale"),
        {"conversation_id": ok},
        17,
    ]
    report = run(client, items)
    statuses = [o.status for o in report.outcomes]
    assert statuses == ["applied", "already_applied", "failed", "failed", "failed", "failed", "failed"]
    assert [o.error_type for o in report.outcomes] == [
        None,
        None,
        "AlreadyWrappedUp",
        "UnknownWrapupCode",
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
    ]
    assert "Sale" in str(report.outcomes[3].error_message)  # the suggestion
    assert report.outcomes[5].conversation_id == ok
    assert report.outcomes[6].item is None
    assert org.emu.wrapup_writes(ok) == 1
    assert org.emu.wrapup_writes(other) == 0
    assert org.emu.wrapup(other)["code"] == org.no_sale  # type: ignore[index]  # the agent's, not replaced


def test_duplicate_items_run_in_order_and_write_once(org: Org, client: WrapupClient) -> None:
    """The same conversation listed three times is written once; the repeats are already_applied."""
    (cid,) = org.conversations(1)
    report = run(client, [(cid, "Sale")] * 3, max_workers=3)
    assert [o.status for o in report.outcomes] == ["applied", "already_applied", "already_applied"]
    assert org.emu.wrapup_writes(cid) == 1


def test_rate_limited_run_sees_no_429(org: Org, client: WrapupClient, clock: FakeClock) -> None:
    """With the limiter matching the server's limit, one worker never hits a 429."""
    cids = org.conversations(12)
    org.emu.rate_limit(10, per_seconds=60.0)
    limiter = RateLimiter(10, 60.0)
    report = run(client, [(c, "Sale") for c in cids], max_workers=1, rate_limit=limiter, timeout=3600)
    assert report.counts["applied"] == 12
    assert [r for r in org.emu.requests if r.status == 429] == []
    assert limiter.acquired == len(org.emu.requests)  # every request went through the gate, login included
    assert clock.monotonic() >= 60.0  # it had to wait for the window


def test_shared_limit_with_many_workers_accounts_for_every_item(org: Org, client: WrapupClient) -> None:
    """Four workers against a tight server limit: 429s may happen, but every item is applied once."""
    cids = org.conversations(16)
    org.emu.rate_limit(20, per_seconds=60.0)
    report = run(client, [(c, "Sale") for c in cids], max_workers=4, rate_limit=20, timeout=3600)
    assert report.counts["applied"] == 16
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)


def test_faults_never_lose_or_double_an_item(org: Org, client: WrapupClient) -> None:
    """503s, 429s, and a reset after the write landed: every item applied, exactly one write each."""
    cids = org.conversations(8)
    org.emu.fail_next("POST", "wrapup", status=503, times=2)
    org.emu.fail_next("GET", "conversations", status=429, times=2, retry_after=1)
    org.emu.reset_next("POST", f"{cids[3]}/.*wrapup", after_processing=True)
    org.emu.reset_next("GET", f"{cids[5]}$")
    report = run(client, [(c, "Sale") for c in cids], max_workers=3)
    assert report.counts["applied"] + report.counts["already_applied"] == 8
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)


def test_the_limiter_is_installed_for_the_run_only(org: Org, client: WrapupClient) -> None:
    """After the run the transport's gates are as they were."""
    (cid,) = org.conversations(1)
    assert client._http.transport.gates == ()
    limiter = RateLimiter(100, 60.0)
    run(client, [(cid, "Sale")], rate_limit=limiter)
    assert limiter.acquired >= 2
    assert client._http.transport.gates == ()


@pytest.mark.parametrize(
    "kwargs",
    [{"max_workers": 0}, {"rate_limit": 0}, {"rate_limit": "fast"}, {"journal": "/nonexistent/dir/j.jsonl"}],
    ids=["workers", "rate-zero", "rate-text", "journal-dir"],
)
def test_bad_options_fail_before_any_request(org: Org, client: WrapupClient, kwargs: dict[str, Any]) -> None:
    """Bad options raise ConfigurationError and send nothing."""
    (cid,) = org.conversations(1)
    with pytest.raises(ConfigurationError):
        run(client, [(cid, "Sale")], **kwargs)
    assert org.emu.requests == []


def test_progress_bar_is_optional(org: Org, client: WrapupClient, capsys: pytest.CaptureFixture[str]) -> None:
    """progress=True draws a tqdm bar on stderr; progress=False prints nothing."""
    a, b = org.conversations(2)
    run(client, [(a, "Sale")], progress=False)
    assert capsys.readouterr().err == ""
    run(client, [(b, "Sale")], progress=True)
    assert "wrap-ups" in capsys.readouterr().err


def test_notes_never_reach_logs_reports_or_journal(
    org: Org, client: WrapupClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The notes text appears in no log record, repr, HTML, CSV or journal line, even for failures."""
    good, bad = org.conversations(2)
    journal = tmp_path / "journal.jsonl"
    with caplog.at_level(logging.DEBUG):
        report = run(client, [(good, "Sale", SECRET), (bad, "Nope", SECRET)], journal=journal)
    assert report.counts["failed"] == 1
    buffer = io.StringIO()
    report.to_csv(buffer)
    for text in (caplog.text, repr(report), report._repr_html_(), buffer.getvalue(), journal.read_text()):
        assert SECRET not in text
    assert org.emu.wrapup(good)["notes"] == SECRET  # type: ignore[index]
