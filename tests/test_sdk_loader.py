"""The lazy SDK loader (wrapupkit._http._sdkload): transparent, safe, thread-safe, model-for-model identical.

Every check runs in a fresh interpreter: the loader only acts before anything imported the SDK,
and this test process has imported it in full already.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from small_org import Org
from wrapupkit.emulator import Emulator
from wrapupkit.emulator.conversations.events import event_body
from wrapupkit.emulator.core.media import MEDIA


COUNT_MODELS = 'sum(m.startswith("PureCloudPlatformClientV2.models.") for m in sys.modules)'


def python(code: str, *args: str, lazy: bool = True, stdin: str = "", **env: str) -> Any:
    """Run *code* in a fresh interpreter; its last stdout line is JSON."""
    environ = {k: v for k, v in os.environ.items() if k != "WRAPUPKIT_SDK_LAZY"}
    environ.update(env)
    if not lazy:
        environ["WRAPUPKIT_SDK_LAZY"] = "0"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


SHAPE = """
import json, sys
{before}
import PureCloudPlatformClientV2 as P
star = {{}}
exec("from PureCloudPlatformClientV2 import *", star)
print(json.dumps({{
    "dir": sorted(n for n in dir(P) if not n.startswith("__")),
    "models_dir": sorted(n for n in dir(P.models) if not n.startswith("__")),
    "star": sorted(n for n in star if not n.startswith("__")),
    "configuration": type(star["configuration"]).__name__,
    "same_class": star["ApiClient"] is P.api_client.ApiClient is {probe}.ApiClient,
}}))
"""
LOAD = "; ".join(
    [
        "from wrapupkit._http._sdkload import load",
        "sdk = load()",
        "lazy_types = sdk.ApiClient, sdk.models.Conversation",
    ]
)


@pytest.fixture(scope="module", name="full_shape")
def _full_shape() -> Any:
    return python(SHAPE.format(before="", probe="P"), lazy=False)


@pytest.mark.parametrize("order", ["loader first", "user first"])
def test_the_package_is_complete_in_either_order(full_shape: Any, order: str) -> None:
    """dir(), star-imports and the configuration match the full import, loaded before or after the user."""
    before = LOAD if order == "loader first" else "import PureCloudPlatformClientV2\n" + LOAD
    shape = python(SHAPE.format(before=before, probe="sdk"))
    assert len(full_shape["dir"]) > 6000
    assert shape == full_shape
    assert shape["configuration"] == "Configuration"
    assert shape["same_class"] is True


LAZY_PROBE = f"""
import json, sys, threading
from wrapupkit._http._sdkload import load
sdk = load()
print(json.dumps({{"type": type(sdk).__name__, "models": {COUNT_MODELS}, "names": len(dir(sdk))}}))
"""


def test_loading_imports_only_a_few_models() -> None:
    """The loader leaves thousands of model modules unimported; off, the whole SDK is imported."""
    lazy = python(LAZY_PROBE)
    full = python(LAZY_PROBE, lazy=False)
    assert lazy["type"] == "_LazyPackage"
    assert lazy["models"] < 1000
    assert full["type"] == "module"
    assert full["models"] > 6000
    assert lazy["names"] == full["names"]


APPLY = f"""
import json, sys
from wrapupkit import Notifications, WrapupClient
events = Notifications() if sys.argv[2] == "events" else None
result = WrapupClient.from_env(readiness=events).apply_wrapup(sys.argv[1], "Sale")
if events is not None:
    events.close()
print(json.dumps({{"code": result.code.name, "models": {COUNT_MODELS}}}))
"""


@pytest.mark.parametrize("readiness", ["polling", "events"])
def test_a_first_wrapup_in_a_fresh_process_stays_lazy(emu: Emulator, readiness: str) -> None:
    """A fresh process applies a wrap-up over HTTP (and a notification channel) with a few hundred models."""
    org = Org(emu)
    cid = org.conversation()
    env = {
        "GENESYSCLOUD_API_HOST": emu.url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
    }
    out = python(APPLY, cid, readiness, **env)
    assert out["code"] == "Sale"
    assert out["models"] < 1000
    assert emu.wrapup(cid) is not None
    assert org.posts(cid) == 1
    channels = emu.requests_matching("POST", "notifications/channels")
    assert len(channels) == (1 if readiness == "events" else 0)


BROKEN = f"""
import json, logging, sys
records = []
handler = logging.Handler()
handler.emit = records.append
logging.getLogger("wrapupkit").addHandler(handler)
sys.path[:0] = sys.argv[1:]
from wrapupkit._http._sdkload import load
sdk = load()
api = sdk.ConversationsApi(sdk.ApiClient(host="http://127.0.0.1:9"))
logs = [r.getMessage() for r in records]
print(json.dumps({{"type": type(sdk).__name__, "file": sdk.__file__, "logs": logs,
                  "models": {COUNT_MODELS}, "has_api": hasattr(api, "get_conversation")}}))
"""


def _copy_sdk(tmp_path: Path) -> Path:
    import PureCloudPlatformClientV2

    target = tmp_path / "PureCloudPlatformClientV2"
    shutil.copytree(Path(PureCloudPlatformClientV2.__file__).parent, target)
    return target


@pytest.mark.parametrize(
    "damage",
    ["multi-line import", "unknown statement", "missing required name"],
)
def test_an_unexpected_layout_falls_back_to_the_full_import(tmp_path: Path, damage: str) -> None:
    """A layout the loader does not expect: one log line, the full import, and a working SDK."""
    sdk = _copy_sdk(tmp_path)
    init = sdk / "__init__.py"
    text = init.read_text()
    if damage == "multi-line import":
        text = text.replace(
            "from .api_client import ApiClient", "from .api_client import (\n    ApiClient,\n)"
        )
    elif damage == "unknown statement":
        text += "\nif True:\n    pass\n"
    else:
        text = text.replace("from .models.wrapup_input import WrapupInput\n", "")
    init.write_text(text)
    out = python(BROKEN, str(tmp_path))
    assert out["file"] == str(init)
    assert out["type"] == "module"
    assert out["models"] > 6000
    assert out["has_api"] is True
    assert len(out["logs"]) == 1
    assert "WRAPUPKIT_SDK_LAZY=0" in out["logs"][0]


def test_the_switch_turns_the_loader_off_silently() -> None:
    """WRAPUPKIT_SDK_LAZY=0: the full import, no log line."""
    lazy, full = python(BROKEN), python(BROKEN, lazy=False)
    assert (lazy["type"], full["type"]) == ("_LazyPackage", "module")
    assert lazy["logs"] == full["logs"] == []


THREADS = """
import json, threading
from wrapupkit._http._sdkload import load
sdk = load()
names = sorted(n for n in dir(sdk.models) if n[:1].isupper())[:400]
barrier, seen, errors = threading.Barrier(4), [], []
def resolve(order):
    barrier.wait()
    try:
        seen.append({n: id(getattr(sdk.models, n)) for n in order})
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=resolve, args=(names[::s],)) for s in (1, -1, 1, -1)]
for t in threads: t.start()
for t in threads: t.join()
merged = {}
for d in seen:
    for n, i in d.items():
        merged.setdefault(n, set()).add(i)
ambiguous = [n for n, s in merged.items() if len(s) > 1]
same = all(id(getattr(sdk, n)) == next(iter(merged[n])) for n in merged)
print(json.dumps({"errors": errors, "resolved": len(merged), "ambiguous": ambiguous, "same": same}))
"""


def test_threads_resolving_at_once_get_the_same_classes() -> None:
    """Four threads resolve 400 model names at once: no errors, one class per name, the package's."""
    out = python(THREADS)
    assert out == {"errors": [], "resolved": 400, "ambiguous": [], "same": True}


# -- contract: every model the library and the emulator use deserialises identically --------------------

DESERIALISE = """
import json, sys
from wrapupkit._http._sdkload import load
sdk = load()
class Response:
    def __init__(self, data): self.data = data
    def getheader(self, name, default=None):
        return "application/json" if name.lower() == "content-type" else default
client = sdk.ApiClient(host="http://127.0.0.1:9")
out = []
for type_name, text in json.load(sys.stdin):
    model = client.deserialize(Response(text), type_name)
    items = model if isinstance(model, list) else [model]
    out.append([type_name, [type(m).__module__ + "." + type(m).__name__ for m in items],
                json.dumps(client.sanitize_for_serialization(model), sort_keys=True),
                json.dumps([m.to_dict() for m in items], sort_keys=True, default=repr)])
print(json.dumps({"lazy": type(sdk).__name__ == "_LazyPackage", "out": out}))
"""


def _get(emu: Emulator, method: str, path: str, token: str | None, body: Any = None) -> str:
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None if body is None else json.dumps(body).encode()
    if payload is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=headers)
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def _corpus(emu: Emulator) -> list[tuple[str, str]]:
    """(SDK type name, JSON text) for every response and event shape the library and emulator use."""
    org = Org(emu)
    token = emu.issue_token()
    corpus: list[tuple[str, str]] = []
    handles = []
    for media in MEDIA:
        handles.append(emu.add_conversation(user_id=org.user, queue_id=org.queue, media=media, acw_delay=99))
        done = emu.add_conversation(user_id=org.user, queue_id=org.queue, media=media)
        emu.apply_ui_wrapup(done.id, org.sale)
        handles.append(done)
    for handle in handles:
        text = _get(emu, "GET", f"/api/v2/conversations/{handle.id}", token)
        corpus.append(("Conversation", text))
        corpus.append(("ConversationEventTopicConversation", json.dumps(event_body(json.loads(text)))))
        corpus.append(("QueueConversationEventTopicConversation", json.dumps(event_body(json.loads(text)))))
        base = f"/api/v2/conversations/{handle.id}/participants/{handle.agent_participant_id}"
        corpus.append(("AssignedWrapupCode", _get(emu, "GET", f"{base}/wrapup", token)))
        corpus.append(("list[WrapupCode]", _get(emu, "GET", f"{base}/wrapupcodes", token)))
        segment = MEDIA[handle.media].segment
        if segment is not None:
            path = (
                f"/api/v2/conversations/{segment}/{handle.id}/participants/{handle.agent_participant_id}"
                f"/communications/{handle.agent_communication_id}/wrapup"
            )
            corpus.append(("AssignedWrapupCode", _get(emu, "GET", path, token)))
        if handle.media == "call":
            corpus.append(
                ("CallConversation", _get(emu, "GET", f"/api/v2/conversations/calls/{handle.id}", token))
            )
    corpus += [
        ("Queue", _get(emu, "GET", f"/api/v2/routing/queues/{org.queue}", token)),
        (
            "WrapupCodeEntityListing",
            _get(emu, "GET", f"/api/v2/routing/queues/{org.queue}/wrapupcodes", token),
        ),
        (
            "WrapupCodeEntityListing",
            _get(emu, "GET", "/api/v2/routing/wrapupcodes?pageSize=1&pageNumber=2", token),
        ),
        ("WrapupCode", _get(emu, "GET", f"/api/v2/routing/wrapupcodes/{org.sale}", token)),
        ("WrapupCode", _get(emu, "GET", "/api/v2/routing/wrapupcodes/ININ-WRAP-UP-TIMEOUT", token)),
        ("ErrorBody", _get(emu, "GET", "/api/v2/conversations/ghost", token)),
        ("ErrorBody", _get(emu, "GET", "/api/v2/routing/wrapupcodes", None)),
    ]
    channel = _get(emu, "POST", "/api/v2/notifications/channels", token)
    corpus.append(("Channel", channel))
    topics = f"/api/v2/notifications/channels/{json.loads(channel)['id']}/subscriptions"
    body = [{"id": f"v2.users.{org.user}.conversations"}, {"id": "v2.nonsense"}]
    corpus.append(("ChannelTopicEntityListing", _get(emu, "PUT", topics + "?ignoreErrors=true", token, body)))
    corpus.append(("ChannelTopicEntityListing", _get(emu, "GET", topics, token)))
    return corpus


def test_every_model_deserialises_identically_with_and_without_the_loader(emu: Emulator) -> None:
    """Conversations, listings, codes, errors, channels, topics and events: same classes, same data."""
    corpus = _corpus(emu)
    assert len(corpus) > 80
    lazy = python(DESERIALISE, stdin=json.dumps(corpus))
    full = python(DESERIALISE, lazy=False, stdin=json.dumps(corpus))
    assert (lazy["lazy"], full["lazy"]) == (True, False)
    assert lazy["out"] == full["out"]
    types = {type_name for type_name, *_ in full["out"]}
    assert {"Conversation", "ConversationEventTopicConversation", "ChannelTopicEntityListing"} <= types
    filled = {
        type_name for type_name, _, sanitized, _ in full["out"] if sanitized not in ("null", "{}", "[]")
    }
    assert filled == types
