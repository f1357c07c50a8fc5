"""The docs: every code block runs, they link sources instead of internal notes, CI builds them strictly.

The strict Sphinx build itself (about 20 s) runs in ``.ci/run`` as ``python3 run.py docs``.  How the
blocks run, and how a block that cannot is marked, is in ``tests/doc_blocks.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import wrapupkit
from doc_blocks import EPILOGUE, PRELUDE, Block, all_blocks, console_stage, expand, needs_aws
from wrapupkit.emulator import Emulator


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))


BLOCKS = all_blocks()
RUNNABLE = ("python", "console", "json")
# The most blocks that may be marked not to run: each needs a reason, and the list stays short.
MOST_SKIPPED = 5


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter (or a docs command) on files we wrote
        argv,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
        check=False,
    )


def test_every_block_has_a_known_language_and_few_are_skipped() -> None:
    """Each block says what it is (python, console, json; text for what only shows); the blocks marked
    not to run are few, each with its reason, and only where a run cannot work."""
    assert len(BLOCKS) >= 40
    unknown = [b.where for b in BLOCKS if b.lang not in (*RUNNABLE, "text")]
    assert unknown == [], "give each block a language: python, console, json or text"
    skipped = [(b.where, b.skip) for b in BLOCKS if b.skip is not None]
    assert len(skipped) <= MOST_SKIPPED, skipped
    assert all(len(reason) > 15 for _, reason in skipped), skipped


PAGES_WITH_PYTHON = sorted({b.page for b in BLOCKS if b.lang == "python" and b.skip is None})


@pytest.mark.timeout(240)
@pytest.mark.parametrize("page", PAGES_WITH_PYTHON)
def test_python_blocks_run_as_written(request: pytest.FixtureRequest, tmp_path: Path, page: str) -> None:
    """A page's python blocks run in order in one process against an emulator (and a moto_server if
    they use boto3); a page that defines tests runs under pytest, and its tests pass."""
    blocks = [b for b in BLOCKS if b.page == page and b.lang == "python" and b.skip is None]
    if needs_aws(blocks):
        request.getfixturevalue("aws")  # boto3's environment, which the run inherits, on moto_server
    source = PRELUDE + "".join(f"\n\n# --- {b.where}\n{b.body}" for b in blocks) + "\n" + EPILOGUE
    has_tests = any(re.search(r"^(async )?def test_", b.body, flags=re.MULTILINE) for b in blocks)
    script = tmp_path / ("test_example.py" if has_tests else "example.py")
    script.write_text(source, encoding="utf-8")
    if has_tests:
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", script.name]
    else:
        argv = [sys.executable, script.name]
    done = _run(argv, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    if has_tests:
        tests = sum(len(re.findall(r"^(?:async )?def test_", b.body, flags=re.MULTILINE)) for b in blocks)
        assert re.search(rf"\b{tests} passed\b", done.stdout), done.stdout
        assert not re.search(r"\b(failed|skipped|error)", done.stdout), done.stdout


CONSOLE = [b for b in BLOCKS if b.lang == "console" and b.skip is None]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = set(PYPROJECT["project"]["optional-dependencies"])


def _commands(block: Block) -> list[str]:
    """The commands of a console block: its ``$`` lines if it has any, else every line; no comments."""
    lines = [line for line in block.body.splitlines() if line.strip()]
    if any(line.startswith("$ ") for line in lines):
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in lines if not line.startswith("#")]


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.where)
def test_console_blocks_run(tmp_path: Path, block: Block) -> None:
    """`pip install` lines resolve in this checkout (a dry run, offline) and name extras that exist;
    `wrapupkit` commands run against one emulator per block, seeded by `console_stage` (whose
    `$CONVERSATION_ID` ... they may use), and exit 0."""
    with Emulator() as emu:
        variables = console_stage(emu, tmp_path)
        env = {
            "GENESYSCLOUD_API_HOST": emu.url,
            "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
        }
        for command in _commands(block):
            words = shlex.split(command)
            if words[:2] == ["pip", "install"]:
                for extras in re.findall(r"\[([\w,-]+)\]", command):
                    assert set(extras.split(",")) <= EXTRAS, f"{block.where}: no such extra in {command!r}"
                argv = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-deps"]
                done = _run([*argv, "--no-build-isolation", *words[2:]], ROOT)
            elif words[0] == "wrapupkit":
                try:
                    args = [expand(word, variables) for word in words[1:]]
                except KeyError as unknown:
                    pytest.fail(f"{block.where}: the stage sets no {unknown}, only {sorted(variables)}")
                done = _run([sys.executable, "-m", "wrapupkit", *args], tmp_path, env)
            else:
                pytest.fail(f"{block.where}: no way to run {command!r}; mark the block with its reason")
            said = done.stdout[-2000:] + done.stderr[-2000:]
            assert done.returncode == 0, f"{block.where}: {command}\n{said}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "json"], ids=lambda b: b.where)
def test_json_blocks_parse(block: Block) -> None:
    """A JSON block is JSON (a document, or JSON lines as a journal is)."""
    try:
        json.loads(block.body)
    except ValueError:
        for line in block.body.splitlines():
            json.loads(line)


def test_no_page_cites_internal_research_notes() -> None:
    """Pages, the README and public docstrings link public sources, never genesys-api.md (unshipped)."""
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in [*PAGES, ROOT / "README.md"]}
    for name in wrapupkit.__all__:
        obj = getattr(wrapupkit, name)
        texts[f"wrapupkit.{name}"] = getattr(obj, "__doc__", None) or ""
    cited = sorted(where for where, text in texts.items() if "genesys-api.md" in text)
    assert cited == []


def test_docs_link_the_sources_they_rely_on() -> None:
    """The sources page links the official docs the library follows (SDK docs, Resource Center, forum)."""
    sources = (DOCS / "sources.md").read_text(encoding="utf-8")
    for host in (
        "https://github.com/MyPureCloud/platform-client-sdk-python",
        "https://help.mypurecloud.com/articles/",
        "https://developer.genesys.cloud/",
    ):
        assert f"]({host}" in sources


def test_every_page_is_in_a_table_of_contents() -> None:
    """No page is left out of the site's navigation (Sphinx would also warn, and the strict build fail)."""
    listed: set[str] = set()
    for index in (DOCS / "index.md", DOCS / "api" / "index.md"):
        base = index.parent.relative_to(DOCS)
        for block in re.findall(r"```\{toctree\}\n(.*?)```", index.read_text(encoding="utf-8"), re.DOTALL):
            for line in block.splitlines():
                if line.strip() and not line.startswith(":"):
                    listed.add(str(base / line.strip()) if str(base) != "." else line.strip())
    pages = {str(p.relative_to(DOCS).with_suffix("")) for p in PAGES} - {"index", "api/index"}
    assert pages - listed == set()


def test_ci_builds_the_docs_strictly() -> None:
    """.ci/run builds the docs; the docs job makes every warning (a broken link or reference) fail."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^python3 run\.py docs$", ci, flags=re.MULTILINE)
    run_py = (ROOT / "run.py").read_text(encoding="utf-8")
    build = re.search(r"build = \[(.*?)\]", run_py, flags=re.DOTALL)
    assert build is not None
    flags = set(re.findall(r'"(-[\w-]+)"', build.group(1)))
    assert {"-W", "-n", "--keep-going"} <= flags


def test_docs_serve_binds_loopback_only() -> None:
    """`python3 run.py docs serve` serves on 127.0.0.1, never on every interface."""
    run_py = (ROOT / "run.py").read_text(encoding="utf-8")
    assert '"--bind", "127.0.0.1"' in run_py
    assert "0.0.0.0" not in run_py  # noqa: S104 - the point of the test


def test_api_reference_covers_every_public_name() -> None:
    """Each name a user imports (wrapupkit, .bulk, .emulator, .testing, .exceptions) has an API entry."""
    import wrapupkit.bulk
    import wrapupkit.emulator
    import wrapupkit.testing

    api = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.md"))
    documented = set(
        re.findall(r"^\.\. auto(?:class|function|data|exception):: (\S+)", api, flags=re.MULTILINE)
    )
    modules = set(re.findall(r"^\.\. automodule:: (\S+)", api, flags=re.MULTILINE))
    missing = []
    for module in (wrapupkit, wrapupkit.bulk, wrapupkit.emulator, wrapupkit.testing):
        for name in module.__all__:
            value = getattr(module, name)
            if name == "exceptions" or module.__name__ in modules:
                continue
            if isinstance(value, type) and value.__module__ == "wrapupkit.exceptions":
                continue  # documented once, under wrapupkit.exceptions (automodule)
            if name not in documented and f"{module.__name__}.{name}" not in documented:
                missing.append(f"{module.__name__}.{name}")
    assert "wrapupkit.exceptions" in modules
    assert missing == []


def test_strategy_guide_states_the_real_defaults() -> None:
    """The defaults the strategy guide gives for Polling and ReadinessStrategy are the classes' own."""
    text = " ".join((DOCS / "howto" / "strategy.md").read_text(encoding="utf-8").split())

    class Bare(wrapupkit.ReadinessStrategy):
        def decide(self, ctx: wrapupkit.ReadinessContext) -> wrapupkit.Decision:
            return wrapupkit.Decision.ready()

    for name, instance in (("Polling", wrapupkit.Polling()), ("ReadinessStrategy", Bare())):
        sentence = re.search(rf"`{name}`'s defaults: (.*?)[.;] ", text)
        assert sentence is not None, name
        stated = dict(re.findall(r"`(\w+)` ([\d.]+)", sentence.group(1)))
        assert len(stated) >= 5, stated
        assert {k: float(v) for k, v in stated.items()} == {k: float(getattr(instance, k)) for k in stated}
