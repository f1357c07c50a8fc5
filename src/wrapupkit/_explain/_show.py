"""How an :class:`~wrapupkit.Explanation` is shown: text, JSON-ready data, HTML, and the timeline SVG.

Each function takes an :class:`~wrapupkit.Explanation`.  The timeline picture comes from
``wrapupkit._timeline.render_svg`` (the renderer the docs and the emulator's page use); when this
version has none, notebooks show the table alone.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
from collections.abc import Callable, Iterable
from typing import Any

from wrapupkit.exceptions import ConfigurationError


# The values are wrapupkit._explain._model's; this module does not import it (that module imports
# this one to show its values), so they are typed by name only.
Explanation = Any
ExplainedLeg = Any
ExplainedCommunication = Any

__all__ = ["as_dict", "as_html", "as_svg", "as_text", "try_svg"]


def as_text(exp: Explanation) -> str:
    """The explanation as readable text, one fact a line."""
    base = _base(exp)
    asked = (
        ", ".join(f"{k}={v}" for k, v in exp.arguments.items()) or "no participant_id, user_id or media_type"
    )
    lines = [f"Conversation {exp.conversation_id}: what apply_wrapup() would do now ({asked})", ""]
    when = f" (times in seconds after {base.isoformat()})" if base is not None else ""
    lines.append(f"Legs, oldest first by their own times{when}; '>' marks the target:")
    for leg in exp.legs:
        lines.append(_leg_line(leg))
        lines.extend(_comm_line(comm, base) for comm in leg.communications)
    lines += ["", "The rule (docs/which-leg.md), step by step:"]
    lines += [f"  {step}" for step in exp.steps]
    lines.append("")
    if exp.error is not None:
        lines.append(f"Outcome: apply_wrapup() would raise {type(exp.error).__name__}: {exp.error}")
    else:
        lines.append(
            f"Target: participant {exp.participant_id}, communication {exp.communication_id} "
            f"({exp.media_type}), user {exp.user_id}, queue {exp.queue_id}"
        )
        verdict = exp.verdict
        shown = (
            f"{verdict.kind}, {verdict.reason}"
            if verdict is not None
            else "not asked (a code is already there)"
        )
        lines.append(f"Readiness ({exp.strategy}): {shown}")
    lines.append(f"Waits for: {exp.waits_for}")
    if exp.trail is not None:
        lines.append(f"Trail: {exp.trail.summary()}")
    return "\n".join(lines)


def _leg_line(leg: ExplainedLeg) -> str:
    mark = ">" if leg.chosen else " "
    who = " ".join(
        part
        for part in (
            leg.purpose or "?",
            f"user {leg.user_id}" if leg.user_id else "",
            f"queue {leg.queue_id}" if leg.queue_id else "",
            f"code {leg.wrapup_code}" if leg.wrapup_code else "",
        )
        if part
    )
    if not leg.agent:
        verdict = "not an agent leg"
    else:
        verdict = ("candidate: " if leg.candidate else "not a candidate: ") + leg.reason
    return f"{mark} {leg.participant_id}  {who}  -- {verdict}"


def _comm_line(comm: ExplainedCommunication, base: dt.datetime | None) -> str:
    mark = ">" if comm.chosen else " "
    parts = [f"{comm.media} {comm.id}", comm.state or "?"]
    for label, value in (
        ("alert", comm.alerting_time),
        ("connect", comm.connected_time),
        ("end", comm.disconnected_time),
    ):
        if value is not None:
            parts.append(f"{label} {_rel(value, base)}")
    if comm.disconnect_type:
        parts.append(f"({comm.disconnect_type})")
    if comm.acw_state:
        parts.append(f"ACW {comm.acw_state}")
    if comm.wrapup_code:
        parts.append(f"code {comm.wrapup_code}")
    return f"    {mark} " + "  ".join(parts)


def _rel(value: dt.datetime, base: dt.datetime | None) -> str:
    if base is None:
        return value.isoformat()
    return f"+{(value - base).total_seconds():.1f}"


def _times(exp: Explanation) -> Iterable[dt.datetime]:
    for leg in exp.legs:
        yield from (t for t in (leg.start_time, leg.end_time) if t is not None)
        for comm in leg.communications:
            yield from (t for t in (comm.alerting_time, comm.connected_time, comm.disconnected_time) if t)


def _base(exp: Explanation) -> dt.datetime | None:
    return min(_times(exp), default=None)


def as_dict(exp: Explanation) -> dict[str, Any]:
    """JSON-ready data: the legs, the steps, the target or the error, the verdict, the trail."""
    error = exp.error
    verdict = exp.verdict
    trail = exp.trail
    return {
        "conversation_id": exp.conversation_id,
        "arguments": dict(exp.arguments),
        "target": None
        if exp.target is None
        else {
            "participant_id": exp.participant_id,
            "communication_id": exp.communication_id,
            "media_type": exp.media_type.value if exp.media_type is not None else None,
            "user_id": exp.user_id,
            "queue_id": exp.queue_id,
        },
        "error": None if error is None else {"type": type(error).__name__, "message": str(error)},
        "existing_code": exp.existing_code,
        "readiness": {
            "strategy": exp.strategy,
            "verdict": None if verdict is None else {"kind": verdict.kind, "reason": verdict.reason},
            "waits_for": exp.waits_for,
        },
        "steps": list(exp.steps),
        "legs": [_leg_dict(leg) for leg in exp.legs],
        "trail": None
        if trail is None
        else {
            "reads": trail.reads,
            "chosen_after_reads": trail.chosen_after_reads,
            "chosen_after": trail.chosen_after,
            "targets": [list(t) for t in trail.targets],
            "written_after_reads": trail.written_after_reads,
            "written_at": _iso(trail.written_at),
        },
    }


def _leg_dict(leg: ExplainedLeg) -> dict[str, Any]:
    return {
        "participant_id": leg.participant_id,
        "purpose": leg.purpose,
        "user_id": leg.user_id,
        "queue_id": leg.queue_id,
        "start_time": _iso(leg.start_time),
        "end_time": _iso(leg.end_time),
        "wrapup_required": leg.wrapup_required,
        "wrapup_code": leg.wrapup_code,
        "agent": leg.agent,
        "candidate": leg.candidate,
        "reason": leg.reason,
        "chosen": leg.chosen,
        "communications": [
            {
                "id": c.id,
                "media": c.media,
                "state": c.state,
                "direction": c.direction,
                "disconnect_type": c.disconnect_type,
                "alerting_time": _iso(c.alerting_time),
                "connected_time": _iso(c.connected_time),
                "disconnected_time": _iso(c.disconnected_time),
                "acw_state": c.acw_state,
                "wrapup_code": c.wrapup_code,
                "chosen": c.chosen,
            }
            for c in leg.communications
        ],
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def as_html(exp: Explanation) -> str:
    """A table of the legs, the steps, the outcome, and the timeline when the renderer is there."""
    esc = html.escape
    rows = []
    for leg in exp.legs:
        verdict = (
            "not an agent leg" if not leg.agent else ("candidate" if leg.candidate else "not a candidate")
        )
        comms = "<br>".join(
            f"{'&#9654; ' if c.chosen else ''}{esc(c.media)} <code>{esc(c.id)}</code> {esc(c.state or '?')}"
            + (f", ACW {esc(c.acw_state)}" if c.acw_state else "")
            for c in leg.communications
        )
        style = ' style="font-weight:bold"' if leg.chosen else ""
        rows.append(
            f"<tr{style}><td><code>{esc(leg.participant_id)}</code></td><td>{esc(leg.purpose or '')}</td>"
            f"<td>{esc(leg.user_id or '')}</td><td>{esc(verdict)}</td><td>{esc(leg.reason)}</td>"
            f"<td>{comms}</td></tr>"
        )
    if exp.error is not None:
        outcome = f"would raise <b>{esc(type(exp.error).__name__)}</b>: {esc(str(exp.error))}"
    else:
        outcome = (
            f"target: participant <code>{esc(str(exp.participant_id))}</code>, communication "
            f"<code>{esc(str(exp.communication_id))}</code> ({esc(str(exp.media_type))})"
        )
    steps = "".join(f"<li>{esc(step)}</li>" for step in exp.steps)
    picture = try_svg(exp) or ""
    return (
        f"<div><p>Conversation <code>{esc(exp.conversation_id)}</code>: {outcome}</p>"
        f"<p>Waits for: {esc(exp.waits_for)}</p>{picture}"
        "<table><thead><tr><th>participant</th><th>purpose</th><th>user</th><th>rule</th><th>why</th>"
        f"<th>communications</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<details><summary>the rule, step by step</summary><ol>{steps}</ol></details></div>"
    )


def _renderer() -> Callable[..., str] | None:
    try:
        module = importlib.import_module("wrapupkit._timeline")
    except ImportError:
        return None
    render: Callable[..., str] | None = getattr(module, "render_svg", None)
    return render


def try_svg(exp: Explanation) -> str | None:
    """The timeline SVG, or ``None`` when this version has no renderer (notebooks then skip it)."""
    render = _renderer()
    if render is None:
        return None
    return render(
        exp.conversation,
        target=exp.target,
        written_at=exp.trail.written_at if exp.trail is not None else None,
        title=f"Conversation {exp.conversation_id}",
    )


def as_svg(exp: Explanation) -> str:
    """The timeline SVG.

    Raises:
        ConfigurationError: this version of wrapupkit has no timeline renderer.
    """
    picture = try_svg(exp)
    if picture is None:
        raise ConfigurationError("This version of wrapupkit has no timeline renderer (wrapupkit._timeline).")
    return picture
