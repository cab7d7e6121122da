"""Values from Jira used for ordering are bounded and clamped (DESIGN.md "Bad input never reaches a 5xx"):
an event or issue time in the future becomes the receipt time, a time that is no time is refused; the
informational headers (retry count, delivery identifier) and changelog ids are read leniently and bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aha_jira.errors import InvalidRequest
from aha_jira.models.jira_payloads import JiraIssue
from aha_jira.models.jira_webhook import MAX_EPOCH_MS, Changelog
from aha_jira.webhooks.deliveries import delivery_identifier, retry_count
from aha_jira.webhooks.imports import catch_up_event
from aha_jira.webhooks.receive import parse_event

RECEIVED = 1_800_000_000_000


def event(timestamp: Any, **extra: Any) -> bytes:
    return json.dumps(
        {"timestamp": timestamp, "webhookEvent": "jira:issue_updated", "issue": {"id": "10001"}, **extra}
    ).encode()


@pytest.mark.parametrize("ahead", [1, 10**6, MAX_EPOCH_MS - RECEIVED])
def test_a_time_in_the_future_is_the_receipt_time(ahead: int) -> None:
    assert parse_event(event(RECEIVED + ahead), received_ms=RECEIVED).timestamp == RECEIVED


def test_a_time_in_the_past_is_kept() -> None:
    assert parse_event(event(RECEIVED - 5), received_ms=RECEIVED).timestamp == RECEIVED - 5
    assert parse_event(event(0), received_ms=RECEIVED).timestamp == 0


@pytest.mark.parametrize(
    "timestamp", [10**30, MAX_EPOCH_MS + 1, -1, 1.5, 1e12, "1700000000000", True, None], ids=repr
)
def test_a_time_that_is_no_time_is_refused(timestamp: Any) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_event(event(timestamp), received_ms=RECEIVED)
    assert raised.value.code == "not_a_jira_event" and "timestamp" in raised.value.message


def issue(updated: Any) -> JiraIssue:
    return JiraIssue(id="10001", key="MOB-1", fields={"updated": updated, "status": {"name": "Done"}})


def test_the_catch_up_of_an_issue_updated_in_the_future_is_now() -> None:
    caught = catch_up_event(issue("2999-01-01T00:00:00.000+0000"), now_ms=RECEIVED)
    assert caught is not None and caught.timestamp == RECEIVED
    past = catch_up_event(issue("2026-01-01T00:00:00.000+0000"), now_ms=RECEIVED)
    assert past is not None and past.timestamp == 1_767_225_600_000


def test_a_catch_up_jira_cannot_describe_is_skipped() -> None:
    assert catch_up_event(issue("not a time"), now_ms=RECEIVED) is None
    assert catch_up_event(issue(12), now_ms=RECEIVED) is None
    odd = JiraIssue(id="1" * 100, key="MOB-1", fields={"updated": "2026-01-01T00:00:00.000+0000"})
    assert catch_up_event(odd, now_ms=RECEIVED) is None


@pytest.mark.parametrize(
    ("value", "count"),
    [("3", 3), ("²", 0), ("\u0661", 0), ("9" * 5_000, 0), ("1234567", 0), ("-1", 0), ("", 0), (" 2 ", 2)],
    ids=repr,
)
def test_the_retry_header_is_a_few_ascii_digits_or_zero(value: str, count: int) -> None:
    assert retry_count({"x-atlassian-webhook-retry": value}) == count


@pytest.mark.parametrize(
    ("changelog_id", "sequence"),
    [("10228", 10228), ("²", 0), ("\u0661\u0662", 0), ("9" * 5_000, 0), ("9" * 18, 10**18 - 1), ("abc", 0)],
    ids=repr,
)
def test_a_changelog_id_orders_only_when_it_is_one(changelog_id: str, sequence: int) -> None:
    assert Changelog(id=changelog_id).sequence == sequence


@pytest.mark.parametrize(
    "given", ["a\x00b", "line\r\nX-Injected: 1", "\u202eevil", "🙂", "x" * 201, "tab\there"], ids=repr
)
def test_an_identifier_that_is_not_plain_is_replaced_by_its_digest(given: str) -> None:
    identifier = delivery_identifier({"x-atlassian-webhook-identifier": given}, b"{}")
    assert identifier.startswith("header-sha256:") and len(identifier) == 14 + 64
    assert identifier == delivery_identifier({"x-atlassian-webhook-identifier": given}, b"[]")  # stable
    other = delivery_identifier({"x-atlassian-webhook-identifier": given + "x"}, b"{}")
    assert other != identifier


def test_a_lone_surrogate_in_the_identifier_is_digested_too() -> None:
    assert delivery_identifier({"x-atlassian-webhook-identifier": "id-\ud800"}, b"{}").startswith(
        "header-sha256:"
    )
