"""EventBridge-shaped events through SQS: the emulator's sink to a real moto_server, read by SQSEvents.

    python bench/bench_sqs_events.py [CONVERSATIONS] [SECONDS]

Conversations end at random moments over SECONDS (real clock); each ending publishes a
``.user.end`` envelope, which the sink sends to a moto_server queue on 127.0.0.1 and one
``SQSEvents`` reader receives and deletes.  Prints the event-to-receive latency (the event's own
``eventTime`` to the moment the reader has it), and the reader's and the sink's rates.
Needs ``boto3`` and ``moto[server]`` (the tests dependency group).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request

from _common import add_smoke_flag, percentiles, seed, smoke_sizes

from wrapupkit.emulator import Emulator
from wrapupkit.fleet import EventKind, SQSEvents


def _moto() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310 - loopback
        except OSError:
            time.sleep(0.1)
        else:
            return proc, url
    proc.kill()
    raise SystemExit("moto_server did not start")


async def _read(url: str, expected: int, give_up: float) -> tuple[list[float], float]:
    source = SQSEvents(url, wait=1, visibility=30)
    await source.start()
    latencies: list[float] = []
    first = None
    try:
        while len(latencies) < expected and time.time() < give_up:
            for delivery in await source.receive(max_messages=10, wait=1):
                now = time.time()
                first = first or now
                event = delivery.event
                if event is not None and event.kind is EventKind.USER_END and event.event_time is not None:
                    latencies.append(now - event.event_time)
                await source.ack(delivery)
    finally:
        await source.close()
    return latencies, time.time() - (first or time.time())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("count", nargs="?", type=int, default=1000, help="conversations (1000)")
    parser.add_argument("spread", nargs="?", type=float, default=30.0, help="seconds they end over (30)")
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), count=10, spread=1.0)
    count, spread = args.count, args.spread
    proc, moto_url = _moto()
    os.environ.update(
        AWS_ENDPOINT_URL=moto_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    try:
        import boto3

        queue = boto3.client("sqs").create_queue(QueueName="bench-genesys")["QueueUrl"]
        with Emulator(eventbridge_sqs=queue) as emu:
            ids = seed(emu)
            rng = random.Random(7)
            for _ in range(count):
                emu.add_conversation(
                    user_id=ids["user"], queue_id=ids["queue"], disconnect_after=rng.uniform(0, spread)
                )
            started = time.perf_counter()
            latencies, reading = asyncio.run(_read(queue, count, time.time() + spread + 60))
            assert emu.eventbridge is not None
            emu.eventbridge.flush()
            sink = (emu.eventbridge.sent, emu.eventbridge.failed)
        took = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait()
    ms = {k: round(v * 1000, 1) for k, v in percentiles(latencies).items()} if latencies else {}
    print(f"conversations {count} ending over {spread:g} s, events through a loopback moto_server queue\n")
    print(
        "| received user.end | p50 ms | p95 ms | p99 ms | max ms | sink sent | sink failed | run s | reader busy s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(latencies)} | {ms.get('p50', '-')} | {ms.get('p95', '-')} | {ms.get('p99', '-')} | "
        f"{ms.get('max', '-')} | {sink[0]} | {sink[1]} | {took:.1f} | {reading:.1f} |"
    )


if __name__ == "__main__":
    main()
