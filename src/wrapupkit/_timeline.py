"""A conversation drawn as lanes, one per leg, as a self-contained SVG (standard library only).

Why our own renderer: a picture of lanes and bars is a few hundred lines of string building,
while matplotlib weighs some 30 MB and a browser-based renderer needs a browser.  This one needs
neither, runs anywhere ``import wrapupkit`` does, and its output is plain SVG 1.1 (tested with
``xml.etree``; docs/which-leg.md shows one picture per emulator shape, made at docs build time).

Input is the ``GET /api/v2/conversations/{id}`` body (camelCase keys); ``_lanes`` reads it into
one lane per participant and one row of intervals per communication.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import attrs

from wrapupkit._lanes import Bar, Lane, Row, lanes, moments


__all__ = ["Timeline", "render_svg", "render_timeline"]

COLOURS = {  # Okabe-Ito: told apart with the common colour-vision deficiencies
    "alerting": "#E69F00",
    "connected": "#0072B2",
    "held": "#CC79A7",
    "after-call work": "#009E73",
    "disconnected": "#B8B8B8",
}
WRITE_COLOUR = "#D55E00"
TARGET_FILL = "#FFF4CC"
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
WIDTH, LABEL_W, MEDIA_W, RIGHT = 900, 200, 76, 24
PLOT_X = LABEL_W + MEDIA_W
PLOT_W = WIDTH - PLOT_X - RIGHT
ROW_H, BAR_H, LANE_PAD, TOP = 22, 14, 8, 58
BOLD = 1.12  # bold glyphs are this much wider
# Advances in em (DejaVu Sans, rounded up): wide letters, capitals and digits, narrow marks, the rest.
_WIDE, _CAPS, _NARROW = (
    frozenset("mwMW@%"),
    frozenset("ABCDEFGHJKLNOPQRSTUVXYZ0123456789"),
    frozenset("il.,:;|!' "),
)
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    """*value* as text that XML 1.0 can carry (characters it forbids removed), escaped."""
    clean = _NOT_XML.sub("", str(value))
    return clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _advance(ch: str) -> float:
    if ch in _WIDE or unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch in _CAPS:
        return 0.75
    return 0.34 if ch in _NARROW else 0.62


def _width(text: str, size: float = 12.0) -> float:
    """An upper estimate of *text*'s width in pixels at font *size* (no font metrics at hand)."""
    return sum(_advance(ch) for ch in text) * size


def _fit(text: str, width: float, size: float = 12.0) -> str:
    """*text* cut with an ellipsis so that it fits *width* pixels."""
    if _width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch + "…", size) > width:
            break
        out += ch
    return out.rstrip() + "…"


_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _span(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{_clock(seconds)}"


class _Scale:
    def __init__(self, t0: dt.datetime, t1: dt.datetime) -> None:
        self.t0 = t0
        self.seconds = max((t1 - t0).total_seconds(), 1.0)

    def x(self, moment: dt.datetime) -> float:
        offset = (moment - self.t0).total_seconds()
        return PLOT_X + PLOT_W * min(max(offset / self.seconds, 0.0), 1.0)

    def ticks(self) -> list[float]:
        step = next((s for s in _STEPS if self.seconds / s <= 10), _STEPS[-1])
        return [i * step for i in range(int(self.seconds // step) + 1)]


def _el(tag: str, text: str | None = None, *, tip: str | None = None, **attributes: object) -> str:
    """One SVG element; attribute names use ``_`` for ``-``; *text* and *tip* (a tooltip) are escaped."""
    attrs_ = "".join(f' {k.rstrip("_").replace("_", "-")}="{_text(v)}"' for k, v in attributes.items())
    inner = (f"<title>{_text(tip)}</title>" if tip is not None else "") + (_text(text) if text else "")
    return f"<{tag}{attrs_}>{inner}</{tag}>" if inner else f"<{tag}{attrs_}/>"


def _r(value: float) -> str:
    return f"{value:.1f}"


def _axis(scale: _Scale, top: float, bottom: float) -> list[str]:
    out = [_el("line", x1=PLOT_X, y1=bottom, x2=PLOT_X + PLOT_W, y2=bottom, stroke="#666")]
    for tick in scale.ticks():
        x = _r(PLOT_X + PLOT_W * tick / scale.seconds)
        out.append(_el("line", x1=x, y1=top, x2=x, y2=bottom, stroke="#e4e4e4"))
        out.append(_el("line", x1=x, y1=bottom, x2=x, y2=bottom + 5, stroke="#666"))
        out.append(_el("text", _clock(tick), x=x, y=bottom + 18, text_anchor="middle", font_size=11))
    start = scale.t0.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    caption = f"time since {start} (m:ss)"
    out.append(_el("text", caption, x=_r(PLOT_X + PLOT_W / 2), y=bottom + 36, text_anchor="middle",
                   font_size=11, fill="#555"))  # fmt: skip
    return out


_DRAW_ORDER = ("disconnected", "alerting", "connected", "after-call work", "held")  # later on top


def _bar_svg(bar: Bar, scale: _Scale, y: float, right: dt.datetime) -> list[str]:
    x1, x2 = scale.x(bar.start), scale.x(bar.end or right)
    width = max(x2 - x1, 2.0)
    length = ((bar.end or right) - bar.start).total_seconds()
    tip = f"{bar.kind} from {_clock((bar.start - scale.t0).total_seconds())}, {_span(length)}"
    tip += (", still open" if bar.end is None else "") + (f" ({bar.note})" if bar.note else "")
    height, dy = {"disconnected": (4.0, (BAR_H - 4.0) / 2), "held": (BAR_H - 6.0, 3.0)}.get(
        bar.kind, (BAR_H, 0)
    )
    out = [_el("rect", tip=tip, class_="bar " + bar.kind.replace(" ", "-"), x=_r(x1), y=_r(y + dy),
               width=_r(width), height=height, rx=2, fill=COLOURS[bar.kind])]  # fmt: skip
    label = bar.note if bar.kind == "after-call work" else ""
    if label and _width(label, 10) + 8 <= width:
        out.append(_el("text", label, x=_r(x1 + 4), y=_r(y + BAR_H - 3.5), font_size=10, fill="#fff"))
    return out


def _row_svg(row: Row, y: float, scale: _Scale, right: dt.datetime, marked: bool) -> list[str]:
    out = [_el("text", _fit(row.media, MEDIA_W - 10, 11), tip=f"{row.media} {row.comm_id}", x=PLOT_X - 8,
               y=_r(y + BAR_H - 3), text_anchor="end", font_size=11, fill="#444")]  # fmt: skip
    if marked:
        out.append(_el("rect", class_="target", x=PLOT_X - 3, y=_r(y - 3), width=PLOT_W + 6, height=BAR_H + 6,
                       fill="none", stroke="#222", stroke_width=2, stroke_dasharray="5 3"))  # fmt: skip
    for bar in sorted(row.bars, key=lambda b: _DRAW_ORDER.index(b.kind)):
        out += _bar_svg(bar, scale, y, right)
    for moment, what in row.marks:
        x = _r(scale.x(moment))
        out.append(_el("line", tip=what, x1=x, y1=_r(y - 2), x2=x, y2=_r(y + BAR_H + 2), stroke="#333",
                       stroke_width=1.5))  # fmt: skip
    return out


def _lane_height(lane: Lane) -> float:
    return max(len(lane.rows), 2) * ROW_H + LANE_PAD


def _lane_svg(lane: Lane, y: float, scale: _Scale, right: dt.datetime, target: tuple[str, str] | None) -> str:
    is_target = target is not None and lane.participant_id == target[0]
    head = f"{lane.purpose}  ★ target" if is_target else lane.purpose
    out = [
        f'<g class="lane" data-participant="{_text(lane.participant_id)}">',
        _el("rect", x=0, y=_r(y), width=WIDTH, height=_lane_height(lane),
            fill=TARGET_FILL if is_target else "#fafafa", stroke="#ddd"),
        _el("text", _fit(head, LABEL_W - 16, 12 * BOLD), tip=f"participant {lane.participant_id}", x=8,
            y=_r(y + 17), font_size=12, font_weight="bold"),
        _el("text", _fit(lane.who, LABEL_W - 16), tip=lane.who, x=8, y=_r(y + 34), font_size=12),
    ]  # fmt: skip
    for index, row in enumerate(lane.rows):
        marked = is_target and target is not None and row.comm_id == target[1]
        out += _row_svg(row, y + LANE_PAD / 2 + index * ROW_H + (ROW_H - BAR_H) / 2, scale, right, marked)
    return "\n".join([*out, "</g>"])


def _legend(y: float, with_target: bool, with_write: bool) -> list[str]:
    out = [f'<g class="legend" transform="translate(8,{_r(y)})">']
    x = 0.0

    def entry(swatch: str, label: str, gap: float = 19.0) -> None:
        nonlocal x
        out.extend((swatch, _el("text", label, x=_r(x + gap), y=9.5, font_size=11)))
        x += gap + _width(label, 11) + 14

    for kind, colour in COLOURS.items():
        entry(_el("rect", x=_r(x), y=0, width=14, height=10, rx=2, fill=colour), kind)
    entry(
        _el("line", x1=_r(x + 7), y1=-2, x2=_r(x + 7), y2=12, stroke="#333", stroke_width=1.5),
        "ends, wrap-ups",
        14,
    )
    if with_target:
        entry(_el("rect", x=_r(x), y=-1, width=20, height=12, fill=TARGET_FILL, stroke="#222",
                  stroke_dasharray="4 2"), "target", 25)  # fmt: skip
    if with_write:
        entry(_el("line", x1=_r(x + 7), y1=-3, x2=_r(x + 7), y2=13, stroke=WRITE_COLOUR, stroke_width=2,
                  stroke_dasharray="4 2"), "write", 14)  # fmt: skip
    return [*out, "</g>"]


def _write_svg(written_at: dt.datetime, scale: _Scale, bottom: float) -> list[str]:
    x = scale.x(written_at)
    when = _clock((written_at - scale.t0).total_seconds())
    anchor, dx = ("end", -4) if x > PLOT_X + PLOT_W - 90 else ("start", 4)
    return [
        _el("line", tip=f"write at {when}", class_="write", x1=_r(x), y1=TOP - 6, x2=_r(x), y2=bottom,
            stroke=WRITE_COLOUR, stroke_width=2, stroke_dasharray="5 3"),
        _el("text", f"write {when}", x=_r(x + dx), y=TOP - 10, font_size=11, fill=WRITE_COLOUR,
            text_anchor=anchor),
    ]  # fmt: skip


def render_svg(
    conversation: Mapping[str, Any],
    *,
    target: tuple[str, str] | None = None,
    written_at: dt.datetime | None = None,
    title: str | None = None,
) -> str:
    """Draw a conversation as an SVG picture: one lane per leg, one row per communication.

    Args:
        conversation: the ``GET /api/v2/conversations/{id}`` body (camelCase keys, as the API sends it).
        target: ``(participant_id, communication_id)`` to mark as the wrap-up's target.
        written_at: the moment of the write, drawn as a vertical line (naive means UTC).
        title: the heading; None: ``Conversation <id>``.

    Returns:
        A standalone SVG document (no scripts, no external resources); labels are XML-escaped
        and long names are shortened with the full text as a tooltip.

    .. versionadded:: 0.1.0
    """
    found = lanes(conversation)
    if written_at is not None and written_at.tzinfo is None:
        written_at = written_at.replace(tzinfo=dt.timezone.utc)
    seen = moments(conversation, found) + ([written_at] if written_at else [])
    t0 = min(seen, default=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    seconds = max((max(seen, default=t0) - t0).total_seconds(), 1.0)
    right = t0 + dt.timedelta(seconds=seconds * 1.08)  # open intervals run a little past the last event
    scale = _Scale(t0, right)
    body: list[str] = []
    y = float(TOP)
    for lane in found:
        body.append(_lane_svg(lane, y, scale, right, target))
        y += _lane_height(lane)
    if not found:
        body.append(_el("text", "no participants", x=PLOT_X, y=TOP + 20, font_size=12, fill="#555"))
        y += 30
    bottom = y + 4
    height = round(bottom + 82)
    heading = title if title is not None else f"Conversation {conversation.get('id', '')}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img">',
        _el("title", heading),
        _el("rect", width=WIDTH, height=height, fill="#fff"),
        _el("text", _fit(heading, WIDTH - 16, 15 * BOLD), x=8, y=24, font_size=15, font_weight="bold"),
        _el("text", "leg (purpose, name)", x=8, y=TOP - 10, font_size=11, fill="#555"),
        _el("text", "media", x=PLOT_X - 8, y=TOP - 10, font_size=11, fill="#555", text_anchor="end"),
        *_axis(scale, TOP, bottom),
        *body,
        *(_write_svg(written_at, scale, bottom) if written_at is not None else []),
        *_legend(bottom + 56, target is not None, written_at is not None),
        "</svg>",
    ]
    return "\n".join(out) + "\n"


render_timeline = render_svg


@attrs.frozen
class Timeline:
    """A conversation's timeline picture, shown inline in Jupyter (``_repr_svg_``).

    Args:
        conversation: the ``GET /api/v2/conversations/{id}`` body.
        target: ``(participant_id, communication_id)`` to mark.
        written_at: the moment of the write.
        title: the heading.

    .. versionadded:: 0.1.0
    """

    conversation: Mapping[str, Any] = attrs.field(repr=lambda c: f"<conversation {c.get('id')!r}>")
    target: tuple[str, str] | None = None
    written_at: dt.datetime | None = None
    title: str | None = None

    def svg(self) -> str:
        """The SVG document (see :func:`render_timeline`)."""
        return render_svg(self.conversation, target=self.target, written_at=self.written_at, title=self.title)

    def save(self, path: str) -> None:
        """Write the SVG to *path* (UTF-8)."""
        with open(path, "w", encoding="utf-8") as out:
            out.write(self.svg())

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        return f'<div class="wrapupkit-timeline">{self.svg()}</div>'
