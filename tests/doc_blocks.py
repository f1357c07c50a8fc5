"""The fenced code blocks of the docs, and the stage they run on (tests/test_docs.py runs them).

A block runs unless the line before its fence is a MyST comment ``% docs-test: skip <reason>``
(the comment is not rendered).  Blocks in ``python`` run page by page, in order, in one namespace,
after :data:`PRELUDE`: an emulator on the real clock, the ``GENESYSCLOUD_*`` variables pointing at
it, the names the pages use without defining them (``conversation_id``, ``queue_id`` ...), each
a conversation ready for its wrap-up, and the files ``wrapups.csv`` and ``conversation.json`` (a
saved ``GET /api/v2/conversations/{id}`` body) in the current directory.  A page whose python
blocks use ``boto3`` runs with boto3 pointed at a local ``moto_server`` (``AWS_ENDPOINT_URL``).  A
page that defines ``test_`` functions runs under pytest (with the emulator's pytest fixtures).

``console`` blocks run their commands (``wrapupkit ...`` against an emulator seeded by
:func:`console_stage`, which also gives the shell variables a command may use: ``$CONVERSATION_ID``
...); ``json`` blocks parse; blocks in other languages (``text``) are shown, never run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from wrapupkit.emulator import Emulator


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIP = re.compile(r"^% docs-test: skip (?P<reason>\S.*)$")
_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<lang>[^\s`]*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its text, and why it does not run (if so)."""

    page: str
    line: int
    lang: str
    body: str
    skip: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of *page* (MyST directives such as ``{toctree}`` excluded)."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        lang = match.group("lang")
        if lang.startswith("{"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.match(before)
        found.append(
            Block(
                page=str(page.relative_to(DOCS)),
                line=line,
                lang=lang,
                body=match.group("body"),
                skip=skip.group("reason") if skip else None,
            )
        )
    return found


def all_blocks() -> list[Block]:
    return [block for page in sorted(DOCS.rglob("*.md")) for block in blocks(page)]


# The ids the pages write out literally: conversations with these ids exist on the stage.
LITERAL_IDS = ("5f1c...", "8a2d...", "c41e...", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")

PRELUDE = '''
import csv as _csv
import json as _json
import os as _os

import wrapupkit
from wrapupkit.emulator import Emulator as _Emulator

_stage = _Emulator().start()  # the real clock, on 127.0.0.1; stopped when the process ends
_codes = [_stage.add_code(name) for name in ("Sale", "No Sale", "Survey Complete", "Callback")]
queue_id = _stage.add_queue("Support", codes=_codes)
agent_id = _stage.add_user("Ada")
_os.environ.update(
    GENESYSCLOUD_API_HOST=_stage.url,
    GENESYSCLOUD_OAUTHCLIENT_ID=_stage.client_id,
    GENESYSCLOUD_OAUTHCLIENT_SECRET=_stage.client_secret,
)


def _ready(cid=None):
    """A call that has ended, its agent in after-call work: ready for its wrap-up."""
    return str(_stage.add_conversation(user_id=agent_id, queue_id=queue_id, id=cid).id)


for _cid in LITERAL_IDS:
    _ready(_cid)
conversation_id, first_id, second_id = _ready(), _ready(), _ready()
with open("conversation.json", "w", encoding="utf-8") as _f:
    _json.dump(_stage.conversation_json(_ready()), _f)
rows = [{"conversation_id": _ready(), "code": "Sale"} for _ in range(2)]
items = [(_ready(), "Sale") for _ in range(2)]
more_items = [(_ready(), "No Sale") for _ in range(2)]
with open("wrapups.csv", "w", newline="", encoding="utf-8") as _f:
    _csv.writer(_f).writerows([("conversation_id", "code"), (_ready(), "Sale"), (_ready(), "No Sale")])
emu = _stage  # the testing guide's failure examples act on "emu"
'''.replace("LITERAL_IDS", repr(LITERAL_IDS))

# After a page's blocks: a FastAPI app the page built answers one wrap-up through its endpoint.
EPILOGUE = """
if "app" in globals():
    from fastapi.testclient import TestClient as _TestClient

    with _TestClient(app) as _http:  # runs the app's lifespan, as a server would
        _cid = _ready()
        _answer = _http.post(f"/conversations/{_cid}/wrapup", params={"code": "Sale"}, json={"code": "Sale"})
        assert _answer.status_code == 200, _answer.text
        assert _answer.json()["code"] == "Sale", _answer.text
        assert _stage.wrapup_writes(_cid) == 1
"""


def needs_aws(blocks: list[Block]) -> bool:
    """Whether a page's python blocks use boto3 (they then run with a ``moto_server`` to talk to)."""
    return any(re.search(r"^\s*(import|from) boto3\b", b.body, flags=re.MULTILINE) for b in blocks)


def console_stage(emu: Emulator, cwd: Path) -> dict[str, str]:
    """Seed *emu* for a console block; the shell variables its commands may use (``$USER_ID`` ...).

    ``CONVERSATION_ID`` is a call that has ended, its agent ``USER_ID`` in after-call work on the
    queue ``QUEUE_ID`` (codes Sale and No Sale); *cwd* gets ``conversation.json``, that
    conversation's saved ``GET /api/v2/conversations/{id}`` body, as the python pages do.
    """
    codes = [emu.add_code(name) for name in ("Sale", "No Sale")]
    queue_id = emu.add_queue("Support", codes=codes)
    user_id = emu.add_user("Ada")
    conversation_id = str(emu.add_conversation(user_id=user_id, queue_id=queue_id).id)
    body = emu.conversation_json(conversation_id)
    (cwd / "conversation.json").write_text(json.dumps(body), encoding="utf-8")
    return {"CONVERSATION_ID": conversation_id, "USER_ID": user_id, "QUEUE_ID": queue_id}


_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def expand(word: str, variables: dict[str, str]) -> str:
    """*word* with its ``$NAME`` and ``${NAME}`` replaced from *variables* (KeyError for any other)."""
    return _VARIABLE.sub(lambda m: variables[m.group(1) or m.group(2)], word)
