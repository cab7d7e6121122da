"""Reading Jira's rate-limit answers and computing back-off.

Jira sends `Retry-After` in seconds on 429 and 503 (a minimum). Without it, Atlassian advises exponential
back-off with jitter of 0.7-1.3x.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from time import time

MAX_BACKOFF_SECONDS = 900.0  # SQS's longest message delay
_jitter_source = random.Random()  # noqa: S311 - jitter, not cryptography


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time())
    except (TypeError, ValueError):
        return None


def backoff_seconds(
    attempt: int,
    *,
    retry_after: float | None = None,
    base: float = 2.0,
    cap: float = MAX_BACKOFF_SECONDS,
    rng: random.Random | None = None,
) -> float:
    """Delay before attempt `attempt + 1` (attempt counts from 1): exponential, jittered 0.7-1.3x,
    never shorter than Jira's Retry-After, never longer than `cap`."""
    jitter = (rng or _jitter_source).uniform(0.7, 1.3)
    delay = min(cap, base * (2.0 ** max(0, attempt - 1)) * jitter)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(cap, delay)
