"""HTTP requests per wrap-up: wrapupkit (warm cache) against the raw-SDK recipe from public threads.

The raw recipe: fetch the queue's codes every time, find the id by name, GET the conversation for the
communication id, sleep a fixed time, POST.  Prints a markdown table.

    python bench/bench_requests.py [--n 50]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from _common import add_smoke_flag, seed, smoke_sizes

from wrapupkit import WrapupClient
from wrapupkit.emulator import Emulator


def raw_sdk_wrapup(api_client: Any, conversation_id: str, queue_id: str, name: str, sleep: float) -> None:
    import PureCloudPlatformClientV2 as sdk

    routing = sdk.RoutingApi(api_client)
    conversations = sdk.ConversationsApi(api_client)
    listing = routing.get_routing_queue_wrapupcodes(queue_id, page_size=100)
    code_id = next(c.id for c in listing.entities if c.name == name)
    conversation = conversations.get_conversation(conversation_id)
    agent = next(p for p in conversation.participants if p.purpose == "agent")
    time.sleep(sleep)  # "wait a bit for ACW", as the threads recommend
    body = sdk.WrapupInput()
    body.code = code_id
    conversations.post_conversations_call_participant_communication_wrapup(
        conversation_id, agent.id, agent.calls[-1].id, body=body
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--n", type=int, default=50, help="wrap-ups per variant")
    parser.add_argument("--sleep", type=float, default=0.05, help="the raw recipe's fixed sleep (seconds)")
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), n=3)
    import PureCloudPlatformClientV2 as sdk

    rows = []
    with Emulator() as emu:
        ids = seed(emu)
        client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url)
        client.codes(ids["queue"])  # warm the cache and the token
        convs = [emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"]) for _ in range(args.n)]
        emu.clear_requests()
        started = time.perf_counter()
        results = [client.apply_wrapup(c.id, "Sale") for c in convs]
        elapsed = time.perf_counter() - started
        requests = len(emu.requests)
        rows.append(
            ("wrapupkit, warm cache", requests / args.n, elapsed / args.n, sum(r.attempts for r in results))
        )

        api_client = sdk.ApiClient(host=emu.url)
        api_client.get_client_credentials_token(emu.client_id, emu.client_secret)
        convs = [emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"]) for _ in range(args.n)]
        emu.clear_requests()
        started = time.perf_counter()
        for c in convs:
            raw_sdk_wrapup(api_client, c.id, ids["queue"], "Sale", args.sleep)
        elapsed = time.perf_counter() - started
        rows.append(
            (
                f"raw SDK, codes each time + sleep({args.sleep})",
                len(emu.requests) / args.n,
                elapsed / args.n,
                args.n,
            )
        )

    print(f"requests per wrap-up, {args.n} wrap-ups each, emulator on loopback\n")
    print("| variant | HTTP requests per wrap-up | seconds per wrap-up | POSTs |")
    print("|---|---|---|---|")
    for name, per, seconds, post_count in rows:
        print(f"| {name} | {per:.2f} | {seconds:.4f} | {post_count} |")


if __name__ == "__main__":
    main()
