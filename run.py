#!/usr/bin/env python3
"""Bootstrap and run wrapupkit's two everyday jobs with nothing but Python.

    python3 run.py demo    # the main job: apply a wrap-up on the embedded emulator
    python3 run.py test    # the whole test suite
    python3 run.py check   # ruff and mypy --strict, as CI runs them
    python3 run.py docs    # build the docs site strictly (any warning fails) into build/docs/html
    python3 run.py docs serve [PORT]   # build, then serve it on http://127.0.0.1:PORT (8000)

Each command creates ``.venv`` beside this file on first use, installs wrapupkit
(editable) with what the job needs, then runs the job inside it.  Extra
arguments are passed through (``python3 run.py test -k readiness``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path


ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("WRAPUPKIT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

# What each job installs into the venv: the package with extras, plus tool groups.
JOBS = {
    "demo": (".[emulator]", []),
    "test": (".[emulator,notifications,progress]", ["tests"]),
    "check": (".[emulator,notifications,progress]", ["dev"]),
    "docs": (".[emulator,notifications,progress,redis]", ["docs"]),
}
DOCS_OUT = ROOT / "build" / "docs" / "html"


def _groups(names: list[str]) -> list[str]:
    """Resolve [dependency-groups] from pyproject.toml (pip < 25.1 has no --group)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: read the file with the venv's pip vendored tomli
        out = subprocess.check_output(
            [
                str(PY),
                "-c",
                "import json,sys;from pip._vendor import tomli;"
                "print(json.dumps(tomli.load(open(sys.argv[1],'rb'))))",
                str(ROOT / "pyproject.toml"),
            ]
        )
        import json

        data = json.loads(out)
    else:
        data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    table = data.get("dependency-groups", {})
    reqs: list[str] = []

    def add(group: str) -> None:
        for item in table[group]:
            if isinstance(item, dict):
                add(item["include-group"])
            elif item not in reqs:
                reqs.append(item)

    for name in names:
        add(name)
    return reqs


def ensure(job: str) -> None:
    """Create the venv and install what *job* needs, once per pyproject.toml content."""
    if not PY.exists():
        print(f"run.py: creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec, groups = JOBS[job]
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    stamp = VENV / f".wrapupkit-{job}"
    digest = hashlib.sha256(pyproject + spec.encode() + repr(groups).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"run.py: installing {spec} {' '.join(groups)} into {VENV}", file=sys.stderr)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.check_call([*pip, "-e", spec, *_groups(groups)], cwd=ROOT)
    stamp.write_text(digest)


def docs(rest: list[str], env: dict[str, str]) -> int:
    """Build the site with every warning an error (a broken link or reference fails); optionally serve it."""
    serve = rest[:1] == ["serve"]
    if (rest and not serve) or len(rest) > 2:
        print("usage: python3 run.py docs [serve [PORT]]", file=sys.stderr)
        return 2
    build = [
        str(PY),
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-n",
        "-E",
        "-q",
        "-b",
        "html",
        "-d",
        str(DOCS_OUT.parent / "doctrees"),
        "docs",
        str(DOCS_OUT),
    ]
    rc = subprocess.call(build, cwd=ROOT, env=env)
    if rc or not serve:
        if not rc:
            print(f"docs: built {DOCS_OUT / 'index.html'}", file=sys.stderr)
        return rc
    port = rest[1] if len(rest) > 1 else "8000"
    print(f"docs: serving http://127.0.0.1:{port}/ (Ctrl-C stops)", file=sys.stderr)
    serve_cmd = [str(PY), "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(DOCS_OUT), port]
    try:
        return subprocess.call(serve_cmd, cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in JOBS:
        print(__doc__, file=sys.stderr)
        return 2
    job, rest = argv[0], argv[1:]
    ensure(job)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if job == "demo":
        cmd = [str(PY), "-m", "wrapupkit", "demo", *rest]
    elif job == "test":
        cmd = [str(PY), "-m", "pytest", *rest]
    elif job == "docs":
        return docs(rest, env)
    else:  # check: lint and types, as CI runs them
        paths = ["src", "tests", "bench", "run.py", "docs/conf.py"]
        rc = subprocess.call([str(PY), "-m", "ruff", "check", *paths], cwd=ROOT)
        rc |= subprocess.call([str(PY), "-m", "ruff", "format", "--check", *paths], cwd=ROOT)
        rc |= subprocess.call([str(PY), "-m", "mypy", "--strict", "src/wrapupkit"], cwd=ROOT)
        # The public surface as users type it: expected errors must stay errors (tests/typing).
        rc |= subprocess.call(
            [str(PY), "-m", "mypy", "--strict", "--warn-unused-ignores", "tests/typing"], cwd=ROOT
        )
        return rc
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
