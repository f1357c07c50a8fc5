"""``wrapupkit intend``, ``wrapupkit intents`` and ``wrapupkit worker``: durable intents and the fleet."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wrapupkit.cli._common import (
    EXIT_INTENT,
    EXIT_OK,
    add_output,
    emit,
    finite_number,
    make_client,
    positive_int,
    say,
)
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.intents import IntentState


if TYPE_CHECKING:
    from wrapupkit.fleet import EventSource, Worker
    from wrapupkit.intents import Intent

__all__ = ["register"]

# The exit status of `wrapupkit intend` by the intent's state: already is apply's "already wrapped up".
_EXIT_BY_STATE = {"pending": EXIT_OK, "applied": EXIT_OK, "already": 5, "failed": EXIT_INTENT}
_STATES = ("pending", "applied", "already", "failed", "expired")


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="sqlite:///path or redis://host:port/db (default: $WRAPUPKIT_STORE, else a file in "
        "~/.local/state/wrapupkit)",
    )


def register(commands: Any) -> None:
    """Add ``intend``, ``intents`` and ``worker`` to *commands*."""
    intend = commands.add_parser(
        "intend",
        help="record a wrap-up decision durably; apply it now if after-call work is open",
        description="Records the intent and returns at once; a worker applies it when the agent's "
        "leg ends.  Exit status: 0 pending or applied, 5 the agent's own code was there, 1 failed.",
    )
    intend.add_argument("conversation_id", metavar="CONVERSATION_ID")
    intend.add_argument("code", metavar="CODE", help="a wrap-up code name (exact) or id")
    intend.add_argument("--participant-id", help="the agent participant (when there are several)")
    intend.add_argument("--user-id", help="the agent's user id (to choose the participant)")
    intend.add_argument("--notes", help="wrap-up notes (never printed)")
    intend.add_argument("--tags", metavar="A,B", help="comma-separated wrap-up tags")
    intend.add_argument("--media-type", help="fail unless the communication has this media type")
    intend.add_argument(
        "--expires",
        type=finite_number(0, inclusive=False),
        default=86_400.0,
        metavar="SECONDS",
        help="a pending intent expires after this (default 86400, a day)",
    )
    intend.add_argument("--replace", action="store_true", help="replace a pending intent's other code")
    _add_store(intend)
    add_output(intend)
    intend.set_defaults(handler=run_intend)

    intents = commands.add_parser(
        "intents",
        help="list recorded intents, newest first (or purge old final ones)",
        description="Lists intents, newest first.  --purge-older-than deletes the final intents "
        "(applied, already, failed, expired) unchanged for SECONDS, oldest first; never a pending one.",
    )
    intents.add_argument("--state", choices=_STATES, help="only intents in this state")
    intents.add_argument("--conversation-id", help="only this conversation's intents")
    intents.add_argument(
        "--limit",
        type=positive_int,
        metavar="N",
        help="at most N (default 100; with --purge-older-than: all of them)",
    )
    intents.add_argument(
        "--purge-older-than",
        type=finite_number(0, inclusive=True),
        metavar="SECONDS",
        help="delete the final intents last changed more than SECONDS ago (604800: a week)",
    )
    _add_store(intents)
    add_output(intents)
    intents.set_defaults(handler=run_intents)

    worker = commands.add_parser(
        "worker",
        help="apply pending intents as conversations reach after-call work (until SIGTERM)",
        description="SOURCE: an SQS queue URL (Genesys's EventBridge integration routed to SQS), "
        "'notifications' (one notification channel for this machine) or 'none' (the sweep alone). "
        "SIGTERM or Ctrl-C stops taking work and finishes what is held.  --once (with --events none) "
        "sweeps once and exits.",
    )
    _add_store(worker)
    worker.add_argument(
        "--events", required=True, metavar="SOURCE", help="sqs queue URL, notifications or none"
    )
    worker.add_argument(
        "--queue", action="append", metavar="ID", help="with notifications: a queue to listen to (repeat)"
    )
    worker.add_argument(
        "--user", action="append", metavar="ID", help="with notifications: a user to listen to (repeat)"
    )
    worker.add_argument(
        "--concurrency", type=positive_int, default=16, metavar="N", help="intents at once (16)"
    )
    worker.add_argument(
        "--metrics-port", type=int, metavar="PORT", help="serve /metrics and /healthz on 127.0.0.1:PORT"
    )
    seconds = finite_number(0, inclusive=False)
    worker.add_argument("--lease", type=seconds, default=30.0, metavar="S", help="claim lease (30 s)")
    worker.add_argument("--sweep-every", type=seconds, default=30.0, metavar="S", help="sweep period (30 s)")
    worker.add_argument(
        "--stale-after",
        type=seconds,
        default=300.0,
        metavar="S",
        help="sweep reads intents idle this long (300 s)",
    )
    worker.add_argument(
        "--budget",
        type=positive_int,
        default=300,
        metavar="N",
        help="requests per --budget-seconds for the OAuth client, shared by every worker on the store (300)",
    )
    worker.add_argument(
        "--budget-seconds", type=seconds, default=60.0, metavar="S", help="the budget's window (60)"
    )
    worker.add_argument(
        "--no-share", action="store_true", help="log in and pace this process alone (not through the store)"
    )
    worker.add_argument(
        "--once",
        action="store_true",
        help="with --events none: sweep the store once (apply what is ready, expire what is overdue), "
        "then exit; for a cron job, or a check after an outage",
    )
    add_output(worker)
    worker.set_defaults(handler=run_worker)


def _store_url(args: argparse.Namespace) -> str:
    from wrapupkit._intend import default_store_url

    return str(args.store or default_store_url())


def intent_json(intent: Intent) -> dict[str, Any]:
    """An intent for ``--json`` (everything but the notes)."""
    return {
        "id": intent.id,
        "state": intent.state.value,
        "conversation_id": intent.conversation_id,
        "code": intent.code,
        "participant_id": intent.participant_id,
        "user_id": intent.user_id,
        "has_notes": intent.notes is not None,
        "tags": list(intent.tags),
        "media_type": intent.media_type,
        "created_at": _iso(intent.created_at),
        "updated_at": _iso(intent.updated_at),
        "expires_at": _iso(intent.expires_at) if intent.expires_at else None,
        "reason": intent.reason,
        "applied_code_id": intent.applied_code_id,
        "applied_code_name": intent.applied_code_name,
        "claims": intent.claims,
    }


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds")


def run_intend(args: argparse.Namespace, as_json: bool) -> int:
    """Record (and maybe apply) one intent; say its state."""
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags is not None else None
    with make_client() as client:
        intent = client.intend(
            args.conversation_id,
            args.code,
            participant_id=args.participant_id,
            user_id=args.user_id,
            notes=args.notes,
            tags=tags,
            media_type=args.media_type,
            expires=args.expires,
            replace=args.replace,
            store=_store_url(args),
        )
    tail = f": {intent.reason}" if intent.reason else ""
    where = f"conversation {intent.conversation_id} ({intent.code!r})"
    say(f"Intent {intent.id} for {where}: {intent.state}{tail}")
    if as_json:
        emit({"ok": intent.state.value != "failed", "intent": intent_json(intent)})
    return _EXIT_BY_STATE.get(intent.state.value, EXIT_OK)


def run_intents(args: argparse.Namespace, as_json: bool) -> int:
    """List intents (a table on stdout, or JSON), or purge old final ones."""
    from wrapupkit.intents import IntentState, open_store

    if args.purge_older_than is not None:
        return _purge(args, as_json)
    store = open_store(_store_url(args))
    try:
        found = store.list(
            state=IntentState(args.state) if args.state else None,
            conversation_id=args.conversation_id,
            limit=100 if args.limit is None else args.limit,
        )
    finally:
        store.close()
    if as_json:
        emit({"ok": True, "intents": [intent_json(i) for i in found]})
        return EXIT_OK
    for intent in found:
        reason = f"  {intent.reason}" if intent.reason else ""
        sys.stdout.write(
            f"{intent.id}  {intent.state.value:<8} {_iso(intent.updated_at)}  "
            f"{intent.conversation_id}  {intent.code!r}{reason}\n"
        )
    say(f"{len(found)} intent(s)")
    return EXIT_OK


_PURGE_BATCH = 1000  # intents one purge() call deletes: the CLI repeats it until all are gone


def _purge(args: argparse.Namespace, as_json: bool) -> int:
    """Delete the final intents last changed more than ``--purge-older-than`` seconds ago."""
    import time

    from wrapupkit.intents import open_store

    if args.state or args.conversation_id:
        raise ConfigurationError(
            "--purge-older-than takes every final intent: drop --state and --conversation-id"
        )
    before = max(time.time() - args.purge_older_than, 0.0)  # no intent is older than the epoch
    left = math.inf if args.limit is None else args.limit
    purged = 0
    store = open_store(_store_url(args))
    try:
        while left > 0:
            batch = int(min(left, _PURGE_BATCH))
            done = store.purge(before=before, limit=batch)
            purged, left = purged + done, left - done
            if done < batch:
                break
    finally:
        store.close()
    say(f"purged {purged} final intent(s) last changed before {_iso(before)}")
    if as_json:
        emit({"ok": True, "purged": purged, "before": _iso(before)})
    return EXIT_OK


def event_source(
    spec: str, client: Any, *, queues: Sequence[str] = (), users: Sequence[str] = ()
) -> EventSource | None:
    """The source ``--events`` names.

    Raises:
        ConfigurationError: anything but an SQS queue URL, ``notifications`` or ``none``.
    """
    text = spec.strip()
    if text.lower() == "none":
        return None
    if text.lower() == "notifications":
        from wrapupkit.fleet import NotificationEvents

        return NotificationEvents(client, queue_ids=queues, user_ids=users)
    if text.startswith(("https://", "http://")):
        from wrapupkit.fleet._sqs import SQSEvents

        return SQSEvents(text)
    raise ConfigurationError(f"--events must be an SQS queue URL, 'notifications' or 'none', not {spec!r}")


def run_worker(args: argparse.Namespace, as_json: bool) -> int:
    """Run a worker until SIGTERM or Ctrl-C (with ``--once``: one sweep); then finish what it holds."""
    import asyncio

    if args.metrics_port is not None and not 0 <= args.metrics_port <= 65535:
        raise ConfigurationError(f"--metrics-port must be 0-65535, not {args.metrics_port}")
    if args.once and args.events.strip().lower() != "none":
        raise ConfigurationError("--once makes one sweep and takes no events: use it with --events none")
    worker = asyncio.run(_serve(args))
    stats = worker.stats
    say(
        f"worker stopped: {dict(stats.transitions)} intents finished, {sum(stats.events.values())} events, "
        f"{stats.requests} requests"
    )
    if as_json:
        emit(
            {
                "ok": True,
                "transitions": dict(stats.transitions),
                "events": dict(stats.events),
                "ignored": dict(stats.ignored_events),
                "claim_conflicts": stats.claim_conflicts,
                "requests": stats.requests,
                "rate_limited": stats.rate_limited,
            }
        )
    return EXIT_OK


async def _count_intents(store: Any, metrics: Any, every: float) -> None:
    """Keep the ``wrapupkit_intents{state}`` gauge current (counts above 100,000 show as 100,000)."""
    import asyncio

    while True:
        try:
            metrics.set_intents(
                {s: len(await store.list(state=IntentState(s), limit=100_000)) for s in _STATES}
            )
        except Exception as exc:  # noqa: BLE001 - a gauge left stale is no reason to stop
            say(f"counting intents failed: {exc}")
        await asyncio.sleep(every)


async def _sweep_once(worker: Worker) -> None:
    """One sweep while the worker runs (its counters see the requests); then stop, as SIGTERM does."""
    import asyncio

    running = asyncio.create_task(worker.run())
    while not worker.healthy and not running.done():  # run() installs its gate, then waits
        await asyncio.sleep(0)
    try:
        if not running.done():
            await worker.sweep()
    finally:
        await worker.stop()
        await running


async def _serve(args: argparse.Namespace) -> Worker:
    import asyncio

    from wrapupkit import AsyncWrapupClient
    from wrapupkit.fleet import Worker
    from wrapupkit.intents import open_store

    url = _store_url(args)
    store = open_store(url).asyncio()  # type: ignore[attr-defined]
    # one token and one request budget for every worker on the store (--no-share: each its own)
    share = None if args.no_share else store.share(requests=args.budget, per_seconds=args.budget_seconds)
    client = await AsyncWrapupClient.from_env(max_connections=max(10, args.concurrency), share=share)
    server = None
    try:
        events = event_source(args.events, client, queues=args.queue or (), users=args.user or ())
        observers: tuple[Any, ...] = ()
        if args.metrics_port is not None:
            from wrapupkit.fleet import FleetMetrics, MetricsServer

            metrics = FleetMetrics()
            observers = (metrics,)
        worker = Worker(
            client,
            store,
            events,
            concurrency=args.concurrency,
            lease=args.lease,
            sweep_every=None if args.once else args.sweep_every,
            stale_after=args.stale_after,
            observers=observers,
        )
        if args.metrics_port is not None:
            server = MetricsServer(metrics, lambda: worker.healthy, port=args.metrics_port).start()
            say(f"metrics on {server.url}/metrics")
        worker.install_signal_handlers()
        if args.once:
            say(f"worker {worker.owner} sweeping {url} once")
        else:
            say(f"worker {worker.owner} on {url} with events from {args.events}; SIGTERM to stop")
        counting = asyncio.create_task(_count_intents(store, metrics, args.sweep_every)) if server else None
        try:
            await (_sweep_once(worker) if args.once else worker.run())
        finally:
            if counting is not None:
                counting.cancel()
        return worker
    finally:
        if server is not None:
            server.stop()
        await client.aclose()
        await store.close()
