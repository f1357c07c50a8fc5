"""Readiness reaction time: from "Genesys accepts a wrap-up" (ACW pending) to the wrap-up recorded.

Each conversation's call ends while apply_wrapup() waits; after-call work starts a random
0.2-1.5 s later.  Compares the default Polling strategy with the fixed-sleep recipe (sleep a fixed
time after the call ends, then POST; a sleep shorter than the ACW delay fails).  Prints a markdown table.

    python bench/bench_readiness.py [--n 40] [--workers 8]
"""

from __future__ import annotations

import argparse
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from _common import Stopwatch, add_smoke_flag, percentiles, seed, smoke_sizes

from wrapupkit import Immediate, Polling, WrapupClient
from wrapupkit.emulator import Emulator


def run_variant(name: str, n: int, workers: int, apply: Any, emu: Any, ids: dict[str, str]) -> list[str]:
    watch = Stopwatch(emu)
    rng = random.Random(7)
    delays = [(rng.uniform(0.2, 0.8), rng.uniform(0.2, 1.5)) for _ in range(n)]
    failures = 0

    def one(spec: tuple[float, float]) -> str:
        conv = emu.add_conversation(
            user_id=ids["user"], queue_id=ids["queue"], disconnect_after=spec[0], acw_delay=spec[1]
        )
        apply(conv.id, spec)
        return str(conv.id)

    emu.clear_requests()
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(one, d) for d in delays]
        cids = []
        for f in futures:
            try:
                cids.append(f.result())
            except Exception:  # the fixed-sleep recipe fails when its sleep is too short
                failures += 1
    watch.unsubscribe()
    reactions = watch.latencies_ms(cids)
    stats = percentiles(reactions) if reactions else {"p50": 0, "p95": 0, "p99": 0, "max": 0}
    requests = len(emu.requests) / n
    return [
        name,
        f"{stats['p50']:.0f}",
        f"{stats['p95']:.0f}",
        f"{stats['p99']:.0f}",
        f"{requests:.1f}",
        str(failures),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--n", type=int, default=40, help="conversations per variant")
    parser.add_argument("--workers", type=int, default=8)
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), n=3, workers=3)
    rows = []
    with Emulator() as emu:
        emu.rules.early_write = 400  # a write before ACW is refused: the race is real
        ids = seed(emu)
        client = WrapupClient.from_credentials(
            emu.client_id, emu.client_secret, host=emu.url, max_connections=32
        )
        client.codes(ids["queue"])
        rows.append(
            run_variant(
                "Polling (default)",
                args.n,
                args.workers,
                lambda cid, spec: client.apply_wrapup(cid, "Sale"),
                emu,
                ids,
            )
        )
        for fixed in (1.0, 2.0):

            def sleepy(cid: str, spec: tuple[float, float], fixed: float = fixed) -> None:
                time.sleep(spec[0] + fixed)  # the recipe sleeps a fixed time after the call ends
                client.apply_wrapup(cid, "Sale", readiness=Immediate())

            rows.append(
                run_variant(
                    f"fixed sleep {fixed:.0f} s after call end", args.n, args.workers, sleepy, emu, ids
                )
            )
        rows.append(
            run_variant(
                "Polling(max_delay=0.5)",
                args.n,
                args.workers,
                lambda cid, spec: client.apply_wrapup(cid, "Sale", readiness=Polling(max_delay=0.5)),
                emu,
                ids,
            )
        )
    print(
        f"ready-to-recorded latency, {args.n} conversations per variant, ACW starts 0.2-1.5 s after the call ends\n"
    )
    print("| strategy | p50 ms | p95 ms | p99 ms | HTTP requests per wrap-up | failed (written too early) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
