"""The timeline picture: well-formed SVG, a lane per leg, a bar per interval, a legend, escaped labels."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wrapupkit
from wrapupkit import Timeline, render_timeline
from wrapupkit._timeline import render_svg
from wrapupkit.emulator import shapes
from wrapupkit.emulator.conversations.gallery import GALLERY, play_gallery


SVG = "{http://www.w3.org/2000/svg}"
T0 = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.timezone.utc)


def at(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element, kind: str | None = None) -> list[ET.Element]:
    found = [e for e in root.iter(f"{SVG}rect") if "bar" in (e.get("class") or "").split()]
    return [e for e in found if kind is None or kind.replace(" ", "-") in e.get("class", "").split()]


def lanes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def body(agent_name: str = "Ada", *, held: bool = False) -> dict[str, Any]:
    """A transfer: customer, ACD, a first agent who held the call and transferred, a second in ACW."""
    first_call: dict[str, Any] = {
        "id": "c-a", "state": "disconnected", "connectedTime": at(2), "disconnectedTime": at(30),
        "disconnectType": "transfer",
        "afterCallWork": {"state": "complete", "startTime": at(30), "endTime": at(40)},
        "wrapup": {"code": "k1", "name": "Sold", "endTime": at(40)},
    }  # fmt: skip
    if held:
        first_call["segments"] = [{"type": "hold", "startTime": at(10), "endTime": at(15)}]
    return {
        "id": "conv-1",
        "startTime": at(0),
        "participants": [
            {"id": "p-cust", "purpose": "customer", "name": "Customer", "startTime": at(0),
             "calls": [{"id": "c-c", "state": "connected", "connectedTime": at(0), "held": held,
                        "startHoldTime": at(55)}]},
            {"id": "p-acd", "purpose": "acd", "queueName": "Sales", "startTime": at(0),
             "calls": [{"id": "c-q", "state": "disconnected", "connectedTime": at(0),
                        "disconnectedTime": at(0), "disconnectType": "transfer"}]},
            {"id": "p-a", "purpose": "agent", "name": agent_name, "userId": "u-a", "queueName": "Sales",
             "startTime": at(0), "calls": [first_call]},
            {"id": "p-b", "purpose": "agent", "name": "Bob", "userId": "u-b", "startTime": at(30),
             "startAcwTime": at(63),
             "calls": [{"id": "c-b", "state": "disconnected", "startAlertingTime": at(30),
                        "connectedTime": at(33), "disconnectedTime": at(63), "held": True,
                        "startHoldTime": at(50), "afterCallWork": {"state": "pending"}}]},
        ],
    }  # fmt: skip


def test_a_lane_per_participant_and_a_bar_per_interval() -> None:
    root = parse(render_svg(body(held=True), target=("p-b", "c-b"), written_at=T0 + dt.timedelta(seconds=70)))
    assert [g.get("data-participant") for g in lanes(root)] == ["p-cust", "p-acd", "p-a", "p-b"]
    assert len(bars(root, "alerting")) == 2  # A from the leg's start, B from startAlertingTime
    assert len(bars(root, "connected")) == 4
    assert len(bars(root, "after-call work")) == 2  # A's from afterCallWork, B's from startAcwTime
    assert len(bars(root, "disconnected")) == 3  # every leg but the customer's ended
    tips = ["".join(t.itertext()) for b in bars(root, "held") for t in b]
    assert tips == [
        "held from 0:55, 21 s, still open",  # the customer: on hold up to the right edge (1:16)
        "held from 0:10, 5 s",  # a past hold segment on A
        "held from 0:50, 13 s",  # B's hold under way when B disconnected: it ends there
    ]


def test_bars_sit_where_their_times_say() -> None:
    root = parse(render_svg(body()))
    (acw_a, acw_b) = bars(root, "after-call work")
    connected_a = bars(root, "connected")[2]  # lanes: customer, ACD, A, B
    x = float(connected_a.get("x", "0"))
    end = x + float(connected_a.get("width", "0"))
    assert float(acw_a.get("x", "0")) == pytest.approx(end, abs=0.2)  # ACW starts at the disconnect
    assert float(acw_b.get("x", "0")) > float(acw_a.get("x", "0"))


def test_target_write_line_legend_and_axis() -> None:
    svg = render_svg(body(), target=("p-b", "c-b"), written_at=T0 + dt.timedelta(seconds=65), title="Why B")
    root = parse(svg)
    assert [r for r in root.iter(f"{SVG}rect") if r.get("class") == "target"]
    (line,) = [e for e in root.iter(f"{SVG}line") if e.get("class") == "write"]
    assert "write at 1:05" in "".join(line.itertext())
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    words = " ".join(texts(legend[0]))
    for kind in ("alerting", "connected", "held", "after-call work", "disconnected", "target", "write"):
        assert kind in words
    assert "Why B" in texts(root)
    assert {"0:00", "0:30", "1:00"} <= set(texts(root))  # readable ticks, m:ss
    assert any("agent  ★ target" in t for t in texts(root))


def test_without_target_or_write_the_legend_says_neither() -> None:
    words = " ".join(texts(parse(render_svg(body()))))
    assert "target" not in words
    assert "write" not in words


def test_long_names_are_shortened_with_the_full_name_as_tooltip() -> None:
    name = "Ada " + "Lovelace-Byron " * 10
    root = parse(render_svg(body(name)))
    shown = [t for t in root.iter(f"{SVG}text") if (t.findtext(f"{SVG}title") or "").startswith("Ada")]
    (label,) = shown
    assert label.findtext(f"{SVG}title") == f"{name} (Sales)"
    visible = (label.text or "") + "".join(c.tail or "" for c in label)
    assert visible.endswith("…")
    assert len(visible) < 40


NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=80
) | st.sampled_from(
    [
        '<script>alert("x")</script>',
        "A & B",
        '"quoted" <b>',
        "]]>",
        "名前が長い担当者" * 5,
        "Zoë 👩🏽‍💻 Ängström",
    ]
)


@settings(max_examples=60, deadline=None)
@given(name=NAMES, title=st.text(max_size=40))
def test_any_name_is_escaped_and_the_svg_still_parses(name: str, title: str) -> None:
    """Names keep every character (in the tooltip); text XML cannot carry (in *title*) is dropped."""
    conv = body(name)
    conv["participants"][1]["queueName"] = name
    root = parse(render_svg(conv, target=("p-a", "c-a"), title=title))
    assert len(lanes(root)) == 4
    assert not list(root.iter("script"))
    assert not list(root.iter(f"{SVG}script"))
    tooltips = [t.text or "" for t in root.iter(f"{SVG}title")]
    if name.strip():
        assert any(tip.startswith(name) for tip in tooltips)
        assert name in tooltips  # the ACD leg: its queue's name


ODD = [
    {},
    {"participants": None},
    {"participants": ["x", {"purpose": 3}]},
    {"participants": [{"calls": [{"connectedTime": "not a time"}]}]},
]


@pytest.mark.parametrize("broken", ODD)
def test_odd_bodies_still_draw(broken: dict[str, Any]) -> None:
    root = parse(render_svg(broken))
    assert len(lanes(root)) == sum(isinstance(p, dict) for p in broken.get("participants") or [])


SHAPES = {
    "blind_transfer": lambda: shapes.blind_transfer("ada", "bob", "sales"),
    "consult_transfer": lambda: shapes.consult_transfer("ada", "bob", "sales"),
    "conference": lambda: shapes.conference("ada", "bob", "sales"),
    "reoffer": lambda: shapes.reoffer("ada", "sales", offers=3),
    "transfer_back": lambda: shapes.transfer_back("ada", "bob", "sales"),
    "callback_dial": lambda: shapes.callback_dial("ada", "sales"),
    "outbound": lambda: shapes.outbound("ada", "sales"),
    "direct_call": lambda: shapes.direct_call("ada", "bob"),
}


def test_every_emulator_shape_is_in_the_gallery_or_this_list() -> None:
    """A new ready-made shape gets a picture: listed here and drawn below."""
    from wrapupkit.emulator.control.routes import SHAPES as ROUTED

    assert {name.replace("-", "_") for name in ROUTED} == set(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_emulator_shape_renders(name: str) -> None:
    from wrapupkit.emulator.conversations.gallery import Picture

    ((_, conv, _, moment),) = play_gallery((Picture(name, name, lambda _: SHAPES[name]()),))
    root = parse(render_svg(conv, written_at=dt.datetime.fromtimestamp(moment, dt.timezone.utc)))
    assert len(lanes(root)) == len(conv["participants"]) == len(SHAPES[name]().legs)
    comms = sum(len(p.get(k, [])) for p in conv["participants"] for k in ("calls", "callbacks", "emails"))
    assert len(bars(root, "connected")) == sum(
        1 for p in conv["participants"] for k in ("calls", "callbacks", "emails")
        for c in p.get(k, []) if c.get("connectedTime")
    )  # fmt: skip
    assert comms >= len(lanes(root))


def test_every_gallery_picture_renders_with_its_target() -> None:
    from wrapupkit._conversation import select_target
    from wrapupkit.exceptions import WrapupkitError

    slugs = []
    for picture, conv, user_id, moment in play_gallery():
        try:
            chosen = select_target(conv, user_id=user_id)
            target: tuple[str, str] | None = (chosen.participant_id, chosen.communication_id)
        except WrapupkitError:
            target = None
        written = dt.datetime.fromtimestamp(moment, dt.timezone.utc)
        root = parse(render_svg(conv, target=target, written_at=written))
        assert len(lanes(root)) == len(conv["participants"])
        marked = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "target"]
        assert len(marked) == (target is not None)
        slugs.append(picture.slug)
    assert slugs == [p.slug for p in GALLERY]


def test_timeline_wrapper_for_notebooks(tmp_path: Any) -> None:
    picture = Timeline(body(), target=("p-b", "c-b"))
    assert picture._repr_svg_() == render_timeline(body(), target=("p-b", "c-b"))
    assert picture._repr_html_().startswith('<div class="wrapupkit-timeline"><svg')
    assert "conv-1" in repr(picture)
    assert "p-cust" not in repr(picture)  # the body is not dumped into the repr
    out = tmp_path / "t.svg"
    picture.save(str(out))
    parse(out.read_text(encoding="utf-8"))
    assert wrapupkit.render_timeline is render_svg


def test_which_leg_shows_every_gallery_picture_and_the_build_draws_them() -> None:
    """docs/which-leg.md includes each picture the docs build writes (docs/conf.py), and no other."""
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    page = (docs / "which-leg.md").read_text(encoding="utf-8")
    shown = re.findall(r"!\[[^\]]*\]\(_generated/which-leg/([\w-]+)\.svg\)", page)
    assert shown == [p.slug for p in GALLERY]
    conf = (docs / "conf.py").read_text(encoding="utf-8")
    assert 'app.connect("builder-inited", _draw_shapes)' in conf


def test_the_sdk_model_serialised_back_draws_the_same_picture(emu: Any) -> None:
    """The docs' advice: ``sanitize_for_serialization`` of the SDK model gives the camelCase body."""
    import PureCloudPlatformClientV2 as sdk

    user = emu.add_user("Ada")
    queue = emu.add_queue("Sales", codes=[emu.add_code("Sold")])
    conv = emu.add_conversation(user_id=user, queue_id=queue, disconnect_after=30)
    emu.advance(40)
    api = sdk.ApiClient(host=emu.url)
    api.get_client_credentials_token(emu.client_id, emu.client_secret)
    model = sdk.ConversationsApi(api).get_conversation(conv.id)
    raw = parse(render_svg(emu.conversation_json(conv.id)))
    via_sdk = parse(render_svg(api.sanitize_for_serialization(model)))
    assert [(b.get("class"), b.get("x"), b.get("width")) for b in bars(via_sdk)] == [
        (b.get("class"), b.get("x"), b.get("width")) for b in bars(raw)
    ]
    assert len(bars(raw, "after-call work")) == 1
