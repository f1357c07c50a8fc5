"""The story ``wrapupkit demo`` tells: the whole path, on the embedded emulator, in a few seconds.

Starts a local Genesys Cloud, plays a call that ends while the demo waits (the
agent's communication reaches after-call work a moment after the call ends, and
writes before that are refused), applies a code by name, and prints a timeline.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from wrapupkit._models import WrapupResult


__all__ = ["run"]


def _agent_state(conversation: dict[str, Any]) -> str:
    """A short description of the agent's communication, for the timeline."""
    for participant in conversation.get("participants", []):
        if participant.get("purpose") != "agent":
            continue
        comm = (participant.get("calls") or [{}])[-1]
        acw = (comm.get("afterCallWork") or {}).get("state")
        code = (comm.get("wrapup") or {}).get("name") or (comm.get("wrapup") or {}).get("code")
        if code:
            return f"wrap-up recorded by Genesys: {code}"
        if comm.get("state") == "connected":
            return "call in progress (agent connected)"
        if acw == "pending":
            return "after-call work pending: Genesys now accepts a wrap-up"
        return "call ended (agent disconnected); after-call work not started yet"
    return "no agent"


def run(*, call_seconds: float, acw_delay: float, code: str, out: Any) -> WrapupResult:
    """Play one call on a fresh emulator and wrap it up; print the story to *out*."""
    from wrapupkit._client import WrapupClient
    from wrapupkit.emulator import Emulator

    timeline: list[tuple[float, str]] = []
    lock = threading.Lock()
    with Emulator() as emu:
        emu.rules.early_write = 400  # make the race real: a write before ACW is refused
        codes = [emu.add_code(name) for name in ("Survey Complete", "Sale", "No Sale", "Callback Requested")]
        queue = emu.add_queue("Support", codes=codes, wrapup_prompt="MANDATORY_TIMEOUT", timeout_ms=120_000)
        agent = emu.add_user("Ada Agent")
        # Create the client (and import the SDK, ~3 s) before the call starts, so the wait is real.
        client = WrapupClient.from_credentials(emu.client_id, emu.client_secret, host=emu.url)
        start = time.monotonic()
        conv = emu.add_conversation(
            user_id=agent, queue_id=queue, disconnect_after=call_seconds, acw_delay=acw_delay
        )

        def note(conversation_id: str) -> None:
            state = _agent_state(emu.conversation_json(conversation_id))
            with lock:
                if not timeline or timeline[-1][1] != state:
                    timeline.append((time.monotonic() - start, state))

        note(conv.id)
        emu.backend.on_change(note)
        print(f"wrapupkit demo: emulated Genesys Cloud at {emu.url}", file=out)
        print(f"  conversation {conv.id} (a call in queue 'Support')", file=out)
        print(f"  apply_wrapup(conversation, {code!r}) called while the call is still up...", file=out)
        called = time.monotonic() - start
        result = client.apply_wrapup(conv.id, code, notes="demo", timeout=30)
        done = time.monotonic() - start
        requests = list(emu.requests)
        writes = emu.wrapup_writes(conv.id)
    with lock:
        events = sorted(
            [
                *timeline,
                (called, f"apply_wrapup({code!r}) called"),
                (done, f"apply_wrapup returned: {result.code.name!r} ({result.code.id}) applied"),
            ]
        )
    print("\ntimeline (seconds since the call started):", file=out)
    for at, text in events:
        print(f"  {at:6.2f}  {text}", file=out)
    print(f"\nHTTP requests made ({len(requests)}):", file=out)
    for req in requests:
        print(f"  {req.status}  {req.method:4} {req.path}", file=out)
    print(
        f"\nresult: {result.media_type.value} wrap-up on participant {result.participant_id}, "
        f"waited {result.waited:.2f}s for readiness, {result.attempts} POST, {writes} write recorded.",
        file=out,
    )
    return result
