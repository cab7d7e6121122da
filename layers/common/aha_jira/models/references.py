"""Roadmap references: `<product>-N` for features, `<feature reference>-N` for requirements."""

from __future__ import annotations

import re


def reference_number(prefix: str, reference: str) -> int | None:
    """N of `<prefix>-N` (case-insensitive prefix), else None."""
    match = re.fullmatch(re.escape(prefix) + r"-(\d{1,12})", reference, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None
