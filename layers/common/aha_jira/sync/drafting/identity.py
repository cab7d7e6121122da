"""How a drafted issue is recognised again: the entity property stamped on a created issue (a lost create
is found by it) and the hash of what a send manages on the issue (an equal hash needs no edit)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["STAMP_PROPERTY", "content_hash", "stamp_property"]

STAMP_PROPERTY = "aha-jira"


def stamp_property(reference: str, token: str, integration_id: str) -> dict[str, Any]:
    """The entity property stamped on every created issue: how a lost create is found again."""
    return {
        "key": STAMP_PROPERTY,
        "value": {"reference": reference, "token": token, "integration_id": integration_id},
    }


def content_hash(reference: str, edit: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of what a send manages on the issue; equal hashes, nothing to write."""
    canonical = json.dumps(
        {"reference": reference, "edit": edit},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
