"""`Retry-After` as seconds: a number of seconds or an HTTP date (RFC 9110), never negative."""

from __future__ import annotations

import math
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from time import time

# Longer than any wait a service asks for in earnest; a header beyond it is read as this (SQS's longest
# message delay, so a retry can still be scheduled).
MAX_RETRY_AFTER_SECONDS = 900.0


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(raw).timestamp() - time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(seconds):
        return None
    return min(MAX_RETRY_AFTER_SECONDS, max(0.0, seconds))
