"""Client-credentials login that tracks the token's expiry, and region names.

The SDK's ``get_client_credentials_token()`` drops ``expires_in`` and never
refreshes a client-credentials token (genesys-api.md 4.2), so wrapupkit logs in
itself, on the same transport, and logs in again shortly before expiry or once
after a 401.  The secret and the token live only on this object and never
appear in its repr, in logs or in messages.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from wrapupkit._clock import Clock
from wrapupkit._http._share import SharedToken, TokenShare, share_key
from wrapupkit.exceptions import AuthenticationError, ConfigurationError, GenesysAPIError, StoreError


__all__ = ["REGIONS", "ClientCredentials", "api_host_for", "check_token", "header_safe", "read_env"]

log = logging.getLogger("wrapupkit")

# PureCloudRegionHosts in SDK 269 (genesys-api.md 4.3); region keys as the SDK names them.
REGIONS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}

# Environment variables: the gc CLI / Terraform names first, the SDK README's second.
ENV_NAMES: dict[str, tuple[str, ...]] = {
    "client_id": ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYS_CLOUD_CLIENT_ID"),
    "client_secret": ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "GENESYS_CLOUD_CLIENT_SECRET"),
    "region": ("GENESYSCLOUD_REGION", "GENESYS_CLOUD_REGION"),
    # GENESYSCLOUD_API_REGION is what Genesys's own blueprints call the API URL (genesys-api.md 2.5).
    "api_host": ("GENESYSCLOUD_API_HOST", "GENESYSCLOUD_API_REGION", "GENESYS_CLOUD_API_HOST"),
    "access_token": ("GENESYSCLOUD_ACCESS_TOKEN", "GENESYS_CLOUD_ACCESS_TOKEN"),
}

# Log in again this long before the token expires (a quarter of a shorter token's life).
REFRESH_MARGIN = 60.0
# How long a process waits for another's fleet-wide login before it logs in itself.
LOGIN_LOCK_WAIT = 30.0


def api_host_for(region: str) -> str:
    """The API base URL for a region key (``us_east_1``, ``us-east-1``), a domain or a URL.

    Raises:
        ConfigurationError: for an unknown region.
    """
    value = region.strip()
    url = re.match(r"^(https?://)([^/?#]+)(.*)$", value)
    if url:
        scheme, host, rest = url.groups()
        if host.lower().startswith("login."):  # the OAuth host: the API lives on api.<same domain>
            domain = host.lower().removeprefix("login.")
            if domain not in REGIONS.values():
                raise ConfigurationError(
                    f"{value!r} is a login URL, not an API URL; use https://api.<region domain> "
                    f"(for example https://api.mypurecloud.com)."
                )
            return f"{scheme}api.{domain}"
        if rest.strip("/"):
            raise ConfigurationError(f"{value!r} has a path; give the API base URL only (https://api.…).")
        return f"{scheme}{host}"
    key = value.lower().replace("-", "_")
    if key in REGIONS:
        return f"https://api.{REGIONS[key]}"
    domain = value.lower().removeprefix("api.").removeprefix("login.")
    if domain in REGIONS.values():
        return f"https://api.{domain}"
    known = ", ".join(sorted(REGIONS))
    raise ConfigurationError(
        f"Unknown Genesys Cloud region {region!r}; expected one of {known}, a domain or a URL."
    )


def read_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings found in the environment, by setting name (secrets included: never log this)."""
    env = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for setting, names in ENV_NAMES.items():
        for name in names:
            value = env.get(name, "").strip()
            if value:
                found[setting] = value
                break
    return found


def check_token(token: object, *, error: type[Exception] = ConfigurationError) -> str:
    """*token* if it can be sent as ``Authorization: Bearer <token>``; the token is never echoed.

    Raises:
        ConfigurationError: (or *error*) an empty token, a line break or a character outside Latin-1.
    """
    if not isinstance(token, str) or not token.strip():
        raise error("The access token is empty or not a string; nothing was sent.")
    if not header_safe(token):
        raise error(
            "The access token is malformed (a control character or a character outside Latin-1); "
            "nothing was sent."
        )
    return token


def header_safe(value: str) -> bool:
    """*value* can go in an HTTP header: no control character (CR, LF ...), nothing outside Latin-1."""
    return not _BAD_HEADER.search(value) and (value.isascii() or _latin1(value))


_BAD_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # tab is allowed inside a header value


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


# The statuses with which /oauth/token refuses the credentials themselves; anything else
# (429, 5xx) is a failure of the moment, retried like any request.
_REFUSED = frozenset({400, 401, 403})


class ClientCredentials:
    """A client-credentials login for one ``ApiClient``, refreshed before it expires.

    Thread-safe: one login at a time, shared by every thread that needs it.  A refusal of
    the credentials (400, 401 or 403 from ``/oauth/token``) is remembered: every later
    call fails at once with the same :class:`~wrapupkit.exceptions.AuthenticationError`,
    without asking again.  A 429 or a 5xx is raised as the API error it is (retried).

    With a *share* (a :class:`~wrapupkit._http._share.TokenShare`), the processes of one OAuth
    client use one token: a process adopts the shared token when it has none or its own was
    rejected, and logs in only under the fleet-wide login lock, after checking again that no
    other process replaced the expiring or rejected token meanwhile.  A share that cannot be
    reached is logged and bypassed (this process logs in for itself).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        api_client: Any,
        transport: Any,
        clock: Clock,
        share: TokenShare | None = None,
    ) -> None:
        if not client_id or not client_secret:
            raise ConfigurationError("client_id and client_secret must both be set.")
        self.client_id = client_id
        self._secret = client_secret
        self._api_client = api_client
        self._transport = transport
        self._clock = clock
        self._lock = threading.Lock()
        self._expires_at: float | None = None
        self._margin = REFRESH_MARGIN
        self._stale = False
        self._rejected: str | None = None
        self._refused: AuthenticationError | None = None
        self.share = share
        self.share_key = share_key(str(api_client.host), client_id)

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret='***')"

    def _login_url(self) -> str:
        host: str = self._api_client.host
        return re.sub(r"//api\.", "//login.", host, count=1) + "/oauth/token"

    def login(self) -> None:
        """Request a new token now (and keep it in the share, if there is one).

        Raises:
            AuthenticationError: the credentials were refused, or the answer holds no usable token.
            GenesysAPIError: a 429 or 5xx from ``/oauth/token`` (retryable).
            TransportError: no usable answer.
        """
        from PureCloudPlatformClientV2.http_request_options import HttpRequestOptions

        basic = base64.b64encode(f"{self.client_id}:{self._secret}".encode()).decode("ascii")
        options = HttpRequestOptions(
            url=self._login_url(),
            method="POST",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            post_params={"grant_type": "client_credentials"},
        )
        try:
            response = self._transport.request(options)
        except GenesysAPIError as exc:
            if exc.status not in _REFUSED:
                raise
            where = f" (correlation id {exc.correlation_id})" if exc.correlation_id else ""
            self._refused = AuthenticationError(
                f"Login for client {self.client_id} failed with HTTP {exc.status} "
                f"at {self._login_url()}{where}.",
                status=exc.status,
                correlation_id=exc.correlation_id,
            )
            raise _again(self._refused) from None
        try:
            data = json.loads(response.data)
            token = check_token(data["access_token"], error=AuthenticationError)
        except (ValueError, KeyError, TypeError):
            raise AuthenticationError(
                f"Login for client {self.client_id} returned no usable access token.",
                status=int(response.status),
            ) from None
        expires_in = data.get("expires_in")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, (int, float))
            and not isinstance(expires_in, bool)
            and 0 < expires_in < 1e9
            else None
        )
        self._use(token, lifetime, lifetime)
        log.info("logged in as client %s (token valid %ss)", self.client_id, expires_in)
        if self.share is not None:
            wall = None if lifetime is None else self._clock.time() + lifetime
            shared = SharedToken(token, wall, lifetime)
            self._shared("put_token", lambda share: share.put_token(self.share_key, shared))

    def _use(self, token: str, remaining: float | None, lifetime: float | None) -> None:
        """Send *token* from now on: valid *remaining* more seconds, of *lifetime* in all."""
        self._api_client.access_token = token
        self._stale = False
        self._expires_at = None if remaining is None else self._clock.monotonic() + remaining
        self._margin = _margin(lifetime)

    def _fresh(self) -> bool:
        """The token in hand may be sent (there is one, not rejected, not about to expire)."""
        return not (
            self._stale
            or not self._api_client.access_token
            or (self._expires_at is not None and self._clock.monotonic() >= self._expires_at - self._margin)
        )

    def ensure_fresh(self) -> str:
        """Log in if there is no token, it was rejected, or it expires within a minute; returns the token.

        Raises:
            AuthenticationError: the credentials were refused (now or earlier).
        """
        with self._lock:
            if self._refused is not None:
                raise _again(self._refused)
            if not self._fresh() and (self.share is None or not self._adopt_or_login()):
                self.login()
            return str(self._api_client.access_token)

    def _adopt_or_login(self) -> bool:
        """Take the shared token, or log in under the fleet's lock; False when the share failed."""
        if self._adopt():
            return True
        share = self.share
        assert share is not None  # noqa: S101
        try:
            with share.login_lock(self.share_key, timeout=LOGIN_LOCK_WAIT) as held:
                if not held:
                    log.warning("the shared login lock was not free within %ss; logging in", LOGIN_LOCK_WAIT)
                if self._adopt():  # another process logged in while this one waited
                    return True
                self.login()
                return True
        except StoreError as exc:
            log.warning("the token share failed (%s); logging in for this process", exc)
            return False

    def _adopt(self) -> bool:
        """Use the shared token if it is neither the one rejected nor about to expire."""
        found = self._shared("get_token", lambda share: share.get_token(self.share_key))
        if not isinstance(found, SharedToken) or found.token == self._rejected:
            return False
        if found.token == self._api_client.access_token and self._stale:
            return False
        remaining = None if found.expires_at is None else found.expires_at - self._clock.time()
        if remaining is not None and remaining <= _margin(found.lifetime):
            return False  # about to expire: it is for this process to renew it, under the lock
        try:
            check_token(found.token)
        except ConfigurationError:
            return False
        self._use(found.token, remaining, found.lifetime)
        log.debug("using the shared token of client %s", self.client_id)
        return True

    def _shared(self, what: str, action: Callable[[TokenShare], object]) -> object:
        """Run *action* on the share; a failure of the share is logged and read as "nothing"."""
        if self.share is None:
            return None
        try:
            return action(self.share)
        except StoreError as exc:
            log.warning("token share %s failed: %s", what, exc)
            return None

    def invalidate(self, token: str | None) -> bool:
        """Genesys answered 401 to *token*: the next :meth:`ensure_fresh` logs in (or adopts the
        token another process got since), unless another thread already replaced that token.
        The shared token is dropped too if it is still *token*.  Returns True (send again)."""
        with self._lock:
            if token is None or self._api_client.access_token == token:
                self._stale = True
                self._rejected = token or self._api_client.access_token
        if token is not None:
            self._shared("drop_token", lambda share: share.drop_token(self.share_key, token))
        return True


def _margin(lifetime: float | None) -> float:
    """How long before expiry a token is renewed: a minute, or a quarter of a shorter life
    (a token valid less than the margin would otherwise be renewed on every call)."""
    return REFRESH_MARGIN if lifetime is None else min(REFRESH_MARGIN, lifetime / 4)


def _again(refused: AuthenticationError) -> AuthenticationError:
    """A fresh copy of a remembered refusal (re-raising one object would grow its traceback)."""
    return AuthenticationError(str(refused), status=refused.status, correlation_id=refused.correlation_id)
