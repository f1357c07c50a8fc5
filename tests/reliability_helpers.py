"""Shared by the issue-10 reliability tests: a small org and a client on the emulator."""

from __future__ import annotations

from typing import Any

from wrapupkit import RetryPolicy, WrapupClient


def seed_org(emu: Any) -> dict[str, str]:
    """Codes "Sale" and "No Sale" on a MANDATORY queue, and an agent: ids by name, plus "queue" and "user"."""
    ids = {name: emu.add_code(name) for name in ("Sale", "No Sale")}
    ids["queue"] = emu.add_queue("Support", codes=[ids["Sale"], ids["No Sale"]], wrapup_prompt="MANDATORY")
    ids["user"] = emu.add_user("Ada")
    return ids


def login(emu: Any, clock: Any, *, retry: RetryPolicy, **options: Any) -> WrapupClient:
    """A client logged in to *emu* with its default credentials (*clock* None: the system clock)."""
    return WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=retry, **options
    )
