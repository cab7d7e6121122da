"""Roadmap references: `<product>-N` for features, `<feature reference>-N` for requirements.

One grammar for every place a reference comes in (the send's path and body, the feature read-back, the
log's `?reference=` filter), so a reference one route accepts is one every other route accepts: a
letter or digit, then letters, digits, `_`, `.` or `-`, 64 characters at most. Nothing in it needs
quoting in a DynamoDB key, a JQL string or a Logs Insights query.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

from aha_jira.models.limits import NO_CONTROL_CHARACTERS
from aha_jira.models.reference_bounds import MAX_REFERENCE_LENGTH

REFERENCE_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_REFERENCE_LENGTH - 1}}}$"
_REFERENCE = re.compile(REFERENCE_PATTERN)

# A product's reference prefix leaves room for `-<feature number>-<requirement number>` in 64.
MAX_PRODUCT_PREFIX_LENGTH = 32
PRODUCT_PREFIX_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_PRODUCT_PREFIX_LENGTH - 1}}}$"
_PRODUCT_PREFIX = re.compile(PRODUCT_PREFIX_PATTERN)


def is_reference(value: str) -> bool:
    # fullmatch: `$` alone would let a trailing newline through.
    return _REFERENCE.fullmatch(value) is not None


def _reference(value: str) -> str:
    if not is_reference(value):
        raise ValueError(
            f"not a roadmap reference: 1-{MAX_REFERENCE_LENGTH} letters, digits, '_', '.' or '-', "
            "starting with a letter or digit (e.g. MOB-12)"
        )
    return value


def _product_prefix(value: str) -> str:
    if _PRODUCT_PREFIX.fullmatch(value) is None:
        raise ValueError(
            f"must be the product's reference prefix: 1-{MAX_PRODUCT_PREFIX_LENGTH} letters, digits, '_', "
            "'.' or '-' (e.g. MOB), since its records are <product>-N"
        )
    return value


Reference = Annotated[
    str, AfterValidator(_reference), WithJsonSchema({"type": "string", "pattern": REFERENCE_PATTERN})
]
ProductPrefix = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    NO_CONTROL_CHARACTERS,
    AfterValidator(_product_prefix),
    WithJsonSchema({"type": "string", "pattern": PRODUCT_PREFIX_PATTERN}),
]


def reference_number(prefix: str, reference: str) -> int | None:
    """N of `<prefix>-N` (case-insensitive prefix), else None."""
    match = re.fullmatch(re.escape(prefix) + r"-(\d{1,12})", reference, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None
