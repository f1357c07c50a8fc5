"""Notifications vs Polling: ready-to-POST latency and HTTP requests per wrap-up, on loopback.

Each conversation's call ends while apply_wrapup() waits (0.2-0.6 s after it starts), and after-call
work becomes pending 0-0.3 s later.  Latency is measured in the emulator, from the moment ACW became
pending to the moment the wrap-up was recorded.  A second phase wraps up conversations that were already
ready (their event arrived before the call).  Prints a markdown table; asserts nothing.

    python bench/bench_notifications.py [--n 200] [--workers 20] [--agents 20] [--smoke]
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from _common import Stopwatch, add_smoke_flag, percentiles, seed, smoke_sizes

from wrapupkit import Notifications, Polling, ReadinessStrategy, WrapupClient
from wrapupkit.emulator import Emulator


def requests_by_kind(emu: Any) -> dict[str, int]:
    kinds = {"GET conversation": 0, "POST wrap-up": 0, "channel/subscriptions": 0, "other": 0}
    for r in emu.requests:
        if r.method == "GET" and r.path.startswith("/api/v2/conversations/"):
            kinds["GET conversation"] += 1
        elif r.method == "POST" and r.path.endswith("/wrapup"):
            kinds["POST wrap-up"] += 1
        elif "/notifications/" in r.path:
            kinds["channel/subscriptions"] += 1
        else:
            kinds["other"] += 1
    return kinds


def run(
    name: str, strategy: ReadinessStrategy, emu: Any, ids: dict[str, str], args: argparse.Namespace
) -> list[str]:
    client = WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, readiness=strategy, max_connections=args.workers
    )
    client.codes(ids["queue"])  # a warm code cache: the figures are about readiness
    agents = [emu.add_user(f"{name} agent {n}") for n in range(args.agents)]
    rng = random.Random(11)
    specs = [(agents[i % len(agents)], rng.uniform(0.2, 0.6), rng.uniform(0.0, 0.3)) for i in range(args.n)]
    watch = Stopwatch(emu)
    emu.clear_requests()

    def waiting(spec: tuple[str, float, float]) -> str:
        agent, disconnect_after, acw_delay = spec
        conv = emu.add_conversation(
            user_id=agent, queue_id=ids["queue"], disconnect_after=disconnect_after, acw_delay=acw_delay
        )
        client.apply_wrapup(conv.id, "Sale", user_id=agent)
        return str(conv.id)

    with ThreadPoolExecutor(args.workers) as pool:
        cids = list(pool.map(waiting, specs))
    kinds = requests_by_kind(emu)
    reactions = watch.latencies_ms(cids)
    stats = percentiles(reactions)

    # Phase 2: the conversation is already in ACW when apply_wrapup() is called.
    ready = [
        emu.add_conversation(user_id=agents[i % len(agents)], queue_id=ids["queue"])
        for i in range(args.ready)
    ]
    time.sleep(0.5)  # let the events reach the client (the point of this phase)
    emu.clear_requests()
    for conv in ready:
        client.apply_wrapup(conv.id, "Sale", user_id=conv.user_id)
    already = len(emu.requests) / len(ready)
    watch.unsubscribe()
    return [
        name,
        f"{len(reactions)} of {len(cids)} ({len(watch.late & set(cids))} late)",
        f"{stats['p50']:.1f}",
        f"{stats['p95']:.1f}",
        f"{stats['p99']:.1f}",
        f"{stats['max']:.1f}",
        f"{sum(kinds.values()) / len(cids):.2f}",
        f"{kinds['GET conversation'] / len(cids):.2f}",
        f"{kinds['channel/subscriptions']}",
        f"{already:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--ready", type=int, default=50, help="conversations already in ACW (phase 2)")
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), n=6, workers=3, agents=3, ready=3)
    logging.getLogger("wrapupkit").setLevel(logging.WARNING)
    rows = []
    with Emulator() as emu:
        ids = seed(emu)
        rows.append(run("Polling()", Polling(), emu, ids, args))
        with Notifications() as notifications:
            rows.append(run("Notifications()", notifications, emu, ids, args))
    print(
        f"ready-to-POST latency (ms, ACW pending → wrap-up recorded) over {args.n} conversations, "
        f"{args.workers} concurrent waits, {args.agents} agents\n"
    )
    header = [
        "strategy",
        "wrap-ups measured",
        "p50",
        "p95",
        "p99",
        "max",
        "requests / wrap-up",
        "GETs / wrap-up",
        "channel+subscription requests (total)",
        "requests / wrap-up, event already received",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
