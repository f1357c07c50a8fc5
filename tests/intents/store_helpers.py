"""What the store tests share, and the functions their child processes run (importable by spawn)."""

from __future__ import annotations

import multiprocessing
from typing import Any

from wrapupkit.intents import Intent, intent_key, open_store


NOTES = "TOP-SECRET-NOTES never logged"
T0 = 1_800_000_000.0  # a fixed wall-clock time: the stores take `now` from the caller


def intent(conversation: str = "c-1", code: str = "Sale", *, participant: str = "p-1", **kw: Any) -> Intent:
    kw.setdefault("created_at", T0)
    return Intent(
        intent_key(conversation, participant, None),
        conversation,
        code,
        participant_id=participant,
        notes=kw.pop("notes", NOTES),
        **kw,
    )


def claim_all(url: str, ids: list[str], owner: str, start: Any, out: Any) -> None:
    """A child process: wait for the start, try to claim every intent, report what it won."""
    store = open_store(url)
    start.wait()
    won = [i for i in ids if store.claim(i, owner=owner, lease=60, now=T0 + 1) is not None]
    out.put((owner, won))
    store.close()


def race(url: str, ids: list[str], processes: int) -> dict[str, list[str]]:
    """*processes* processes claim *ids* at once; what each won."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    out = ctx.Queue()
    children = [
        ctx.Process(target=claim_all, args=(url, ids, f"proc-{n}", start, out)) for n in range(processes)
    ]
    for child in children:
        child.start()
    start.set()
    results = dict(out.get(timeout=60) for _ in children)
    for child in children:
        child.join(30)
        assert child.exitcode == 0
    return results


def claim_and_die(url: str, intent_id: str, out: Any) -> None:
    """A child process: claim, report the lease, then die without releasing (as SIGKILL would)."""
    import os

    store = open_store(url)
    lease = store.claim(intent_id, owner="doomed", lease=30, now=T0 + 1)
    out.put(lease)
    out.close()
    out.join_thread()  # the lease reached the parent; now die holding it
    os._exit(0)


def fleet_process(url: str, host: str, login: tuple[str, str, str], steps: Any, out: Any) -> None:
    """A child process of one OAuth client's fleet: at each step, read the queue's codes once.

    *login* is (client id, secret, queue id).
    """
    from wrapupkit import WrapupClient

    client_id, secret, queue = login
    store = open_store(url)
    client = WrapupClient.from_credentials(client_id, secret, host=host, share=store, cache_ttl=0)
    for step in steps:
        step.wait()
        try:
            client.codes(queue)
            out.put("ok")
        except Exception as exc:
            out.put(f"{type(exc).__name__}: {exc}")
    client.close()
    store.close()


def budget_process(
    where: tuple[str, str], login: tuple[str, str, str], reads: int, start: Any, out: Any
) -> None:
    """A child process: read the queue's codes *reads* times through a budget of 6 a second
    shared by every process on the store.  *where* is (store URL, emulator URL)."""
    from wrapupkit import WrapupClient

    url, host = where
    client_id, secret, queue = login
    store: Any = open_store(url)
    share = store.share(requests=6, per_seconds=1.0, headroom=0.0)
    client = WrapupClient.from_credentials(client_id, secret, host=host, share=share, cache_ttl=0)
    start.wait()
    try:
        for _ in range(reads):
            client.codes(queue)
        out.put("ok")
    except Exception as exc:
        out.put(f"{type(exc).__name__}: {exc}")
    client.close()
    store.close()
