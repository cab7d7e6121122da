"""The JWT a request to Jira via Connect carries: the canonical request and its hash (`qsh`), and the HS256
token signed with the installation's shared secret (`jira.auth.ConnectSigner`). Verifying the tokens Jira
signs is the Connect use case's (`aha_jira.connect.jwt`, `connect.verification`); both hash requests here.

The canonical request, as Atlassian's "Understanding JWT for Connect apps" defines it and the 78
interoperability vectors in `../shared/reference/connect-jwt/` pin it down:

    <METHOD upper-case>&<path relative to the base URL>&<canonical query>

- path: percent-decoded, relative to the app's (or the site's) base URL, no trailing slash ("/" when
  empty), and `&` in it written as `%26`;
- query: every parameter but `jwt`, names and values decoded; names sorted (by their encoded form), each
  name's values sorted and joined with `,`; names and values percent-encoded per RFC 3986 (space as `%20`,
  only `-_.~` left as they are); pairs joined with `&`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

# Context JWTs (iframe page loads, AP.context.getToken) carry this fixed value instead of a request hash.
CONTEXT_QSH = "context-qsh"


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_path(path: str, base_path: str = "") -> str:
    path = unquote(path or "/")
    base = unquote(base_path).rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :]
    if not path.startswith("/"):
        path = "/" + path
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path.replace("&", "%26")


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """`pairs` are decoded (name, value) pairs, repeated names allowed."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        if name == "jwt":
            continue
        grouped.setdefault(name, []).append(value)
    parts = []
    for name in sorted(grouped, key=_encode):
        values = ",".join(_encode(value) for value in sorted(grouped[name]))
        parts.append(f"{_encode(name)}={values}")
    return "&".join(parts)


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Decoded pairs of a raw query string (`+` is a space, as in form encoding)."""
    return parse_qsl(raw_query, keep_blank_values=True)


def canonical_request(
    method: str, path: str, query: Iterable[tuple[str, str]] | str = (), base_path: str = ""
) -> str:
    pairs = parse_query(query) if isinstance(query, str) else query
    return f"{method.upper()}&{canonical_path(path, base_path)}&{canonical_query(pairs)}"


def query_string_hash(
    method: str, path: str, query: Iterable[tuple[str, str]] | str = (), base_path: str = ""
) -> str:
    return hashlib.sha256(canonical_request(method, path, query, base_path).encode("utf-8")).hexdigest()


def url_query_string_hash(method: str, url: str, base_url: str) -> str:
    """The qsh of a request to `url` signed for a product or app at `base_url` (whose path is stripped)."""
    parts = urlsplit(url)
    return query_string_hash(method, parts.path, parts.query, urlsplit(base_url).path)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_hs256(claims: dict[str, Any], secret: str) -> str:
    header = b64url_encode(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url_encode(signature)}"
