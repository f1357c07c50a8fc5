"""Sphinx configuration for the wrapupkit docs site (why Sphinx: see about-these-docs.md).

Build it with ``python3 run.py docs`` (strict: ``-W -n``, so a broken link, a missing page or an
unresolved cross-reference fails the build) and serve it with ``python3 run.py docs serve``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging as sphinx_logging


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import wrapupkit  # noqa: E402


project = "wrapupkit"
author = "wrapupkit developers"
copyright = "2026, wrapupkit developers"
release = wrapupkit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",  # the pages are Markdown (CommonMark + tables)
    "sphinx.ext.autodoc",  # the API reference, from the docstrings
    "sphinx.ext.napoleon",  # docstrings are Google style (Args/Returns/Raises/Attributes)
]
# No sphinx.ext.viewcode: the code lives in the repository (the theme links it), and its
# comments may cite internal notes that the site must not.

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]

# Markdown: anchors for "page.md#section" links, and ``{eval-rst}`` blocks for autodoc.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# Google style only.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"  # no "Return type: None" on classes
autodoc_typehints_format = "short"
autodoc_preserve_defaults = False  # True prints attrs defaults as attr_dict[...]
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "both"
add_module_names = False
python_use_unqualified_type_names = True

# Strict mode (-n) resolves every type in every signature.  Standard-library and third-party
# types have no page here (no intersphinx: the build needs no network), and private
# implementation types are deliberately undocumented; everything public must resolve.
_STDLIB = (
    "str|int|float|bool|bytes|object|type|None|NoneType|Ellipsis|dict|list|tuple|set|frozenset|"
    "BaseException|Exception|KeyboardInterrupt|ValueError|TypeError|LookupError|TimeoutError|"
    "ConnectionError|Any|Literal|Callable|Iterator|Iterable|Mapping|Sequence|Generator|Awaitable|"
    "IO|TextIO|PathLike|Self|TracebackType|Protocol|Enum|StrEnum|"
    "(dt|time|datetime|collections|typing|os|io|types|threading|concurrent|logging|enum|pathlib|"
    "_io|_thread|abc|asyncio|contextlib|email|http|socketserver|ssl|urllib3|attr|attrs|"
    "PureCloudPlatformClientV2|websockets|tqdm|pytest|_pytest)(\\..*)?"
)
nitpick_ignore_regex = [
    (r"py:(class|obj|exc|data|func|meth|attr|mod)", _STDLIB),
    (r"py:(class|obj|exc|data|func|meth|attr|mod)", r"(wrapupkit\.)?.*\b_[a-z]\w*.*"),  # private
    (r"py:(class|obj|data)", r"(wrapupkit\.)?(Readiness|Caller|Transport|Request|JSON|Json\w*|T|R|_T)"),
    (r"py:(class|obj|data)", r"(wrapupkit\.)?Offload"),
    # Protocols and per-call objects that the signatures name but users never build themselves.
    (r"py:class", r"(wrapupkit\.)?(AsyncBulkClient|AsyncChannelEvents|Opening|Gated)"),
    # The emulator's internals (its services' state) are not part of its documented API.
    (r"py:(class|obj)", r"wrapupkit\.emulator\.(auth|control|conversations|core|notifications|routing)\..*"),
]

html_theme = "furo"
html_title = f"wrapupkit {release}"
html_static_path: list[str] = []
html_theme_options: dict[str, str] = {}  # no source_repository: the project has no public home yet
html_copy_source = False
html_show_sourcelink = False

# The docs link sources; they never cite the project's internal research notes by file name
# (that file ships nowhere).  Pages and docstrings alike: a citation is a warning, so an error.
_FORBIDDEN = re.compile(r"genesys-api\.md")
_log = sphinx_logging.getLogger("wrapupkit.docs")


def _check_page(app: Sphinx, docname: str, source: list[str]) -> None:
    if _FORBIDDEN.search(source[0]):
        _log.warning("cites genesys-api.md; link the source it names instead", location=docname)


def _check_docstring(  # noqa: PLR0917 - Sphinx's event signature
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if any(_FORBIDDEN.search(line) for line in lines):
        _log.warning("the docstring of %s cites genesys-api.md; link the source instead", name)


def _check_output(app: Sphinx, exception: BaseException | None) -> None:
    if exception is None and app.builder.format == "html":
        for page in Path(app.outdir).rglob("*.html"):
            if _FORBIDDEN.search(page.read_text(encoding="utf-8")):
                _log.warning("%s cites genesys-api.md", page.relative_to(app.outdir))


# The pictures of docs/which-leg.md: each emulator shape of its table, played to one moment and
# drawn with the rule's choice marked, at every build (docs/_generated/ is not committed), so the
# pictures show what the code does today.
GENERATED = Path(__file__).resolve().parent / "_generated" / "which-leg"


def _draw_shapes(app: Sphinx) -> None:
    import datetime as dt

    from wrapupkit._conversation import select_target
    from wrapupkit._timeline import render_svg
    from wrapupkit.emulator.conversations.gallery import play_gallery
    from wrapupkit.exceptions import WrapupkitError

    GENERATED.mkdir(parents=True, exist_ok=True)
    for picture, conversation, user_id, moment in play_gallery():
        title, target, written_at = picture.title, None, None
        try:
            chosen = select_target(conversation, user_id=user_id)
        except WrapupkitError as exc:
            title += f": {type(exc).__name__}"
        else:
            target = (chosen.participant_id, chosen.communication_id)
            leg = next(p for p in conversation["participants"] if p["id"] == chosen.participant_id)
            comm = next(c for v in leg.values() if isinstance(v, list) for c in v
                        if isinstance(c, dict) and c.get("id") == chosen.communication_id)  # fmt: skip
            if leg.get("wrapup"):
                title += ": already wrapped up (reported, not written)"
            elif (comm.get("afterCallWork") or {}).get("state") == "pending":
                written_at = dt.datetime.fromtimestamp(moment, dt.timezone.utc)  # the write happens now
            else:
                title += " (the write waits for its after-call work)"
        svg = render_svg(conversation, target=target, written_at=written_at, title=title)
        (GENERATED / f"{picture.slug}.svg").write_text(svg, encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", _draw_shapes)
    app.connect("source-read", _check_page)
    app.connect("autodoc-process-docstring", _check_docstring)
    app.connect("build-finished", _check_output)
