"""Authentication the way Jira checks it.

* Cloud: HTTP basic with e-mail + API token; ``Authorization: JWT`` from a registered Connect installation.
  Bearer tokens are refused (Cloud's bearer tokens are OAuth 2.0 access tokens, which the simulator does not
  issue).
* Data Center: HTTP basic with username + password, or ``Authorization: Bearer <personal access token>``.

Connect JWTs are HS256 tokens signed with the installation's shared secret, ``iss`` = the app key (or the
clientKey, for installations registered without a descriptor), with ``iat``
and ``exp`` checked and ``qsh`` = SHA-256 (hex) of the canonical request ``METHOD&path&query``
(Atlassian's "Understanding JWT for Connect apps"): the path is relative to the site's base URL, without a
trailing slash, ``&`` in it encoded as ``%26``; the query parameters except ``jwt`` are decoded, their names
percent-encoded (RFC 3986, space as ``%20``) and sorted, each name's values sorted, encoded and joined with
``,``; parameters joined with ``&``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote

import jwt

from .routing import JiraError

if TYPE_CHECKING:
    from .routing import Request
    from .state import Store, User

JWT_LEEWAY_SECONDS = 30
UNAUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_path(path: str, base_path: str = "") -> str:
    if base_path and path.startswith(base_path.rstrip("/")):
        path = path[len(base_path.rstrip("/")) :]
    if not path.startswith("/"):
        path = "/" + path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path.replace("&", "%26")


def canonical_query(raw_query: str) -> str:
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        if key == "jwt":
            continue
        grouped.setdefault(key, []).append(value)
    parts = []
    for key in sorted(grouped, key=_encode):
        values = sorted(grouped[key])
        parts.append(f"{_encode(key)}={','.join(_encode(v) for v in values)}")
    return "&".join(parts)


def canonical_request(method: str, path: str, raw_query: str, base_path: str = "") -> str:
    return f"{method.upper()}&{canonical_path(path, base_path)}&{canonical_query(raw_query)}"


def query_string_hash(method: str, path: str, raw_query: str, base_path: str = "") -> str:
    return hashlib.sha256(canonical_request(method, path, raw_query, base_path).encode()).hexdigest()


def hub_signature(secret: str, body: bytes) -> str:
    """``X-Hub-Signature`` value for an admin webhook delivery."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Identity:
    user: User | None
    kind: str  # basic | bearer | jwt | none


def _unauthorized(mode: str, reason: str = UNAUTHENTICATED) -> JiraError:
    headers = {
        "WWW-Authenticate": 'Basic realm="protected-area"',
        "X-Seraph-LoginReason": "AUTHENTICATED_FAILED",
    }
    if mode == "cloud":
        headers = {"WWW-Authenticate": 'OAuth realm="https%3A%2F%2Fsimulated.atlassian.net"'}
    return JiraError(401, reason, headers=headers)


def authenticate(
    store: Store, mode: str, credentials: dict[str, str], request: Request, base_path: str = ""
) -> Identity:
    header = request.headers.get("Authorization")
    jwt_param = request.q("jwt")
    if not header and not jwt_param:
        return Identity(None, "none")
    scheme, _, value = (header or "").partition(" ")
    scheme = scheme.lower()
    if jwt_param and not header:
        scheme, value = "jwt", jwt_param
    if scheme == "basic":
        return Identity(_basic(store, mode, credentials, value.strip()), "basic")
    if scheme == "bearer":
        if mode == "cloud":
            raise _unauthorized(mode, "Failed to parse Connect Session Auth Token")
        return Identity(_bearer(store, credentials, value.strip()), "bearer")
    if scheme == "jwt":
        if mode != "cloud":
            raise _unauthorized(mode)
        return Identity(_connect_jwt(store, request, value.strip(), base_path), "jwt")
    raise _unauthorized(mode)


def _basic(store: Store, mode: str, credentials: dict[str, str], value: str) -> User:
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _unauthorized(mode) from exc
    login, sep, secret = decoded.partition(":")
    if not sep:
        raise _unauthorized(mode)
    if mode == "cloud":
        pairs = [
            (credentials["cloud_email"], credentials["cloud_api_token"]),
            (credentials["engineer_email"], credentials["engineer_api_token"]),
        ]
        for email, token in pairs:
            if hmac.compare_digest(login.lower(), email.lower()) and hmac.compare_digest(secret, token):
                user = store.user_by_email(email)
                if user:
                    return user
    else:
        pairs = [
            (credentials["dc_username"], credentials["dc_password"]),
            (credentials["engineer_username"], credentials["engineer_password"]),
        ]
        for name, password in pairs:
            if hmac.compare_digest(login, name) and hmac.compare_digest(secret, password):
                user = store.user_by_name(name)
                if user:
                    return user
    raise _unauthorized(mode)


def _bearer(store: Store, credentials: dict[str, str], token: str) -> User:
    if hmac.compare_digest(token, credentials["dc_pat"]):
        user = store.user_by_name(credentials["dc_username"])
        if user:
            return user
    raise _unauthorized("datacenter")


def _connect_jwt(store: Store, request: Request, token: str, base_path: str) -> User:
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise _unauthorized("cloud", "Could not parse the JWT.") from exc
    issuer = unverified.get("iss")
    # An app signs with iss = its app key (one installation per app per site); registrations made without a
    # descriptor are found by clientKey.
    installation = None
    if issuer:
        installation = store.installations.get(str(issuer)) or next(
            (i for i in store.installations.values() if i.app_key and i.app_key == issuer), None
        )
    if installation is None:
        raise _unauthorized("cloud", "No Connect installation is registered for the JWT issuer.")
    try:
        claims = jwt.decode(
            token,
            installation.shared_secret,
            algorithms=["HS256"],
            options={"require": ["iss", "iat", "exp", "qsh"]},
            leeway=JWT_LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("cloud", "The JWT has expired.") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("cloud", f"The JWT is not valid: {exc}") from exc
    if int(claims["iat"]) > time.time() + JWT_LEEWAY_SECONDS:
        raise _unauthorized("cloud", "The JWT was issued in the future.")
    expected = query_string_hash(request.method, unquote_path(request.path), request.raw_query, base_path)
    if not hmac.compare_digest(str(claims["qsh"]), expected):
        raise _unauthorized("cloud", "The JWT query string hash (qsh) does not match the request.")
    user = store.users.get(installation.user_account_id)
    if user is None:
        raise _unauthorized("cloud")
    return user


def unquote_path(path: str) -> str:
    """The request path as the signer saw it: percent-decoded (the signer hashes the unencoded path)."""
    return unquote(path)
