"""How requests to Jira are authenticated: one small signer per scheme, chosen per integration.

A signer adds credentials to a prepared request just before it is sent. Connect's JWT signer needs the
final method, path and query (its `qsh` claim hashes them), which is why signing happens on the prepared
request rather than on a session.
"""

from __future__ import annotations

import base64
from typing import Protocol

import requests


class RequestSigner(Protocol):
    kind: str

    def sign(self, request: requests.PreparedRequest) -> None: ...


class BasicSigner:
    """E-mail + API token (Cloud) or username + password (Data Center)."""

    kind = "basic"

    def __init__(self, identity: str, secret: str) -> None:
        token = base64.b64encode(f"{identity}:{secret}".encode()).decode()
        self._header = f"Basic {token}"

    def sign(self, request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = self._header

    def __repr__(self) -> str:
        return "BasicSigner(<redacted>)"


class BearerSigner:
    """Data Center personal access token."""

    kind = "bearer"

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def sign(self, request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = self._header

    def __repr__(self) -> str:
        return "BearerSigner(<redacted>)"
