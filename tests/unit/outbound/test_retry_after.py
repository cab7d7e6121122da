"""`Retry-After` read as seconds: a number or an HTTP date, never negative, never absurd."""

from __future__ import annotations

from email.utils import formatdate
from time import time

import pytest

from aha_jira.outbound.retry_after import MAX_RETRY_AFTER_SECONDS, retry_after_seconds


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("86400", MAX_RETRY_AFTER_SECONDS),
        ("nan", None),
        ("soon", None),
    ],
)
def test_seconds(raw: str, expected: float | None) -> None:
    assert retry_after_seconds({"Retry-After": raw}) == expected


def test_an_http_date() -> None:
    seconds = retry_after_seconds({"Retry-After": formatdate(time() + 120, usegmt=True)})
    assert seconds is not None and 100 <= seconds <= 120
    assert retry_after_seconds({"Retry-After": formatdate(time() - 60, usegmt=True)}) == 0.0


def test_absent() -> None:
    assert retry_after_seconds({}) is None
