"""``wrapupkit apply``: apply a wrap-up code to a conversation's agent."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wrapupkit.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_call_options,
    add_output,
    emit,
    make_client,
    readiness,
    say,
)


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
        0; 130 when interrupted (after saying whether the wrap-up was written).
    """
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags is not None else None
    client = make_client()
    writes = _Writes(client.api_client.get_http_client())
    try:
        result = client.apply_wrapup(
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
    except KeyboardInterrupt:
        return _interrupted(writes.written, as_json)
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


class _Writes:
    """Whether a wrap-up POST was sent and answered, seen through the SDK's request hooks.

    ``written`` is ``False`` until a wrap-up POST is sent, ``None`` (unknown) while it is
    unanswered or after an error answer was followed by a re-send, ``True`` once one was
    answered 2xx.
    """

    def __init__(self, http_client: Any) -> None:
        self.written: bool | None = False
        self._in_flight = False

        # The SDK wants functions of exactly one argument (it checks co_argcount): no bound methods.
        def before(options: Any) -> Any:
            return self._before(options)

        def after(response: Any) -> Any:
            return self._after(response)

        http_client.set_pre_request_hook(before)
        http_client.set_post_request_hook(after)

    def _before(self, options: Any) -> Any:
        if str(options.method).upper() == "POST" and urlsplit(str(options.url)).path.endswith("/wrapup"):
            self._in_flight = True
            if self.written is not True:
                self.written = None
        return options

    def _after(self, response: Any) -> Any:
        if self._in_flight:
            self._in_flight = False
            if 200 <= int(response.status) < 300:
                self.written = True
        return response


def _interrupted(written: bool | None, as_json: bool) -> int:
    """Say whether the interrupted call wrote its wrap-up; return 130."""
    if written is True:
        message = "interrupted after the wrap-up was written."
    elif written is False:
        message = "interrupted before the wrap-up was sent: nothing was written."
    else:
        message = (
            "interrupted while the wrap-up was being sent: it may have been written. Rerun the same "
            "command to find out (the same code already there is reported, nothing is written twice)."
        )
    say(message)
    if as_json:
        emit({"ok": False, "interrupted": True, "written": written, "message": message})
    return EXIT_INTERRUPTED


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
