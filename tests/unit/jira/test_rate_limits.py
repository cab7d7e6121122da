"""Retry-After parsing and back-off: Jira's minimum is honoured, jitter stays within 0.7-1.3x."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from aha_jira.jira.rate_limits import (
    MAX_BACKOFF_SECONDS,
    backoff_seconds,
    rate_limit_headers,
    retry_after_seconds,
)


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


# --- the rate-limit headers of an answer --------------------------------------------------------------


def test_beta_retry_after_when_retry_after_is_absent() -> None:
    assert retry_after_seconds({"Beta-Retry-After": "12"}) == 12.0
    assert retry_after_seconds({"Retry-After": "3", "Beta-Retry-After": "12"}) == 3.0
    assert retry_after_seconds({"retry-after": "4"}) == 4.0  # header names are case-insensitive


def test_a_429_s_headers_are_read() -> None:
    reset = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%MZ")
    headers = rate_limit_headers(
        {
            "RateLimit-Reason": "jira-quota-tenant-based",
            "Beta-Retry-After": "600",
            "X-RateLimit-Limit": "65000",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
            "X-RateLimit-NearLimit": "true",
        }
    )
    assert headers.reason == "jira-quota-tenant-based"
    assert headers.retry_after == 600.0
    assert (headers.limit, headers.remaining, headers.near_limit) == (65000.0, 0.0, True)
    assert headers.reset_in is not None and 480 <= headers.reset_in <= 600


@pytest.mark.parametrize(
    ("raw", "spent"),
    [
        ({"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "9"}, True),
        ({"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "10"}, False),
        ({"X-RateLimit-NearLimit": "true"}, True),
        ({"X-RateLimit-NearLimit": "false"}, False),
        # NearLimit beside the points quota's own header means the quota, which going slower does not spare.
        ({"X-RateLimit-NearLimit": "true", "Beta-RateLimit": '"tenant-app-quota";r=90;t=1200'}, False),
        ({}, False),
    ],
)
def test_whether_the_burst_budget_is_nearly_spent(raw: dict[str, str], spent: bool) -> None:
    assert rate_limit_headers(raw).burst_nearly_spent(0.5) is spent


@pytest.mark.parametrize("value", ["NaN", "inf", "-3", "lots", ""])
def test_garbage_numbers_are_ignored(value: str) -> None:
    headers = rate_limit_headers({"X-RateLimit-Limit": value, "X-RateLimit-Remaining": value})
    assert (headers.limit, headers.remaining) == (None, None)


def test_the_quota_remaining_of_several_policies_is_the_lowest() -> None:
    raw = '"tenant-app-quota";r=900;t=30, "global-app-quota";r=40;t=30'
    assert rate_limit_headers({"Beta-RateLimit": raw}).quota_remaining == 40.0
