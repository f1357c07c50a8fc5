"""AsyncWrapupClient.apply_many: the sync run's items, journal and report, with tasks instead of threads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from small_org import SECRET, Org, journal_records, org_fixture  # noqa: F401 - fixtures
from wrapupkit import AsyncWrapupClient, BulkReport, RateLimiter, RetryPolicy
from wrapupkit.emulator import Emulator
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.testing import FakeClock


pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(name="client")
async def _client(emu: Emulator, clock: FakeClock) -> AsyncIterator[AsyncWrapupClient]:
    client = await AsyncWrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait()
    )
    async with client:
        yield client


async def run(client: AsyncWrapupClient, items: list[Any], **kwargs: Any) -> BulkReport:
    kwargs.setdefault("progress", False)
    kwargs.setdefault("rate_limit", None)
    return await client.apply_many(items, **kwargs)


async def test_every_item_once_with_typed_failures_in_input_order(
    org: Org, client: AsyncWrapupClient
) -> None:
    cids = org.conversations(12)
    other = org.conversation()
    org.emu.apply_ui_wrapup(other, org.no_sale)
    items: list[Any] = [(c, "Sale", SECRET) for c in cids] + [(other, "Sale"), ("not an id!", "Sale")]
    items.append((cids[0], "Sale"))  # a repeat: runs after the first, in order, and writes nothing
    report = await run(client, items, max_concurrency=5)
    assert [o.status for o in report.outcomes] == ["applied"] * 12 + ["failed", "failed", "already_applied"]
    assert [o.error_type for o in report.outcomes[12:14]] == ["AlreadyWrappedUp", "InvalidInput"]
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)
    assert SECRET not in repr(report)


async def test_the_journal_is_shared_with_the_sync_run(
    org: Org, client: AsyncWrapupClient, tmp_path: Path
) -> None:
    """The same journal format: a rerun skips what is done (sync or async, either can resume)."""
    cids = org.conversations(4)
    journal = tmp_path / "j.jsonl"
    first = await run(client, [(c, "Sale") for c in cids[:2]], journal=journal)
    assert first.counts["applied"] == 2
    events = [r["event"] for r in journal_records(journal)]
    assert events.count("started") == 2
    assert events.count("applied") == 2
    again = await run(client, [(c, "Sale") for c in cids], journal=journal)
    assert [o.status for o in again.outcomes] == ["skipped", "skipped", "applied", "applied"]
    assert all(org.emu.wrapup_writes(c) == 1 for c in cids)


async def test_a_rate_limited_run_waits_on_the_fake_clock(
    org: Org, client: AsyncWrapupClient, clock: FakeClock
) -> None:
    cids = org.conversations(12)
    org.emu.rate_limit(10, per_seconds=60.0)
    limiter = RateLimiter(10, 60.0)
    report = await run(
        client, [(c, "Sale") for c in cids], max_concurrency=1, rate_limit=limiter, timeout=3600
    )
    assert report.counts["applied"] == 12
    assert [r for r in org.emu.requests if r.status == 429] == []
    assert client._http.transport.gates == ()
    assert clock.monotonic() >= 60.0


@pytest.mark.parametrize(
    "kwargs", [{"max_concurrency": 0}, {"rate_limit": -1}, {"progress": "yes"}, {"journal": 3}]
)
async def test_bad_options_fail_before_any_request(
    org: Org, client: AsyncWrapupClient, kwargs: dict[str, Any]
) -> None:
    org.emu.clear_requests()
    with pytest.raises(ConfigurationError):
        await run(client, [(org.conversation(), "Sale")], **kwargs)
    assert org.emu.requests_matching("POST", "wrapup") == []


async def test_cancelling_the_run_leaves_a_journal_that_resumes_safely(
    org: Org, client: AsyncWrapupClient, tmp_path: Path
) -> None:
    """Cancelled mid-run: the items in flight are journaled as started; the rerun writes each once."""
    pending = [org.conversation(disconnect_after=None) for _ in range(3)]
    journal = tmp_path / "j.jsonl"
    task = asyncio.create_task(run(client, [(c, "Sale") for c in pending], journal=journal, timeout=86400))
    while not journal.exists() or sum(r["event"] == "started" for r in journal_records(journal)) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for cid in pending:
        org.emu.disconnect(cid)
    report = await run(client, [(c, "Sale") for c in pending], journal=journal)
    assert [o.resumed for o in report.outcomes] == [True] * 3
    assert all(org.emu.wrapup_writes(c) == 1 for c in pending)
