"""EventBridge-shaped events through SQS: the emulator's sink to a real moto_server, read by SQSEvents.

    python bench/bench_sqs_events.py [CONVERSATIONS] [SECONDS]

Conversations end at random moments over SECONDS (real clock); each ending publishes a
``.user.end`` envelope, which the sink sends to a moto_server queue on 127.0.0.1 and one
``SQSEvents`` reader receives and deletes.  Prints the event-to-receive latency (the event's own
``eventTime`` to the moment the reader has it), and the reader's and the sink's rates.
Needs ``boto3`` and ``moto[server]`` (the tests dependency group).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request

from _common import percentiles, seed

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
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    spread = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
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
    print(f"conversations {count} ending over {spread:g} s; received {len(latencies)} user.end events")
    print(f"event-to-receive latency ms: {ms}")
    print(f"sink sent/failed: {sink}; whole run {took:.1f} s; reader busy {reading:.1f} s")


if __name__ == "__main__":
    main()
