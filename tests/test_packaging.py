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
URLS: dict[str, str] = PYPROJECT["project"]["urls"]


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


def test_wheel_metadata_has_the_project_urls(dist: Path) -> None:
    """Every [project.urls] entry is a Project-URL of the wheel, each an absolute https URL."""
    meta, _ = _wheel_metadata(dist)
    urls = dict(line.split(", ", 1) for line in meta.get_all("Project-URL") or [])
    assert {k.lower(): v for k, v in urls.items()} == {k.lower(): v for k, v in URLS.items()}
    assert {"documentation", "source", "issues", "changelog"} <= {k.lower() for k in urls}
    assert all(v.startswith("https://") for v in urls.values())


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


def test_readme_starts_with_install_then_the_example() -> None:
    """A PyPI reader first sees `pip install wrapupkit`, then a short example; checkout commands later."""
    blocks = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.DOTALL)
    assert blocks[0] == ("console", "pip install wrapupkit\n")
    lang, example = blocks[1]
    assert lang == "python"
    assert "import wrapupkit" in example
    assert "apply_wrapup(" in example
    assert len(example.strip().splitlines()) <= 5
    checkout = README.index("## From a checkout")
    assert README.index("python3 run.py demo") > checkout
    assert README.index("python3 run.py test") > checkout


def test_readme_links_work_off_github() -> None:
    """Every README link is absolute: into the docs site (a page that exists) or the repository."""
    docs = URLS["Documentation"].rstrip("/")
    source = URLS["Source"].rstrip("/")
    links = re.findall(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>", README)
    targets = [a or b for a, b in links]
    assert targets, "the README has links"
    for target in targets:
        assert target.startswith(("https://", "http://")), f"relative link {target!r} breaks on PyPI"
        if target.startswith(docs):
            page = target[len(docs) :].lstrip("/")
            page = re.sub(r"^en/latest/?", "", page).split("#")[0]
            if page:
                assert page.endswith(".html"), target
                assert (ROOT / "docs" / page.replace(".html", ".md")).exists(), f"{target}: no such page"
        elif not target.startswith(source):
            assert re.match(r"https://(keepachangelog\.com|semver\.org)", target), f"unexpected link {target}"


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
