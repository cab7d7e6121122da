"""Opaque paging tokens: DynamoDB's LastEvaluatedKey, base64 JSON, checked on the way back in."""

from __future__ import annotations

import base64
import json
from typing import Any

from aha_jira.errors import InvalidRequest


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str, key_names: set[str]) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, dict) or set(key) != key_names:
            raise ValueError
        return key
    except (ValueError, TypeError):
        raise InvalidRequest(
            "The paging token is not one this API returned.",
            hint="Pass the 'next' value of the previous page unchanged.",
            code="invalid_cursor",
        ) from None
