"""Verifying the JSON Web Tokens Jira signs for Connect, in pure Python (the Lambda layer is built without
native wheels): HS256 with `hmac`, and RS256 (RSASSA-PKCS1-v1_5 with SHA-256) by modular exponentiation and
a comparison of the whole encoded message, as RFC 8017 §8.2.2 prescribes. The tokens we sign for our own
requests to Jira are the Jira client's (`aha_jira.jira.connect_jwt`).

Only the algorithms Connect uses are accepted, and the caller names the one it expects: a token's own
`alg` header never chooses the key type (the classic "alg confusion" attack).
Error messages never contain a token, a key or a secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from aha_jira.models.connect import RsaPublicKey
from aha_jira.models.json_input import JsonRefused, parse_json

# Clocks differ between Atlassian and AWS; Atlassian's own libraries allow a few seconds.
LEEWAY_SECONDS = 30
# Longest lifetime a token may claim (Connect issues them for 3 minutes; allow some room).
MAX_LIFETIME_SECONDS = 15 * 60
# DER DigestInfo prefix of a SHA-256 digest (RFC 8017 §9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class InvalidToken(Exception):
    """The token is malformed, badly signed or out of date. The message says which, never more."""


@dataclass(frozen=True)
class ParsedToken:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def b64url_decode(text: str) -> bytes:
    if not text or any(c not in _B64URL for c in text):
        raise InvalidToken("the token is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("the token is not base64url") from None


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = parse_json(data)  # strict: a claim nested 10,000 deep or a 5,000-digit number is refused
    except JsonRefused:
        raise InvalidToken(f"the token's {what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidToken(f"the token's {what} is not a JSON object")
    return value


def parse(token: str) -> ParsedToken:
    """Split and decode a compact JWS, without verifying anything."""
    if len(token) > 16_384:
        raise InvalidToken("the token is too long")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise InvalidToken("the token is not a signed JWT")
    header = _json_object(b64url_decode(parts[0]), "header")
    claims = _json_object(b64url_decode(parts[1]), "claims")
    return ParsedToken(
        header=header,
        claims=claims,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=b64url_decode(parts[2]),
    )


def _require_alg(parsed: ParsedToken, alg: str) -> None:
    if parsed.header.get("alg") != alg:
        raise InvalidToken(f"the token is not signed with {alg}")


def verify_hs256(parsed: ParsedToken, secret: str) -> None:
    _require_alg(parsed, "HS256")
    expected = hmac.new(secret.encode("utf-8"), parsed.signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, parsed.signature):
        raise InvalidToken("the token's signature does not match")


def verify_rs256(parsed: ParsedToken, key: RsaPublicKey) -> None:
    _require_alg(parsed, "RS256")
    size = (key.modulus.bit_length() + 7) // 8
    if len(parsed.signature) != size:
        raise InvalidToken("the token's signature does not match")
    signature = int.from_bytes(parsed.signature, "big")
    if signature >= key.modulus:
        raise InvalidToken("the token's signature does not match")
    encoded = pow(signature, key.exponent, key.modulus).to_bytes(size, "big")
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(parsed.signing_input).digest()
    padding = size - len(digest_info) - 3
    if padding < 8:
        raise InvalidToken("the signing key is too short")
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info
    if not hmac.compare_digest(encoded, expected):
        raise InvalidToken("the token's signature does not match")


def check_lifetime(claims: dict[str, Any], *, now: float | None = None, leeway: int = LEEWAY_SECONDS) -> None:
    """`exp` and `iat` are required integers; the token must be current and not claim a long life."""
    current = time.time() if now is None else now
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_int(exp) or not _is_int(iat):
        raise InvalidToken("the token has no exp or iat")
    assert isinstance(exp, int) and isinstance(iat, int)
    if exp < current - leeway:
        raise InvalidToken("the token has expired")
    if iat > current + leeway:
        raise InvalidToken("the token was issued in the future")
    if exp - iat > MAX_LIFETIME_SECONDS:
        raise InvalidToken("the token claims too long a lifetime")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
