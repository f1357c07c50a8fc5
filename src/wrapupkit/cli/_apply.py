"""``wrapupkit apply``: apply a wrap-up code to a conversation's agent."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from wrapupkit.cli._common import EXIT_OK, add_call_options, add_output, emit, make_client, readiness, say


if TYPE_CHECKING:
    from wrapupkit._models import WrapupResult

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``apply`` to *commands* (the subparsers action of the top-level parser)."""
    parser = commands.add_parser("apply", help="apply a wrap-up code to a conversation's agent")
    parser.add_argument("conversation_id", metavar="CONVERSATION_ID")
    parser.add_argument("code", metavar="CODE", help="a wrap-up code name (exact) or id")
    parser.add_argument("--notes", help="wrap-up notes (never printed)")
    parser.add_argument("--tags", metavar="A,B", help="comma-separated wrap-up tags")
    parser.add_argument("--media-type", help="fail unless the communication has this media type")
    parser.add_argument("--participant-id", help="the agent participant (when there are several)")
    parser.add_argument("--user-id", help="the agent's user id (to choose the participant)")
    add_call_options(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, as_json: bool) -> int:
    """Apply the wrap-up; say what happened on stderr (and as JSON on stdout with ``--json``).

    Returns:
        0.
    """
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags is not None else None
    result = make_client().apply_wrapup(
        args.conversation_id,
        args.code,
        participant_id=args.participant_id,
        user_id=args.user_id,
        media_type=args.media_type,
        notes=args.notes,
        tags=tags,
        readiness=readiness(args.readiness),
        timeout=args.timeout,
        overwrite=args.overwrite,
    )
    where = (
        f"conversation {result.conversation_id}, participant {result.participant_id} ({result.media_type})"
    )
    if result.already_applied:
        say(f"Wrap-up code {result.code.name!r} was already applied to {where}; nothing written.")
    else:
        say(f"Applied wrap-up code {result.code.name!r} ({result.code.id}) to {where}.")
    if as_json:
        emit({"ok": True, **_result_json(result)})
    return EXIT_OK


def _result_json(result: WrapupResult) -> dict[str, Any]:
    return {
        "status": "already_applied" if result.already_applied else "applied",
        "conversation_id": result.conversation_id,
        "participant_id": result.participant_id,
        "communication_id": result.communication_id,
        "media_type": result.media_type.value,
        "code": {"id": result.code.id, "name": result.code.name},
        "queue_id": result.queue_id,
        "attempts": result.attempts,
        "requests": result.requests,
        "waited": result.waited,
    }
