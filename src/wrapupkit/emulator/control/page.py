"""The emulator's own read-only web page, ``GET /__emulator__/`` (in the spirit of moto's dashboard).

It lists the conversations, each with its timeline picture (``wrapupkit.render_timeline``, inline
SVG), the wrap-ups stored on it and the API requests whose path names it, then every request.
Plain HTML with inline CSS, no script; ``?refresh=N`` adds a ``<meta http-equiv="refresh">``.
Secrets stay out: request bodies show ``notes``, ``client_secret`` and tokens as ``<redacted>``
(the log already redacts the ``Authorization`` header), and wrap-up notes are never shown.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any

from wrapupkit import render_timeline
from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations.models import Conversation
from wrapupkit.emulator.conversations.render import conversation_json
from wrapupkit.emulator.core.errors import bad_request
from wrapupkit.emulator.core.faults import RecordedRequest
from wrapupkit.emulator.core.http import Response


__all__ = ["page", "page_html"]

_SECRET_KEYS = frozenset(
    {"notes", "client_secret", "access_token", "refresh_token", "password", "code_verifier"}
)
_LATEST = 200  # requests listed at the bottom of the page
_CSS = """
body{font:14px/1.45 system-ui,'DejaVu Sans',sans-serif;margin:0 24px 40px;color:#1d1d1f;max-width:1100px}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:17px;margin:28px 0 6px;word-break:break-all}
h3{font-size:14px;margin:14px 0 4px}p.meta{color:#555;margin:2px 0 8px}
table{border-collapse:collapse;width:100%;margin:4px 0 10px;font-size:13px}
th,td{border-bottom:1px solid #e2e2e2;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f6;font-weight:600}td.path,td.body{font-family:'DejaVu Sans Mono',monospace;
word-break:break-all}td.status{font-weight:600}.s2{color:#1a7f37}.s4,.s0{color:#b35900}.s5{color:#c62828}
section.conversation{border-top:2px solid #ddd;margin-top:18px}
.timeline svg{max-width:100%;height:auto;border:1px solid #e2e2e2}
nav a{margin-right:12px;font-family:'DejaVu Sans Mono',monospace;font-size:12px}.none{color:#777}
"""


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<redacted>" if k in _SECRET_KEYS else _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _table(headings: list[str], rows: list[list[tuple[str, str]]], empty: str) -> str:
    """A table whose cells are ``(css class, already-escaped HTML)``; *empty* when there are no rows."""
    if not rows:
        return f'<p class="none">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for c, v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _request_rows(requests: list[tuple[int, RecordedRequest]]) -> list[list[tuple[str, str]]]:
    rows = []
    for number, r in requests:
        query = "?" + "&".join(f"{k}={v}" for k, v in r.query.items()) if r.query else ""
        body = "" if r.body is None else json.dumps(_redacted(r.body), ensure_ascii=False, sort_keys=True)
        status = str(r.status) if r.status else "reset"
        rows.append([("n", str(number)), ("method", escape(r.method)), ("path", escape(r.path + query)),
                     (f"status s{r.status // 100}", status), ("body", escape(body))])  # fmt: skip
    return rows


def _iso(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return (
        dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _wrapups(
    state: State, conv: Conversation
) -> tuple[list[list[tuple[str, str]]], tuple[str, str] | None, str]:
    """Rows of the stored wrap-ups, and the last API write's (participant, communication) and time."""
    rows, target, written = [], None, ""
    for p in conv.participants:
        user = state.users.get(p.user_id or "")
        for comm in p.communications:
            for kind, stored in (("final", comm.wrapup), ("provisional", comm.provisional)):
                if stored is None:
                    continue
                code = f"{stored.get('name') or ''} ({stored.get('code')})"
                rows.append([("who", escape(user.name if user else p.name)), ("id", escape(p.id)),
                             ("id", escape(comm.id)), ("media", escape(comm.media)), ("code", escape(code)),
                             ("kind", kind), ("source", escape(comm.wrapup_source or "")),
                             ("when", escape(str(stored.get("endTime", "")))),
                             ("notes", "yes (hidden)" if stored.get("notes") else "")])  # fmt: skip
                if (
                    kind == "final"
                    and comm.wrapup_source == "api"
                    and str(stored.get("endTime", "")) >= written
                ):
                    target, written = (p.id, comm.id), str(stored.get("endTime", ""))
    return rows, target, written


def _when(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _conversation_html(state: State, conv: Conversation, log: list[tuple[int, RecordedRequest]]) -> str:
    body = conversation_json(state, conv)
    wrapups, target, written = _wrapups(state, conv)
    title = "Timeline" + (": the dashed box is the last wrap-up written through the API" if target else "")
    svg = render_timeline(body, target=target, written_at=_when(written), title=title)
    mine = [(n, r) for n, r in log if f"/{conv.id}" in r.path]
    ended = f"ended {_iso(conv.end_time)}" if conv.end_time else "live"
    meta = (
        f"{escape(conv.media)} · started {_iso(conv.start_time)} · {ended} · {conv.writes} wrap-up write(s)"
    )
    return (
        f'<section class="conversation" id="conversation-{escape(conv.id)}">'
        f'<h2>Conversation {escape(conv.id)}</h2><p class="meta">{meta}</p>'
        f'<div class="timeline">{svg}</div>'
        "<h3>Wrap-ups</h3>"
        + _table(
            ["user", "participant", "communication", "media", "code", "kind", "source", "end time", "notes"],
            wrapups,
            "No wrap-up stored yet.",
        )
        + "<h3>Requests</h3>"
        + _table(
            ["#", "method", "path", "status", "body"], _request_rows(mine), "No API request named it yet."
        )
        + "</section>"
    )


def page_html(state: State, *, refresh: int | None = None) -> str:
    """The whole page as text (the route's body)."""
    log = list(enumerate(state.log.snapshot(), start=1))
    with state.lock:
        conversations = list(state.conversations.values())
        sections = [_conversation_html(state, conv, log) for conv in conversations]
        counts = (len(state.users), len(state.queues), len(state.codes))
    clock = "fake" if hasattr(state.clock, "advance") else "real"
    nav = "".join(f'<a href="#conversation-{escape(c.id)}">{escape(c.id[:8])}</a>' for c in conversations)
    head = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    latest = log[-_LATEST:]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>wrapupkit emulator</title>{head}<style>{_CSS}</style></head><body>"
        "<header><h1>wrapupkit emulator</h1>"
        f'<p class="meta">{clock} clock at {_iso(state.clock.time())} · '
        f"{len(conversations)} conversation(s) · "
        f"{len(log)} API request(s) · {counts[0]} user(s), {counts[1]} queue(s), {counts[2]} code(s) · "
        "read-only; <code>?refresh=5</code> reloads every 5 s</p></header>"
        f"<nav>{nav}</nav>"
        + ("".join(sections) or '<p class="none">No conversation yet.</p>')
        + f'<section id="requests"><h2>Requests (the latest {len(latest)})</h2>'
        + _table(["#", "method", "path", "status", "body"], _request_rows(latest), "No API request yet.")
        + "</section></body></html>"
    )


def page(state: State, payload: dict[str, Any]) -> Response:
    """``GET /__emulator__/``: the page (``refresh``: seconds between reloads, optional)."""
    refresh = payload.get("refresh")
    if refresh is not None and (not str(refresh).isdigit() or not 0 < int(refresh) <= 3600):
        raise bad_request("refresh must be a whole number of seconds from 1 to 3600")
    text = page_html(state, refresh=int(refresh) if refresh is not None else None)
    return Response(200, text.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])
