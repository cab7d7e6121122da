"""Opaque paging tokens: DynamoDB's LastEvaluatedKey, base64 JSON, checked on the way back in."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from aha_jira.errors import InvalidRequest
from aha_jira.models.json_input import JsonRefused, parse_json

# Our keys are short strings (an id, a reference, a time); a token holding more is not ours.
_MAX_KEY_VALUE_LENGTH = 1024


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(
    cursor: str, key_names: set[str], *, fixed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The key a token of ours encodes: exactly `key_names`, each a short string attribute, and the
    values in `fixed` (the partition being paged) as they are. Anything else is a 400: DynamoDB must
    never see a start key it would refuse."""
    try:
        key = parse_json(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, dict) or set(key) != key_names:
            raise ValueError
        for name, value in key.items():
            text = value.get("S") if isinstance(value, dict) and set(value) == {"S"} else None
            if not isinstance(text, str) or len(text) > _MAX_KEY_VALUE_LENGTH:
                raise ValueError
            if fixed is not None and name in fixed and text != fixed[name]:
                raise ValueError
        return key
    except (ValueError, TypeError, binascii.Error, JsonRefused):
        raise InvalidRequest(
            "The paging token is not one this API returned.",
            hint="Pass the 'next' value of the previous page unchanged.",
            code="invalid_cursor",
        ) from None
