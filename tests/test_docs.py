"""The docs: their examples run, they link sources instead of internal notes, CI builds them strictly.

The strict Sphinx build itself (about 20 s) runs in ``.ci/run`` as ``python3 run.py docs``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import wrapupkit


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)


def _run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "test_example.py"
    test_file.write_text(source, encoding="utf-8")
    return subprocess.run(  # noqa: S603 - our own interpreter on a file we wrote
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("page", ["howto/testing.md", "howto/strategy.md"])
def test_guide_examples_run_as_written(tmp_path: Path, page: str) -> None:
    """The guide's code that defines things (functions, classes, tests) runs under pytest and passes."""
    blocks = [b for b in _python_blocks(DOCS / page) if re.search(r"^(def|class) ", b, flags=re.MULTILINE)]
    assert any("def test_" in b for b in blocks), f"{page} has a test to run"
    run = _run_pytest(tmp_path, "\n\n".join(blocks))
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b[1-9]\d* passed\b", run.stdout), run.stdout


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
