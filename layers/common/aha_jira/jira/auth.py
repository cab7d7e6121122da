"""How requests to Jira are authenticated: one small signer per scheme, chosen per integration.

A signer adds credentials to a prepared request just before it is sent. Connect's JWT signer needs the
final method, path and query (its `qsh` claim hashes them), which is why signing happens on the prepared
request rather than on a session.

Each signer checks that its header can be sent at all: a credential stored before PUT refused control
characters (or one with characters HTTP headers cannot carry) would otherwise make `requests`/`http.client`
raise `ValueError`/`UnicodeEncodeError` with the header, credential included, in the message. It is a
credential problem (`JiraAuthFailed`, raised when the request is signed, so every caller already handles
it), and no message names the value. (Basic and JWT headers are base64: always sendable.)
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Protocol

import requests

from aha_jira.jira.connect_jwt import encode_hs256, url_query_string_hash
from aha_jira.jira.errors import JiraAuthFailed
from aha_jira.redaction import register_secret

# What http.client can send as a header value: Latin-1 without control characters (tab aside).
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


class RequestSigner(Protocol):
    kind: str

    def sign(self, request: requests.PreparedRequest) -> None: ...


def _sendable(header: str, credential: str) -> str:
    """The header, unless http.client would refuse it (and quote it, credential included, in its error)."""
    if _HEADER_VALUE.fullmatch(header):
        return header
    raise JiraAuthFailed(
        f"The stored {credential} contains characters an HTTP header cannot carry (control characters, "
        "line breaks or characters outside Latin-1), so it was not sent to Jira.",
        hint=f"Enter the {credential} again with PUT /integrations/{{id}} (copy it without line breaks), "
        "then test the connection again.",
    )


class BasicSigner:
    """E-mail + API token (Cloud) or username + password (Data Center)."""

    kind = "basic"

    def __init__(self, identity: str, secret: str) -> None:
        token = base64.b64encode(f"{identity}:{secret}".encode()).decode()
        # The header as a whole is a secret too: a dumped request shows it, not the token.
        register_secret(token)
        self._header = f"Basic {token}"

    def sign(self, request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = self._header

    def __repr__(self) -> str:
        return "BasicSigner(<redacted>)"


class BearerSigner:
    """Data Center personal access token."""

    kind = "bearer"

    def __init__(self, token: str) -> None:
        register_secret(token)
        self._header = f"Bearer {token}"

    def sign(self, request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = _sendable(self._header, "personal access token")

    def __repr__(self) -> str:
        return "BearerSigner(<redacted>)"


class ConnectSigner:
    """Jira via Connect: an HS256 JWT per request, signed with the installation's shared secret.

    `iss` is our app key; `qsh` hashes the exact method, path (relative to the site's base URL) and query
    of the prepared request, so a token is good for that one request only, for at most 3 minutes.
    """

    kind = "connect"
    LIFETIME_SECONDS = 180

    def __init__(
        self, app_key: str, shared_secret: str, base_url: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._app_key = app_key
        self._secret = shared_secret
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def sign(self, request: requests.PreparedRequest) -> None:
        now = int(self._clock())
        claims = {
            "iss": self._app_key,
            "iat": now,
            "exp": now + self.LIFETIME_SECONDS,
            "qsh": url_query_string_hash(request.method or "GET", request.url or "", self._base_url),
        }
        request.headers["Authorization"] = f"JWT {encode_hs256(claims, self._secret)}"

    def __repr__(self) -> str:
        return "ConnectSigner(<redacted>)"
