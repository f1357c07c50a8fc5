"""``wrapupkit explain`` (what apply would do, and why) and ``wrapupkit capture`` (an anonymised body)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapupkit.cli._common import EXIT_OK, add_output, emit, make_client, readiness, say
from wrapupkit.exceptions import ConfigurationError


if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``explain`` and ``capture`` to *commands* (the subparsers action of the top-level parser)."""
    parser = commands.add_parser(
        "explain", help="say which leg apply would write to now, why, and what it waits for (writes nothing)"
    )
    _source_options(parser)
    parser.add_argument("--media-type", help="check the communication's media type as apply would")
    parser.add_argument(
        "--readiness",
        choices=("polling", "immediate", "optimistic"),
        help="the strategy whose verdict to show (default polling)",
    )
    parser.add_argument("--svg", metavar="OUT.svg", help="also write the conversation's timeline picture")
    add_output(parser)
    parser.set_defaults(handler=run_explain)

    parser = commands.add_parser(
        "capture",
        help="save a conversation anonymised, with the rule's expectation, to share or add to a corpus",
    )
    _source_options(parser)
    parser.add_argument(
        "--out", default="-", metavar="SHAPE.json", help="where to write it ('-', the default: stdout)"
    )
    parser.add_argument("--description", default="", help="the shape, in one line (kept as written)")
    parser.add_argument("--source", help="where the body came from (default: wrapupkit capture VERSION)")
    parser.set_defaults(handler=run_capture)


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conversation_id", metavar="CONVERSATION_ID", nargs="?")
    parser.add_argument(
        "--from-file",
        metavar="BODY.json",
        help="read a saved body instead (a GET body, an event, or a corpus or capture file); no network",
    )
    parser.add_argument("--participant-id", help="the agent participant, as for apply")
    parser.add_argument("--user-id", help="the agent's user id, as for apply")


def _body(args: argparse.Namespace) -> Mapping[str, Any] | None:
    """The body of ``--from-file`` (a corpus fixture unwrapped), or ``None``: read it from Genesys."""
    if args.from_file is None:
        if args.conversation_id is None:
            raise ConfigurationError("Give a CONVERSATION_ID, or --from-file with a saved body.")
        return None
    try:
        data = json.loads(Path(args.from_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"Cannot read a JSON body from {args.from_file}: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("body"), dict) and "expect" in data:
        data = data["body"]  # a tests/corpus/ fixture or a capture
    if not isinstance(data, dict):
        raise ConfigurationError(f"{args.from_file} does not hold a JSON object.")
    return data


def run_explain(args: argparse.Namespace, as_json: bool) -> int:
    """Print the explanation (text, or JSON with ``--json``); write the timeline with ``--svg``.

    Returns:
        0: the explanation was made (whatever it says apply would do).
    """
    from wrapupkit._explain import explain_conversation

    body = _body(args)
    if body is not None:
        event = body.get("eventBody")
        explanation = explain_conversation(
            event if isinstance(event, dict) else body,
            participant_id=args.participant_id,
            user_id=args.user_id,
            media_type=args.media_type,
            readiness=readiness(args.readiness),
        )
    else:
        explanation = make_client().explain(
            args.conversation_id,
            participant_id=args.participant_id,
            user_id=args.user_id,
            media_type=args.media_type,
            readiness=readiness(args.readiness),
        )
    if args.svg is not None:
        Path(args.svg).write_text(explanation.svg(), encoding="utf-8")
        say(f"Wrote the timeline to {args.svg}.")
    if as_json:
        emit({"ok": True, **explanation.to_dict()})
    else:
        sys.stdout.write(explanation.text() + "\n")
    return EXIT_OK


def run_capture(args: argparse.Namespace, as_json: bool) -> int:
    """Write the anonymised capture to ``--out`` and say what the rule expects.

    Returns:
        0.
    """
    from wrapupkit._explain import capture_conversation

    body = _body(args)
    if body is None:
        body = make_client().explain(args.conversation_id).conversation
    fixture = capture_conversation(
        body,
        participant_id=args.participant_id,
        user_id=args.user_id,
        source=args.source,
        description=args.description,
    )
    text = json.dumps(fixture, indent=2, ensure_ascii=False) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        say(
            f"Wrote an anonymised capture to {args.out} ({len(fixture['body'].get('participants') or ())} "
            "participants, ids replaced, free text removed, times shifted to 2000-01-01). "
            "Read it before sharing."
        )
    for case in fixture["expect"]:
        outcome = case.get("error") or f"participant {case['participant_id']} ({case['media']})"
        say(f"  the rule with {case['args'] or 'no ids'}: {outcome}")
    return EXIT_OK
