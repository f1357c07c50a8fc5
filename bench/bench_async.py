"""Thousands of pending wrap-ups in one process: AsyncWrapupClient beside the sync client.

``--n`` (2,000) conversations in ``--queues`` queues, each with its own agent, are created in an
emulator served on 127.0.0.1 by a separate process (so the figures are the client's alone).
``apply_wrapup()`` is called for each of them at a steady rate over the first ``--ramp`` seconds
(20), as a service would receive them; their calls end at random over the ``--spread`` seconds (60)
after that (from ramp + 5 s on, on the real clock), after-call work starting 0-0.3 s later, so all
2,000 are pending waits at once before the first one ends.  Each mode runs in a fresh interpreter:

* ``async-notifications`` / ``async-polling``: one ``AsyncWrapupClient``, one task per wrap-up,
  ``Notifications(topic="queue")`` (per-queue topics) or ``Polling()``;
* ``sync-notifications`` / ``sync-polling``: one ``WrapupClient``, one thread per wrap-up.

Figures: threads in the process (peak), peak RSS, the lag of a 10 ms ticker (a task on the event
loop; a thread for the sync client), ready-to-POST latency measured in the emulator (ACW pending to
wrap-up recorded) and HTTP requests per wrap-up.  Prints a markdown table; asserts nothing.
The ticker's lag is also given after the ramp (all calls started, waiting and ending).  A full
run takes about (ramp + spread + 15 s) per mode, so about six minutes for the four.

    python bench/bench_async.py [--n 2000] [--ramp 20] [--spread 60] [--queues 20] [--modes all] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _common import Stopwatch, add_smoke_flag, percentiles, smoke_sizes


MODES = ("async-notifications", "async-polling", "sync-notifications", "sync-polling")
TICK = 0.010


# -- the emulator process ------------------------------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """The emulator: seed, say where it is, create the conversations when told, then report."""
    from wrapupkit.emulator import Emulator

    def say(value: Any) -> None:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    with Emulator() as emu:
        code = emu.add_code("Sale")
        queues = [emu.add_queue(f"Q{i}", codes=[code], wrapup_prompt="MANDATORY") for i in range(args.queues)]
        users = [emu.add_user(f"Agent {i}") for i in range(args.n)]
        say({"url": emu.url, "id": emu.client_id, "secret": emu.client_secret, "queues": queues})
        sys.stdin.readline()  # the client is ready: create the conversations now
        watch = Stopwatch(emu)
        rng = random.Random(7)
        convs = []
        for i, user in enumerate(users):
            conv = emu.add_conversation(
                user_id=user,
                queue_id=queues[i % len(queues)],
                disconnect_after=args.ramp + rng.uniform(args.lead, args.lead + args.spread),
                acw_delay=rng.uniform(0.0, 0.3),
            )
            convs.append((str(conv.id), user))
        emu.clear_requests()
        say(convs)
        sys.stdin.readline()  # the client is done
        latencies = watch.latencies_ms([c for c, _ in convs])
        say({"latencies": latencies, "requests": len(emu.requests)})


class Server:
    def __init__(self, args: argparse.Namespace) -> None:
        command = [sys.executable, __file__, "--serve", "--n", str(args.n), "--spread", str(args.spread)]
        command += ["--queues", str(args.queues), "--ramp", str(args.ramp), "--lead", str(args.lead)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = self.ask(None)

    def ask(self, line: str | None) -> Any:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        if line is not None:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())


# -- the client process --------------------------------------------------------------------------------


class Sampler:
    """Ticker lags and the peak thread count."""

    def __init__(self, ramp: float) -> None:
        self.lags: list[float] = []
        self.steady: list[float] = []  # after every call has started
        self.threads = threading.active_count()
        self.steady_from = time.perf_counter() + ramp

    def tick(self, lag: float) -> None:
        self.lags.append(lag * 1000)
        if time.perf_counter() > self.steady_from:
            self.steady.append(lag * 1000)
        self.threads = max(self.threads, threading.active_count())


def strategy_for(mode: str) -> Any:
    from wrapupkit import Notifications, Polling

    return Notifications(topic="queue") if mode.endswith("notifications") else Polling()


async def run_async(mode: str, server: Server, args: argparse.Namespace) -> dict[str, Any]:
    from wrapupkit import AsyncWrapupClient

    info = server.info
    strategy = strategy_for(mode)
    client = await AsyncWrapupClient.from_credentials(
        info["id"], info["secret"], host=info["url"], readiness=strategy,
        max_connections=args.connections, timeout=args.spread + 60,
    )  # fmt: skip
    for queue in info["queues"]:
        await client.codes(queue)  # a warm code cache: the figures are about waiting
    convs = await asyncio.to_thread(server.ask, "start")
    sampler, running = Sampler(args.ramp), True

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while running:
            before = loop.time()
            await asyncio.sleep(TICK)
            sampler.tick(loop.time() - before - TICK)

    async def one(index: int, cid: str, user: str) -> Any:
        await asyncio.sleep(index * args.ramp / len(convs))
        return await client.apply_wrapup(cid, "Sale", user_id=user)

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(i, c, u) for i, (c, u) in enumerate(convs)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    running = False
    await ticking
    await client.aclose()
    getattr(strategy, "close", lambda: None)()
    return summary(outcomes, sampler, elapsed)


def run_sync(mode: str, server: Server, args: argparse.Namespace) -> dict[str, Any]:
    from wrapupkit import WrapupClient

    info = server.info
    strategy = strategy_for(mode)
    client = WrapupClient.from_credentials(
        info["id"], info["secret"], host=info["url"], readiness=strategy,
        max_connections=args.connections, timeout=args.spread + 60,
    )  # fmt: skip
    for queue in info["queues"]:
        client.codes(queue)
    convs = server.ask("start")
    sampler, done = Sampler(args.ramp), threading.Event()

    def ticker() -> None:
        while not done.is_set():
            before = time.monotonic()
            time.sleep(TICK)
            sampler.tick(time.monotonic() - before - TICK)

    outcomes: list[Any] = [None] * len(convs)

    def one(index: int, cid: str, user: str) -> None:
        try:
            outcomes[index] = client.apply_wrapup(cid, "Sale", user_id=user)
        except Exception as exc:
            outcomes[index] = exc

    threading.stack_size(256 * 1024)
    tick_thread = threading.Thread(target=ticker, daemon=True)
    tick_thread.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i, c, u), daemon=True) for i, (c, u) in enumerate(convs)]
    for index, thread in enumerate(threads):
        time.sleep(max(0.0, started + index * args.ramp / len(convs) - time.perf_counter()))
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    tick_thread.join()
    getattr(strategy, "close", lambda: None)()
    return summary(outcomes, sampler, elapsed)


def summary(outcomes: list[Any], sampler: Sampler, elapsed: float) -> dict[str, Any]:
    errors = [type(o).__name__ for o in outcomes if isinstance(o, BaseException)]
    lags = percentiles(sampler.lags)
    steady = percentiles(sampler.steady)
    return {
        "steady_lag_max": steady["max"],
        "steady_lag_p99": steady["p99"],
        "applied": len(outcomes) - len(errors),
        "errors": sorted(set(errors)),
        "threads": sampler.threads,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "lag_max": lags["max"],
        "lag_p99": lags["p99"],
        "seconds": elapsed,
    }


def client_mode(args: argparse.Namespace) -> None:
    logging.getLogger("wrapupkit").setLevel(logging.ERROR)
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    server = Server(args)
    mode = args.mode
    if mode.startswith("async"):
        result = asyncio.run(run_async(mode, server, args))
    else:
        result = run_sync(mode, server, args)
    figures = server.ask("done")
    server.proc.wait(timeout=30)
    result.update(percentiles(figures["latencies"]))
    result["requests_per_wrapup"] = figures["requests"] / args.n
    print(json.dumps(result))


# -- the table -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--ramp", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--lead", type=float, default=5.0, help="seconds after the ramp before calls end")
    parser.add_argument("--modes", default="all", help="comma-separated, of: " + ", ".join(MODES))
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), n=6, spread=1.0, ramp=0.5, queues=2, lead=1.0)
    if args.serve:
        serve(args)
        return
    if args.mode:
        client_mode(args)
        return
    modes = MODES if args.modes == "all" else tuple(args.modes.split(","))
    print(
        f"{args.n} concurrent pending wrap-ups (started over {args.ramp:.0f} s), calls ending over "
        f"{args.spread:.0f} s, {args.queues} queues, {args.connections} HTTP connections\n"
    )
    header = "| client, strategy | applied | threads (peak) | peak RSS MB | ticker lag max / p99 ms "
    header += "| after the ramp: max / p99 ms "
    header += "| ready-to-POST p50 / p95 / p99 ms | HTTP requests / wrap-up |"
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    for mode in modes:
        command = [sys.executable, str(Path(__file__).resolve()), "--mode", mode]
        command += ["--n", str(args.n), "--spread", str(args.spread), "--queues", str(args.queues)]
        command += ["--ramp", str(args.ramp), "--lead", str(args.lead)]
        command += ["--connections", str(args.connections)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        applied = f"{r['applied']}" + (f" ({', '.join(r['errors'])})" if r["errors"] else "")
        print(
            f"| {mode} | {applied} | {r['threads']} | {r['rss_mb']:.0f} | {r['lag_max']:.1f} / {r['lag_p99']:.1f} "
            f"| {r['steady_lag_max']:.1f} / {r['steady_lag_p99']:.1f} "
            f"| {r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} | {r['requests_per_wrapup']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
