"""The package as PyPI sees it: metadata read back from a built wheel and sdist, and the README."""

from __future__ import annotations

import email.parser
import email.policy
import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement


ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
URLS: dict[str, str] = PYPROJECT["project"].get("urls", {})
# Homes the project does not have (yet): no link may point there.
NO_SUCH_HOMES = ("wrapupkit.readthedocs.io", "github.com/wrapupkit")


@pytest.fixture(scope="module", name="dist")
def _dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist, and a wheel built from that sdist (so the sdist must hold all the wheel needs)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _wheel_metadata(dist: Path) -> tuple[Message, list[str]]:
    (wheel,) = dist.glob("wrapupkit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = zf.read(meta).decode("utf-8")
    return email.parser.Parser(policy=email.policy.compat32).parsestr(text), names


def test_wheel_ships_the_license_and_names_it(dist: Path) -> None:
    """The wheel's metadata says MIT and names LICENSE, and the file is in the wheel with the MIT text."""
    meta, names = _wheel_metadata(dist)
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    (wheel,) = dist.glob("wrapupkit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read(licence).decode().startswith("MIT License")


def test_sdist_ships_the_license_and_names_it(dist: Path) -> None:
    """The sdist's PKG-INFO names LICENSE, and LICENSE, the docs and their config are inside."""
    (sdist,) = dist.glob("wrapupkit-*.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
        (pkg_info,) = [m for m in tf.getmembers() if m.name.endswith("/PKG-INFO") and m.name.count("/") == 1]
        handle = tf.extractfile(pkg_info)
        assert handle is not None
        meta = email.parser.Parser(policy=email.policy.compat32).parsestr(handle.read().decode())
    assert meta.get_all("License-File") == ["LICENSE"]
    assert {"LICENSE", "README.md", "CHANGELOG.md", "docs/conf.py", "docs/index.md"} <= names


def test_wheel_metadata_has_no_url_to_a_home_that_does_not_exist(dist: Path) -> None:
    """The wheel's Project-URLs are pyproject's, and none points at a docs site or repository that
    does not exist (the project has no public home yet)."""
    meta, _ = _wheel_metadata(dist)
    urls = dict(line.split(", ", 1) for line in meta.get_all("Project-URL") or [])
    assert {k.lower(): v for k, v in urls.items()} == {k.lower(): v for k, v in URLS.items()}
    assert [v for v in urls.values() if any(home in v for home in NO_SUCH_HOMES)] == []
    assert meta.get("Home-page") is None


def test_wheel_metadata_has_the_notebook_and_all_extras(dist: Path) -> None:
    """`notebook` brings tqdm and ipywidgets (tqdm's widget needs both); `all` brings every extra."""
    meta, _ = _wheel_metadata(dist)
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"notebook", "all", "progress", "notifications", "emulator"} <= extras
    requires = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]

    def names_for(extra: str) -> set[str]:
        return {
            r.name.lower() for r in requires if r.marker is not None and r.marker.evaluate({"extra": extra})
        }

    assert {"tqdm", "ipywidgets"} <= names_for("notebook")
    assert names_for("all") == set().union(*(names_for(e) for e in extras - {"all"}))


def test_readme_is_the_long_description(dist: Path) -> None:
    """PyPI shows the README: it is the wheel's Markdown description."""
    meta, _ = _wheel_metadata(dist)
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()


README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands_then_install_and_the_example() -> None:
    """The README first gives the checkout's two commands (the demo, the whole test suite: Python is
    all they need), then how to install (from a checkout or a built wheel: not on PyPI yet), then a
    short example."""
    blocks = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.DOTALL)
    lang, commands = blocks[0]
    assert lang == "console"
    assert [line.split("#")[0].strip() for line in commands.strip().splitlines()] == [
        "python3 run.py demo",
        "python3 run.py test",
    ]
    lang, install = blocks[1]
    assert lang == "console"
    assert "not on PyPI yet" in README[: README.index("pip install .")]
    assert re.search(r"^pip install \.\s", install, flags=re.MULTILINE)
    assert re.search(r"^pip wheel .* -w dist \.", install, flags=re.MULTILINE)
    assert re.search(r"^pip install dist/wrapupkit-\*\.whl$", install, flags=re.MULTILINE)
    lang, example = blocks[2]
    assert lang == "python"
    assert "import wrapupkit" in example
    assert "apply_wrapup(" in example
    assert len(example.strip().splitlines()) <= 5


def test_readme_links_point_at_files_that_exist() -> None:
    """Every README link is a file of the repository that exists (docs/*.md, LICENSE, CHANGELOG.md) or
    a known public page; none points at a home the project does not have."""
    links = re.findall(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>", README)
    targets = [a or b for a, b in links]
    assert len(targets) >= 10, "the README links the docs"
    for target in targets:
        assert not any(home in target for home in NO_SUCH_HOMES), target
        if target.startswith(("https://", "http://")):
            assert re.match(r"https://(keepachangelog\.com|semver\.org)", target), f"unexpected link {target}"
        else:
            assert (ROOT / target.split("#")[0]).is_file(), f"{target}: no such file"


def test_no_page_links_a_home_that_does_not_exist() -> None:
    """Neither the docs (pages and their configuration) nor pyproject.toml name the missing homes."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")]
    texts += [(ROOT / "docs" / "conf.py").read_text(encoding="utf-8")]
    texts += [(ROOT / "pyproject.toml").read_text(encoding="utf-8")]
    assert [home for home in NO_SUCH_HOMES for text in texts if home in text] == []


def test_twine_check_passes_on_the_wheel_and_the_sdist(dist: Path) -> None:
    """What PyPI would refuse (a description it cannot render, missing metadata) fails here first."""
    files = sorted(str(p) for p in dist.iterdir() if p.suffix in {".whl", ".gz"})
    assert len(files) == 2
    run = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASSED") == 2
