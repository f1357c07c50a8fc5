"""Packaging promises: the public namespace, cheap import, typing marker, version, the demo."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import types
from pathlib import Path

import wrapupkit
from wrapupkit import exceptions


def test_all_lists_exactly_the_public_names() -> None:
    """__all__ equals the public names bound in the package's namespace (submodules aside).

    Every listed name is loaded first (the clients and bulk runs load on first use), so the
    comparison is with what the package really binds, not with what ``__dir__`` says.
    """
    for name in wrapupkit.__all__:
        assert getattr(wrapupkit, name) is not None
    public = {
        name
        for name, value in vars(wrapupkit).items()
        if name.isidentifier() and not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(wrapupkit.__all__) == public | {"__version__", "exceptions"}
    assert len(wrapupkit.__all__) == len(set(wrapupkit.__all__))
    assert isinstance(wrapupkit.__version__, str)
    assert wrapupkit.exceptions is exceptions


def test_exceptions_module_all_is_complete() -> None:
    """Every exception class in wrapupkit.exceptions is listed in its __all__."""
    classes = {n for n, v in vars(exceptions).items() if isinstance(v, type) and issubclass(v, Exception)}
    assert classes | {"Candidate"} == set(exceptions.__all__)


def test_every_exception_is_importable_from_the_package() -> None:
    """``from wrapupkit import Conflict`` works for every name of wrapupkit.exceptions, the same object."""
    missing = [n for n in exceptions.__all__ if getattr(wrapupkit, n, None) is not getattr(exceptions, n)]
    assert missing == []
    assert set(exceptions.__all__) <= set(wrapupkit.__all__)


def test_exceptions_say_they_live_in_wrapupkit_exceptions() -> None:
    """Reprs, pickles and the API reference name wrapupkit.exceptions, wherever a class is defined."""
    homes = {getattr(exceptions, n).__module__ for n in exceptions.__all__}
    assert homes == {"wrapupkit.exceptions"}


def test_no_docstring_names_a_version_after_this_one() -> None:
    """``versionadded``/``versionchanged`` never name a release later than the package's version."""
    from packaging.version import Version

    root = Path(wrapupkit.__file__).parent
    texts = [p.read_text(encoding="utf-8") for p in root.rglob("*.py")]
    texts += [p.read_text(encoding="utf-8") for p in (root.parents[1] / "docs").rglob("*.md")]
    named = {v for text in texts for v in re.findall(r"version(?:added|changed)::\s*([0-9][\w.]*)", text)}
    assert named, "the docstrings say when names were added"
    current = Version(wrapupkit.__version__)
    assert {v for v in named if Version(v) > current} == set()


def test_import_does_not_load_the_sdk() -> None:
    """import wrapupkit leaves PureCloudPlatformClientV2 (3 s, 200 MB) and backoff unimported, and so do
    the intents and the fleet: no store, AWS, metrics or WebSocket library loads until it is used."""
    heavy = (
        "('PureCloudPlatformClientV2', 'backoff', 'sqlite3', 'redis', 'limits', 'boto3', 'botocore',"
        " 'prometheus_client', 'websockets')"
    )
    code = (
        "import sys, wrapupkit, wrapupkit.intents, wrapupkit.fleet; "
        f"print([m for m in {heavy} if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    out = run.stdout
    assert out.strip() == "[]"


def test_typed_marker_and_version() -> None:
    """The package ships py.typed and reports its installed version."""
    assert (Path(wrapupkit.__file__).parent / "py.typed").exists()
    from importlib.metadata import version

    assert wrapupkit.__version__ == version("wrapupkit")


def test_demo_applies_a_wrapup_after_the_call_ends() -> None:
    """The demo plays a call on the emulator and prints a timeline ending in the applied code."""
    from wrapupkit._demo import run

    out = io.StringIO()
    result = run(call_seconds=0.2, acw_delay=0.2, code="Sale", out=out)
    text = out.getvalue()
    assert result.code.name == "Sale"
    assert result.attempts == 1
    assert text.index("call ended") < text.index("after-call work pending") < text.index("applied")
    assert "1 write recorded" in text
