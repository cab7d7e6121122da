"""Reading Jira's rate-limit answers and computing back-off.

Jira sends `Retry-After` in seconds on 429 and 503 (a minimum); Jira Cloud's points-based limits may send
`Beta-Retry-After` instead. A 429 names the limit that refused in `RateLimit-Reason`; answers carry
`X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `X-RateLimit-NearLimit` where the
site has them. Without a wait, Atlassian advises exponential back-off with jitter of 0.7-1.3x.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from time import time

MAX_BACKOFF_SECONDS = 900.0  # SQS's longest message delay
_jitter_source = random.Random()  # noqa: S311 - jitter, not cryptography


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def _seconds(raw: str | None) -> float | None:
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


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After`, else `Beta-Retry-After` (seconds or an HTTP date), as seconds from now."""
    lowered = _lower(headers)
    found = _seconds(lowered.get("retry-after"))
    return found if found is not None else _seconds(lowered.get("beta-retry-after"))


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def _reset_in(raw: str | None) -> float | None:
    """`X-RateLimit-Reset` (ISO 8601, e.g. `2026-03-01T10:05Z`) as seconds from now on the wall clock."""
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time())


@dataclass(frozen=True)
class RateLimitHeaders:
    """What an answer says about the site's limits (every part None or False where the header is absent)."""

    reason: str | None = None
    retry_after: float | None = None
    limit: float | None = None
    remaining: float | None = None
    reset_in: float | None = None
    near_limit: bool = False
    # Jira Cloud's points quota on answers that pass (`Beta-RateLimit: "tenant-app-quota";r=<left>;t=<s>`).
    quota_remaining: float | None = None

    def burst_nearly_spent(self, share: float) -> bool:
        """Less than `share` of the request budget left: time to slow down before a 429. With the numbers
        (`X-RateLimit-Remaining` of `X-RateLimit-Limit`) they decide; `X-RateLimit-NearLimit` (Jira's own
        "less than 20% left") alone also counts, unless the answer reports the points quota, which it then
        means (a quota is not spared by going slower: its 429 pauses the site until the window resets)."""
        if self.limit and self.remaining is not None:
            return self.remaining < share * self.limit
        return self.near_limit and self.quota_remaining is None


def rate_limit_headers(headers: Mapping[str, str]) -> RateLimitHeaders:
    lowered = _lower(headers)
    reason = (lowered.get("ratelimit-reason") or "").strip() or None
    return RateLimitHeaders(
        reason=reason,
        retry_after=retry_after_seconds(lowered),
        limit=_number(lowered.get("x-ratelimit-limit")),
        remaining=_number(lowered.get("x-ratelimit-remaining")),
        reset_in=_reset_in(lowered.get("x-ratelimit-reset")),
        near_limit=(lowered.get("x-ratelimit-nearlimit") or "").strip().lower() == "true",
        quota_remaining=_quota_remaining(lowered.get("beta-ratelimit")),
    )


def _quota_remaining(raw: str | None) -> float | None:
    """`r` of `Beta-RateLimit: "<policy>";r=<remaining>;t=<seconds>` (the lowest, when several policies)."""
    if not raw:
        return None
    found = [
        _number(part.split("=", 1)[1])
        for part in raw.replace(",", ";").split(";")
        if part.strip().startswith("r=")
    ]
    numbers = [value for value in found if value is not None]
    return min(numbers) if numbers else None


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
