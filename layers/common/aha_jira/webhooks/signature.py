"""Jira admin webhook signatures: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`.

The HMAC is over the raw bytes Jira sent, so the body must not be parsed and re-serialised before it is
checked. Comparison is in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def hub_signature(secret: str, body: bytes) -> str:
    """The header value Jira sends for `body` signed with `secret`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` with `secret`. A missing header, another algorithm
    or a malformed value never matches."""
    if not header:
        return False
    value = header.strip()
    if not value.lower().startswith(PREFIX):
        return False
    expected = hub_signature(secret, body)
    given = PREFIX + value[len(PREFIX) :].lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", errors="replace"))
