"""Apply many wrap-ups at once: concurrent, rate limited, resumable, every item accounted for.

:func:`apply_many` runs :meth:`~wrapupkit.WrapupClient.apply_wrapup` for each item
on a thread pool.  The threads share one :class:`~wrapupkit.RateLimiter`, installed
on the client's transport for the run only.  Items of the same conversation run one
after another, so two of them can never race to write the same participant.
An optional journal (JSON lines) records each item before its write and after it,
so a run that crashed can be run again without applying anything twice.

The modules inside are private: import these names from :mod:`wrapupkit`.
"""

from __future__ import annotations

from wrapupkit.bulk._items import BulkItem
from wrapupkit.bulk._journal import JournalInUse
from wrapupkit.bulk._report import BulkOutcome, BulkReport, BulkStatus
from wrapupkit.bulk._runner import BulkClient, BulkInterrupted, apply_many


__all__ = [
    "BulkClient",
    "BulkInterrupted",
    "BulkItem",
    "BulkOutcome",
    "BulkReport",
    "BulkStatus",
    "JournalInUse",
    "apply_many",
]
