"""Signed deliveries that no Jira sends, through the real handler (DESIGN.md "Bad input never reaches a 5xx"):
an event time in the future is clamped to the receipt time, so it can never freeze a record; times that are
no times, values out of bounds and bodies nested deeper than 64 levels are 400 `not_a_jira_event` and record
nothing; odd `X-Atlassian-Webhook-Retry` and `X-Atlassian-Webhook-Identifier` headers are read leniently and
bounded; a webhook token that cannot be one is 404 `unknown_webhook` before any read."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.webhooks.conftest import (
    SECRET,
    Deliver,
    Site,
    aha_feature,
    deliveries_table_items,
)

TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000


def now_ms() -> int:
    return int(time.time() * 1000)


def sent_issue(site: Site) -> tuple[str, str]:
    sent = site.send(aha_feature("PROD-2", requirements=False))
    return sent["jira"]["id"], sent["jira"]["key"]


def status_change(
    issue: tuple[str, str], status: str, *, at: Any, changelog_id: str = "800001"
) -> dict[str, Any]:
    issue_id, key = issue
    return {
        "webhookEvent": "jira:issue_updated",
        "timestamp": at,
        "issue": {"id": issue_id, "key": key, "fields": {"status": {"name": status}}},
        "changelog": {"id": changelog_id, "items": [{"field": "status", "toString": status}]},
    }


def worklog_event(issue_id: str, kind: str, seconds: int, *, at: int) -> dict[str, Any]:
    return {
        "webhookEvent": f"worklog_{kind}",
        "timestamp": at,
        "worklog": {"id": "70001", "issueId": issue_id, "timeSpentSeconds": seconds},
    }


def test_a_future_dated_event_is_clamped_and_a_later_real_event_still_applies(
    site: Site, deliver: Deliver
) -> None:
    issue = sent_issue(site)
    status, answer = deliver(
        site.token, status_change(issue, "In Progress", at=now_ms() + TEN_YEARS_MS), secret=SECRET
    )
    assert status == 200 and answer["outcome"] == "applied", answer
    assert site.read("PROD-2")["jira"]["status"] == "In Progress"

    time.sleep(0.01)  # Jira's next event, a few milliseconds later
    status, answer = deliver(
        site.token, status_change(issue, "Done", at=now_ms(), changelog_id="800002"), secret=SECRET
    )
    assert status == 200 and answer["outcome"] == "applied", answer
    feature = site.read("PROD-2")
    assert feature["jira"]["status"] == "Done" and feature["status"] == "Shipped"


def test_a_future_dated_worklog_change_does_not_outrank_later_ones(site: Site, deliver: Deliver) -> None:
    issue_id, _ = sent_issue(site)
    # (kind, seconds, how far ahead of the moment it is sent its time claims to be)
    for kind, seconds, ahead in (
        ("created", 600, 0),
        ("updated", 60_000, TEN_YEARS_MS),
        ("updated", 1_200, 0),
    ):
        time.sleep(0.01)
        event = worklog_event(issue_id, kind, seconds, at=now_ms() + ahead)
        status, answer = deliver(site.token, event, secret=SECRET)
        assert status == 200 and answer["outcome"] == "applied", answer
    assert site.read("PROD-2")["time_tracking"]["spent_seconds"] == 1_200


@pytest.mark.parametrize(
    "timestamp",
    [10**30, 253_402_300_800_000, -1, 1.5, 1e3, "1700000000000", True, None, [], {"ms": 1}],
    ids=repr,
)
def test_a_time_that_is_no_time_is_400_and_records_nothing(
    site: Site, deliver: Deliver, aws: LocalResources, timestamp: Any
) -> None:
    issue = sent_issue(site)
    before = site.read("PROD-2")
    recorded = len(deliveries_table_items(aws))
    status, answer = deliver(site.token, status_change(issue, "Done", at=timestamp), secret=SECRET)
    assert status == 400, answer
    assert answer["error"]["code"] == "not_a_jira_event"
    assert "timestamp" in answer["error"]["message"]
    assert len(deliveries_table_items(aws)) == recorded
    assert site.read("PROD-2") == before


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("10,000 nested arrays", _nested(10_000).encode()),
        ("10,000 nested objects", ('{"a":' * 10_000 + "1" + "}" * 10_000).encode()),
        (
            "a custom field 100 levels deep",
            json.dumps(
                {"webhookEvent": "jira:issue_updated", "timestamp": 1, "issue": {"id": "1", "fields": {}}}
            )
            .replace('"fields": {}', f'"fields": {{"customfield_10001": {_nested(100)}}}')
            .encode(),
        ),
        ("NaN", b'{"webhookEvent": "jira:issue_updated", "timestamp": NaN, "issue": {"id": "1"}}'),
        ("a repeated key", b'{"webhookEvent": "x", "timestamp": 1, "timestamp": 2}'),
        ("a 5,000-digit number", b'{"webhookEvent": "x", "timestamp": ' + b"9" * 5_000 + b"}"),
        ("not UTF-8", b'{"webhookEvent": "\xff"}'),
    ],
)
def test_bodies_no_jira_sends_are_400_not_500(
    site: Site, deliver: Deliver, aws: LocalResources, case: str, body: bytes
) -> None:
    # Sent as bytes (base64 in the event) so that what is signed is what arrives, UTF-8 or not.
    status, answer = deliver(site.token, body, secret=SECRET, binary=True)
    assert status == 400, (case, answer)
    assert answer["error"]["code"] == "not_a_jira_event", case
    assert "Traceback" not in json.dumps(answer)
    assert deliveries_table_items(aws) == []


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("a 10 KB issue id", {"issue": {"id": "1" * 10_240}}),
        ("an issue id with NUL", {"issue": {"id": "100\x0001"}}),
        ("a 1 MB summary", {"issue": {"fields": {"summary": "s" * 1_048_576}}}),
        (
            "a 1 MB status name",
            {"changelog": {"id": "1", "items": [{"field": "status", "toString": "x" * 1_048_576}]}},
        ),
        ("time spent of 10^40 s", {"issue": {"fields": {"timespent": 10**40}}}),
        ("negative time spent", {"issue": {"fields": {"timespent": -60}}}),
        ("a 1 MB event name", {"webhookEvent": "jira:" + "x" * 1_048_576}),
    ],
)
def test_values_out_of_bounds_are_400_and_record_nothing(
    site: Site, deliver: Deliver, aws: LocalResources, case: str, change: dict[str, Any]
) -> None:
    issue = sent_issue(site)
    before = site.read("PROD-2")
    event = status_change(issue, "Done", at=now_ms())
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(event.get(key), dict):
            merged = event[key]
            for inner, inner_value in value.items():
                if isinstance(inner_value, dict) and isinstance(merged.get(inner), dict):
                    merged[inner] = {**merged[inner], **inner_value}
                else:
                    merged[inner] = inner_value
        else:
            event[key] = value
    recorded = len(deliveries_table_items(aws))
    status, answer = deliver(site.token, event, secret=SECRET)
    assert status == 400, (case, str(answer)[:300])
    assert answer["error"]["code"] == "not_a_jira_event", case
    assert len(answer["error"]["message"]) < 500
    assert len(deliveries_table_items(aws)) == recorded
    assert site.read("PROD-2") == before


def test_a_description_too_long_to_store_is_400_and_records_nothing(
    site: Site, deliver: Deliver, aws: LocalResources
) -> None:
    """Within the text limit, but HTML escaping makes it longer than a record may hold."""
    issue = sent_issue(site)
    before = site.read("PROD-2")
    event = status_change(issue, "Done", at=now_ms())
    event["changelog"]["items"] = [{"field": "description", "toString": '"' * 200_000}]
    recorded = len(deliveries_table_items(aws))
    status, answer = deliver(site.token, event, secret=SECRET)
    assert status == 400 and answer["error"]["code"] == "not_a_jira_event", answer
    assert len(deliveries_table_items(aws)) == recorded
    assert site.read("PROD-2") == before


@pytest.mark.parametrize("retry", ["²", "9" * 5_000, "\u0661", "-1", "1e3", " 2 ", ""], ids=repr)
def test_an_odd_retry_header_is_read_leniently(
    site: Site, deliver: Deliver, aws: LocalResources, retry: str
) -> None:
    issue = sent_issue(site)
    event = status_change(issue, "In Progress", at=now_ms())
    status, answer = deliver(site.token, event, secret=SECRET, headers={"X-Atlassian-Webhook-Retry": retry})
    assert status == 200 and answer["outcome"] == "applied", answer
    [item] = [item for item in deliveries_table_items(aws) if item["event"]["S"] == "jira:issue_updated"]
    assert item["retry"]["N"] == ("2" if retry == " 2 " else "0")


@pytest.mark.parametrize(
    "identifier",
    ["abc\r\nX-Injected: 1", "id\x00with-nul", "🙂" * 10, "x" * 10_240, "é" * 150],
    ids=["CR/LF", "NUL", "emoji", "10 KB", "non-ASCII"],
)
def test_an_odd_delivery_identifier_is_bounded_and_still_dedupes(
    site: Site, deliver: Deliver, aws: LocalResources, identifier: str
) -> None:
    issue = sent_issue(site)
    event = status_change(issue, "In Progress", at=now_ms())
    first = deliver(site.token, event, secret=SECRET, identifier=identifier)
    assert first[0] == 200 and first[1]["outcome"] == "applied", first
    again = deliver(site.token, event, secret=SECRET, identifier=identifier)
    assert again[0] == 200 and again[1]["outcome"] == "duplicate", again
    stored = {item["identifier"]["S"] for item in deliveries_table_items(aws)}
    [ours] = [value for value in stored if value.startswith("header-sha256:")]
    assert len(ours) == len("header-sha256:") + 64 and ours.isascii() and ours.isprintable()


def test_a_plain_identifier_is_kept_as_jira_sent_it(
    site: Site, deliver: Deliver, aws: LocalResources
) -> None:
    issue = sent_issue(site)
    identifier = "4b2d0c3e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    status, _ = deliver(
        site.token, status_change(issue, "In Progress", at=now_ms()), secret=SECRET, identifier=identifier
    )
    assert status == 200
    assert identifier in {item["identifier"]["S"] for item in deliveries_table_items(aws)}


@pytest.mark.parametrize(
    "token",
    ["a" * 10_240, "short", "tok.en.with.dots-0123456789", "ÄÖÜäöüßÄÖÜäöüßÄÖÜäöüß"],
    ids=["10 KB", "too short", "dots", "non-ASCII"],
)
def test_a_token_that_cannot_be_one_is_404_before_any_read(
    site: Site, deliver: Deliver, aws: LocalResources, token: str
) -> None:
    issue = sent_issue(site)
    recorded = len(deliveries_table_items(aws))
    status, answer = deliver(token, status_change(issue, "Done", at=now_ms()), secret=SECRET)
    assert status == 404, answer
    assert answer["error"]["code"] == "unknown_webhook"
    assert len(deliveries_table_items(aws)) == recorded


@pytest.mark.parametrize(
    "token",
    ["%F0%9F%99%82", "%00", "%E2%80%AEevil-0123456789abcdef", "a%2Fb", "x" * 10_240],
    ids=["emoji", "NUL", "RTL override", "encoded slash", "10 KB"],
)
def test_an_odd_token_over_http_is_404_unknown_webhook(
    site: Site, gateway: LocalApiGateway, aws: LocalResources, token: str
) -> None:
    """Through the local gateway as Jira would call: segments Powertools' route pattern does not take are
    still the webhook route's 404, not a path no route serves."""
    body = b'{"webhookEvent": "jira:issue_updated", "timestamp": 1}'
    answer = requests.post(
        f"{gateway.url}/webhooks/jira/{token}",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature": hub_signature(SECRET, body)},
        timeout=10,
    )
    assert answer.status_code == 404, answer.text[:300]
    assert answer.json()["error"]["code"] == "unknown_webhook"
    assert deliveries_table_items(aws) == []
