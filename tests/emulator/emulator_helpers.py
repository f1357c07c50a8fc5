"""Helpers for the emulator's tests: SDK clients without hidden retries, raw HTTP, error bodies."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import PureCloudPlatformClientV2 as sdk
import pytest
import urllib3
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient
from PureCloudPlatformClientV2.rest import ApiException, RESTResponse

from wrapupkit.emulator import Emulator


T = TypeVar("T")


class NoRetryHttpClient(AbstractHttpClient):  # type: ignore[misc]
    """An SDK HTTP client on ``urllib3.PoolManager(retries=False)``: no hidden retries, optional timeout."""

    def __init__(self, timeout: float | None = None) -> None:
        super().__init__()
        self.pool = urllib3.PoolManager(retries=False, timeout=timeout)

    def request(self, http_request_options: Any) -> RESTResponse:
        options = http_request_options
        headers = dict(options.headers or {})
        url = options.url
        if options.query_params:
            url += "?" + urlencode(options.query_params)
        body: str | None = None
        if headers.get("Content-Type") == "application/x-www-form-urlencoded":
            body = urlencode(options.post_params or {})
        elif options.method in ("POST", "PUT", "PATCH"):
            body = json.dumps(options.body)
        response = RESTResponse(self.pool.request(options.method, url, body=body, headers=headers))
        response.data = response.data.decode("utf8")
        if response.status not in range(200, 206):
            raise ApiException(http_resp=response)
        return response


def sdk_client(emu: Emulator, http_client: AbstractHttpClient | None = None, *, login: bool = True) -> Any:
    """An ``ApiClient`` pointed at the emulator, logged in with the default client."""
    api = sdk.ApiClient(host=emu.url)
    if http_client is not None:
        api.set_http_client(http_client)
    if login:
        api.get_client_credentials_token(emu.client_id, emu.client_secret)
    return api


def client_with_token(emu: Emulator, token: str, http_client: AbstractHttpClient | None = None) -> Any:
    api = sdk_client(emu, http_client, login=False)
    api.access_token = token
    return api


def error_of(exc: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    """The JSON body of an SDK ``ApiException``."""
    body: dict[str, Any] = json.loads(exc.value.body)
    return body


def deprecated_call(fn: Callable[[], T]) -> T:
    """Call a deprecated SDK method (cobrowse/screenshare), asserting its DeprecationWarning."""
    with pytest.warns(DeprecationWarning, match="deprecated"):
        return fn()


@dataclass
class Raw:
    status: int
    headers: http.client.HTTPMessage
    body: Any
    text: str


def raw_request(
    emu: Emulator,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Raw:
    """One request with http.client: no SDK, no retries, any status."""
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    payload = data if data is not None else (None if body is None else json.dumps(body).encode())
    if payload is not None:
        sent.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        text = response.read().decode()
        parsed = json.loads(text) if text else None
        return Raw(response.status, response.headers, parsed, text)
    finally:
        conn.close()


@dataclass
class Org:
    """Ids of the seeded organisation: codes by name, one queue holding Sale/No Sale, one user."""

    codes: dict[str, str]
    queue: str
    user: str


def wrapup_input(code: str | None = None, **fields: Any) -> Any:
    """A ``WrapupInput`` built the SDK way (no constructor kwargs)."""
    body = sdk.WrapupInput()
    if code is not None:
        body.code = code
    for name, value in fields.items():
        setattr(body, name, value)
    return body


def control(emu: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the control plane with urllib.request; returns (status, parsed JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (http URL of the local emulator)
        f"{emu.url}/__emulator__/{path.lstrip('/')}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def fetch(url: str, timeout: float = 5) -> int:
    """GET *url* with urllib; returns the status (raises URLError when nothing listens)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (local http URL)
        return int(response.status)


def stored_wrapup(emu: Emulator, conversation_id: str, participant_id: str | None = None) -> dict[str, Any]:
    """emu.wrapup(), asserting that a wrap-up is stored."""
    found = emu.wrapup(conversation_id, participant_id)
    assert found is not None, f"no wrap-up stored for {conversation_id}"
    return found
