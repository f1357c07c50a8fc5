"""The emulator's read-only page at /__emulator__/: what a test ran against it, readable by a person.

The HTML is checked with html.parser (no browser); a screenshot in headless Chromium runs where
Chromium is installed (Debian: ``apt-get install chromium``) and is skipped elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import control

from wrapupkit import RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator, shapes
from wrapupkit.testing import FakeClock


class Page(HTMLParser):
    """Sections by id, with their text, table rows and inline SVG elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, dict[str, Any]] = {}
        self.meta: list[dict[str, str | None]] = []
        self.scripts = 0
        self._section: dict[str, Any] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self._section = {"text": [], "rows": [], "svg": [], "class": found.get("class")}
            self.sections[found.get("id") or ""] = self._section
        elif tag == "meta":
            self.meta.append(found)
        elif tag == "script":
            self.scripts += 1
        elif self._section is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []
        elif self._section is not None and tag in ("svg", "g", "rect", "line"):
            self._section["svg"].append((tag, found))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._section is not None and self._row is not None:
            self._section["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._section is not None:
            self._section["text"].append(data)


def fetch(emulator: Emulator, query: str = "") -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"{emulator.url}/__emulator__/{query}", timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(name="written")
def _written(emulator: Emulator, fake_clock: FakeClock) -> dict[str, Any]:
    """A blind transfer created through the control plane, Bob's wrap-up applied through the SDK."""
    code = emulator.add_code('Sold <&> "well"', id="sold")
    control(emulator, "POST", "/queues", {"name": "Sales", "id": "sales", "codes": [code]})
    for user in ("Ada", "Bob"):
        control(emulator, "POST", "/users", {"name": user, "id": user.lower()})
    fields = {"from_user": "ada", "to_user": "bob", "queue_id": "sales", "id": "conv-page"}
    status, handle = control(emulator, "POST", "/shapes/blind-transfer", fields)
    assert status == 200
    other = emulator.add_shape(shapes.outbound("ada", "sales"))
    emulator.advance(70)
    client = WrapupClient.from_credentials(
        emulator.client_id,
        emulator.client_secret,
        host=emulator.url,
        clock=fake_clock,
        retry=RetryPolicy.no_wait(),
    )
    with client:
        result = client.apply_wrapup("conv-page", code, user_id="bob", notes="private note 4711")
    return {"handle": handle, "result": result, "other": other.id, "code": code}


def test_the_page_lists_conversations_requests_and_wrapups(
    emulator: Emulator, written: dict[str, Any]
) -> None:
    status, content_type, html = fetch(emulator)
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    page = parse(html)
    assert page.scripts == 0
    conversation = page.sections["conversation-conv-page"]
    assert set(page.sections) == {"conversation-conv-page", f"conversation-{written['other']}", "requests"}
    # the timeline, inline: one lane per leg, the written target marked, the write line
    svg = conversation["svg"]
    assert [a.get("data-participant") for t, a in svg if t == "g" and a.get("class") == "lane"] == [
        leg["participant_id"] for leg in written["handle"]["legs"]
    ]
    assert [a for t, a in svg if t == "rect" and a.get("class") == "target"]
    assert [a for t, a in svg if t == "line" and a.get("class") == "write"]
    # the wrap-up written, its code name escaped and shown as text, the notes withheld
    result = written["result"]
    rows = conversation["rows"]
    wrapup_rows = [r for r in rows if result.communication_id in r and "final" in r]
    stored = emulator.wrapup("conv-page", result.participant_id)
    assert stored is not None
    ids = [result.participant_id, result.communication_id]
    expected = [
        "Bob",
        *ids,
        "call",
        'Sold <&> "well" (sold)',
        "final",
        "api",
        stored["endTime"],
        "yes (hidden)",
    ]
    assert wrapup_rows == [expected]
    # the requests that named this conversation: the SDK's reads and its POST, with the notes redacted
    posted = [r for r in rows if r[1] == "POST" and r[2].endswith("/wrapup")]
    assert len(posted) == 1
    assert posted[0][3] == "202"
    assert '"notes": "<redacted>"' in posted[0][4]
    assert any(r[1] == "GET" and r[2] == "/api/v2/conversations/conv-page" for r in rows)
    assert "private note 4711" not in html
    # every request, the login among them, its secret redacted
    every = page.sections["requests"]["rows"]
    assert any(r[2] == "/oauth/token" for r in every)
    assert emulator.client_secret not in html
    assert len(every) - 1 == len(emulator.requests)  # a header row, then one row per request


def test_a_fresh_emulator_says_there_is_nothing_yet(emulator: Emulator) -> None:
    status, _, html = fetch(emulator)
    assert status == 200
    assert "No conversation yet." in html
    assert "No API request yet." in html


def test_refresh_adds_a_meta_tag_and_bad_values_are_refused(emulator: Emulator) -> None:
    assert not [m for m in parse(fetch(emulator)[2]).meta if m.get("http-equiv") == "refresh"]
    refresh = [m for m in parse(fetch(emulator, "?refresh=5")[2]).meta if m.get("http-equiv") == "refresh"]
    assert refresh == [{"http-equiv": "refresh", "content": "5"}]
    status, content_type, _ = fetch(emulator, "?refresh=soon")
    assert (status, content_type) == (400, "application/json")


def test_the_page_is_not_an_api_request(emulator: Emulator) -> None:
    """Reading the page leaves the request log as it was (control-plane calls are not logged)."""
    fetch(emulator)
    assert emulator.requests == []


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_the_page_renders_in_headless_chromium(
    emulator: Emulator, written: dict[str, Any], tmp_path: Path
) -> None:
    """A real browser draws the page: Chromium writes a non-trivial PNG screenshot of it."""
    assert CHROMIUM is not None
    shot = tmp_path / "page.png"
    run = subprocess.run(  # noqa: S603 - a local browser on the local emulator
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1200,1600", f"{emulator.url}/__emulator__/"],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1600)
    assert len(data) > 20_000  # a blank page compresses to a few hundred bytes
