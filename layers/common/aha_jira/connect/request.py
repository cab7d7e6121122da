"""What the Connect routes need to know about an incoming request, independent of API Gateway's event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aha_jira.jira.connect_jwt import query_string_hash


@dataclass(frozen=True)
class ConnectRequest:
    method: str
    # The path relative to our base URL (API Gateway's `path`: no stage), as Jira hashes it.
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # keys in lower case
    body: bytes = b""
    # Our public base URL: the descriptor's `baseUrl`, which lifecycle tokens name as their audience.
    base_url: str = ""

    @property
    def qsh(self) -> str:
        # Relative to our base URL: a custom domain's base path (if API Gateway left it in) is not hashed.
        return query_string_hash(self.method, self.path, self.query, urlsplit(self.base_url).path)

    def jwt(self) -> str | None:
        """The token in `Authorization: JWT <token>`, else the `jwt` query parameter (iframe page loads)."""
        header = self.headers.get("authorization", "")
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "jwt" and value.strip():
            return value.strip()
        for name, value in self.query:
            if name == "jwt" and value:
                return value
        return None
