"""What an event says about an intent: whether it concerns the intent's leg, and how an ``.acw``
event (the agent finished after-call work with a code) closes it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from wrapupkit.exceptions import WrapupkitError
from wrapupkit.intents import Intent, IntentState


if TYPE_CHECKING:
    from wrapupkit._aclient import AsyncWrapupClient
    from wrapupkit.fleet._events import FleetEvent

__all__ = ["acw_outcome", "code_name", "concerns"]

log = logging.getLogger("wrapupkit.fleet")


def concerns(intent: Intent, event: FleetEvent) -> bool:
    """Whether *event* may be about the intent's leg (an event without ids may be)."""
    if intent.participant_id and event.participant_id and intent.participant_id != event.participant_id:
        return False
    return not (intent.user_id and event.user_id and intent.user_id != event.user_id)


async def code_name(client: AsyncWrapupClient, code_id: str, queue_id: str | None) -> str | None:
    """The name of *code_id* in the queue's code set (cached by the client), or ``None``."""
    if not queue_id:
        return None
    try:
        codes = await client.codes(queue_id)
    except WrapupkitError as exc:
        log.info("could not name code %s: %s", code_id, exc)
        return None
    return next((c.name for c in codes if c.id == code_id), None)


def acw_outcome(intent: Intent, code_id: str, name: str | None) -> tuple[IntentState, str | None]:
    """``applied`` when the agent's code is the intent's own (by id or name), else ``already``
    with a sentence naming both codes."""
    if intent.code in (code_id, name):
        return IntentState.APPLIED, None
    return (
        IntentState.ALREADY,
        f"the agent applied {name or code_id!r} (id {code_id}) before {intent.code!r} was written",
    )
