"""Retry-After parsing and back-off: Jira's minimum is honoured, jitter stays within 0.7-1.3x."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from aha_jira.jira.rate_limits import MAX_BACKOFF_SECONDS, backoff_seconds, retry_after_seconds


@pytest.mark.parametrize(("raw", "expected"), [("5", 5.0), (" 2.5 ", 2.5), ("0", 0.0), ("-3", 0.0)])
def test_retry_after_in_seconds(raw: str, expected: float) -> None:
    assert retry_after_seconds({"Retry-After": raw}) == expected


def test_retry_after_as_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    seconds = retry_after_seconds({"Retry-After": format_datetime(when, usegmt=True)})
    assert seconds is not None
    assert 25 <= seconds <= 31


def test_retry_after_missing_or_garbage() -> None:
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "soon"}) is None


def test_backoff_grows_exponentially_within_jitter() -> None:
    rng = random.Random(7)
    for attempt in range(1, 8):
        delay = backoff_seconds(attempt, base=2.0, rng=rng)
        nominal = 2.0 * 2 ** (attempt - 1)
        assert 0.7 * nominal <= delay <= 1.3 * nominal


def test_backoff_never_shorter_than_retry_after_nor_longer_than_cap() -> None:
    assert backoff_seconds(1, retry_after=60, base=2.0, rng=random.Random(1)) == 60
    assert backoff_seconds(30, base=2.0, rng=random.Random(1)) == MAX_BACKOFF_SECONDS
    assert backoff_seconds(1, retry_after=5000, rng=random.Random(1)) == MAX_BACKOFF_SECONDS
