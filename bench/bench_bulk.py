"""Bulk wrap-ups under a rate limit: apply_many against a plain thread pool over the raw SDK.

1,000 wrap-ups (``--n``) against the emulator served on 127.0.0.1 on the real clock, limited to
50 requests a second per token (``--rate``).  Every wrap-up needs at least two requests (read the
conversation for the participant and communication ids, then POST), so the ceiling is ``rate / 2``
wrap-ups a second.  The naive variant is what public threads show: a ``ThreadPoolExecutor`` calling
``ConversationsApi`` with the SDK's default HTTP client (its hidden urllib3 retries included).
Both then run again with ~20 % of conversations given a fault: a 429, a 503, a reset before or
after the write lands, or a response stalled past the request timeout.  Prints a markdown table;
asserts nothing.

    python bench/bench_bulk.py [--n 1000] [--rate 50] [--workers 8] [--faults 0.2]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import add_smoke_flag, smoke_sizes

from wrapupkit import RateLimiter, RetryPolicy, WrapupClient, apply_many
from wrapupkit.emulator import Emulator


REQUESTS_PER_WRAPUP = 2
STALL = 2.5  # seconds a stalled response is held
REQUEST_TIMEOUT = 2.0  # wrapupkit's bound on one request, so a stall becomes a timeout
FAULT_KINDS = ("429", "503", "reset-before", "reset-after-write", "stall")


def seed(emu: Emulator) -> dict[str, str]:
    sale = emu.add_code("Sale")
    # MANDATORY: no ACW timeout, so a slow variant cannot lose items to the platform's timeout code.
    queue = emu.add_queue("Bench", codes=[sale, emu.add_code("No Sale")], wrapup_prompt="MANDATORY")
    return {"sale": sale, "queue": queue, "user": emu.add_user("Bench Agent")}


def inject(emu: Emulator, cids: list[str], share: float, rng: random.Random) -> collections.Counter[str]:
    """Give *share* of the conversations one fault each, on their own paths; return the kinds used."""
    kinds: collections.Counter[str] = collections.Counter()
    for i, cid in enumerate(rng.sample(cids, round(len(cids) * share))):
        kind = FAULT_KINDS[i % len(FAULT_KINDS)]
        post = f"{cid}/.*wrapup"
        if kind == "429":
            emu.fail_next("POST", post, status=429, retry_after=1)
        elif kind == "503":
            emu.fail_next("POST", post, status=503)
        elif kind == "reset-before":
            emu.reset_next("GET", f"{cid}$")
        elif kind == "reset-after-write":
            emu.reset_next("POST", post, after_processing=True)
        else:
            emu.stall_next("POST", post, STALL, after_processing=True)
        kinds[kind] += 1
    return kinds


def run_wrapupkit(
    emu: Emulator, ids: dict[str, str], cids: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    client = WrapupClient.from_credentials(
        emu.client_id,
        emu.client_secret,
        host=emu.url,
        max_connections=args.workers,
        request_timeout=REQUEST_TIMEOUT,
        retry=RetryPolicy(max_tries=6, initial_delay=0.2, max_delay=2.0),
    )
    limiter = RateLimiter(args.rate, 1.0)
    started = time.perf_counter()
    report = apply_many(
        client, [(c, "Sale") for c in cids], max_workers=args.workers, rate_limit=limiter, progress=False
    )
    elapsed = time.perf_counter() - started
    errors = collections.Counter(o.error_type for o in report.failed)
    return {
        "elapsed": elapsed,
        "accounted": len(report.outcomes),
        "unhandled_429": errors.pop("RateLimited", 0),
        "errors": dict(errors),
        "limiter_waited": limiter.waited,
    }


def run_naive(
    emu: Emulator, ids: dict[str, str], cids: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    import PureCloudPlatformClientV2 as sdk
    from PureCloudPlatformClientV2.rest import ApiException

    api_client = sdk.ApiClient(host=emu.url)
    api_client.get_client_credentials_token(emu.client_id, emu.client_secret)
    conversations = sdk.ConversationsApi(api_client)

    def wrap_up(cid: str) -> None:
        conversation = conversations.get_conversation(cid)
        agent = next(p for p in conversation.participants if p.purpose == "agent")
        body = sdk.WrapupInput()
        body.code = ids["sale"]
        conversations.post_conversations_call_participant_communication_wrapup(
            cid, agent.id, agent.calls[-1].id, body=body
        )

    errors: collections.Counter[str] = collections.Counter()
    unhandled_429 = 0
    accounted = 0
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        for future in concurrent.futures.as_completed([pool.submit(wrap_up, c) for c in cids]):
            accounted += 1
            error = future.exception()
            if isinstance(error, ApiException) and error.status == 429:
                unhandled_429 += 1
            elif error is not None:
                errors[
                    type(error).__name__ + (f" {error.status}" if isinstance(error, ApiException) else "")
                ] += 1
    return {
        "elapsed": time.perf_counter() - started,
        "accounted": accounted,
        "unhandled_429": unhandled_429,
        "errors": dict(errors),
        "limiter_waited": None,
    }


def measure(
    name: str,
    runner: Callable[[Emulator, dict[str, str], list[str], argparse.Namespace], dict[str, Any]],
    emu: Emulator,
    ids: dict[str, str],
    args: argparse.Namespace,
    faults: float,
) -> dict[str, Any]:
    cids = [emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"]).id for _ in range(args.n)]
    kinds = inject(emu, cids, faults, random.Random(args.seed)) if faults else collections.Counter()
    emu.clear_requests()
    print(f"running {name}{' with faults' if faults else ''} ...", file=sys.stderr, flush=True)
    row = runner(emu, ids, cids, args)
    emu.clear_faults()
    emu.rate_limit(args.rate, per_seconds=1.0)  # clear_faults drops the limit too
    writes = [emu.wrapup_writes(c) for c in cids]
    wrapped = [emu.wrapup(c) for c in cids]
    ceiling = args.rate / REQUESTS_PER_WRAPUP
    row.update(
        name=name,
        faults=", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())) or "none",
        throughput=args.n / row["elapsed"],
        fraction=args.n / row["elapsed"] / ceiling,
        applied=sum(1 for w in wrapped if w is not None and w["code"] == ids["sale"]),
        lost=sum(1 for w in wrapped if w is None),
        twice=sum(1 for w in writes if w > 1),
        responses_429=sum(1 for r in emu.requests if r.status == 429),
        requests=len(emu.requests),
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--n", type=int, default=1000, help="wrap-ups per variant (default 1000)")
    parser.add_argument("--rate", type=int, default=50, help="the server's limit, requests per second")
    parser.add_argument("--workers", type=int, default=8, help="threads per variant (default 8)")
    parser.add_argument("--faults", type=float, default=0.2, help="share of conversations given a fault")
    parser.add_argument("--seed", type=int, default=5, help="random seed for choosing faulty conversations")
    parser.add_argument("--skip-faults", action="store_true", help="only the clean runs")
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), n=10, workers=4, faults=0.2, rate=200)

    rows = []
    with Emulator() as emu:
        ids = seed(emu)
        emu.rate_limit(args.rate, per_seconds=1.0)
        for faults in (0.0,) if args.skip_faults else (0.0, args.faults):
            rows.append(measure("wrapupkit apply_many", run_wrapupkit, emu, ids, args, faults))
            rows.append(measure("raw SDK + ThreadPoolExecutor", run_naive, emu, ids, args, faults))

    ceiling = args.rate / REQUESTS_PER_WRAPUP
    print(
        f"\n{args.n} wrap-ups per run, {args.workers} workers, server limit {args.rate} requests/s per token "
        f"(ceiling {ceiling:g} wrap-ups/s at {REQUESTS_PER_WRAPUP} requests each), emulator on 127.0.0.1\n"
    )
    print(
        "| variant | faults | seconds | wrap-ups/s | of ceiling | applied | lost | applied twice "
        "| 429 responses | unhandled 429s | other errors | accounted for |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        errors = ", ".join(f"{k} x{v}" for k, v in sorted(r["errors"].items())) or "none"
        print(
            f"| {r['name']} | {r['faults']} | {r['elapsed']:.1f} | {r['throughput']:.1f} | {r['fraction']:.2f} "
            f"| {r['applied']} | {r['lost']} | {r['twice']} | {r['responses_429']} | {r['unhandled_429']} "
            f"| {errors} | {r['accounted']}/{args.n} |"
        )


if __name__ == "__main__":
    main()
