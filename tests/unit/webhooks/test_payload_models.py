"""Every real delivery in the reference folder parses; what the integration reads is where it expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aha_jira.errors import InvalidRequest
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks.deliveries import delivery_identifier
from aha_jira.webhooks.receive import parse_event

CAPTURES = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "jira-webhooks"
NAMES = sorted(path.name for path in CAPTURES.glob("*.json"))


def capture(name: str) -> bytes:
    return (CAPTURES / name).read_bytes()


def test_the_reference_folder_is_there() -> None:
    assert len(NAMES) >= 17


@pytest.mark.parametrize("name", NAMES)
def test_every_reference_delivery_parses(name: str) -> None:
    event = parse_event(capture(name))
    raw = json.loads(capture(name))
    assert event.webhook_event == raw["webhookEvent"]
    assert event.timestamp == raw["timestamp"]
    assert event.issue is not None and event.issue.id == str(raw["issue"]["id"])
    assert event.issue_id == event.issue.id
    if raw.get("changelog"):
        assert event.sequence == int(raw["changelog"]["id"])


def test_old_format_without_issue_event_type_name() -> None:
    event = parse_event(capture("webhook-server-old-issue-updated-no-event-type-edited.json"))
    assert event.issue_event_type_name is None
    assert event.changelog is not None and event.changelog.item("description") is not None


def test_data_center_user_and_changelog_without_field_id() -> None:
    event = parse_event(capture("webhook-server-issue-updated-closed.json"))
    assert event.user is not None and event.user.account_id is None
    assert event.actor_identities == {"admin"}
    item = event.changelog.item("status") if event.changelog else None
    assert item is not None and item.field_id is None
    assert (item.to, item.to_string) == ("6", "Closed")
    fields = event.issue.fields if event.issue else None
    assert fields is not None and (fields.timespent, fields.timeestimate) == (180, 0)


def test_cloud_status_change_and_resolution() -> None:
    event = parse_event(capture("webhook-issue-updated-resolved.json"))
    assert event.changelog is not None
    status = event.changelog.item("status")
    resolution = event.changelog.item("resolution")
    assert status is not None and (status.from_string, status.to_string, status.to) == (
        "In Progress",
        "Done",
        "10002",
    )
    assert resolution is not None and resolution.to_string == "Done"
    assert event.order == (1550286940507, 10228)
    assert event.actor_identities == {"5c5f880629be9642ba529340", "admin"}


def test_a_capitalised_status_item_is_still_the_status() -> None:
    event = parse_event(capture("webhook-issue-created.json"))
    item = event.changelog.item("status") if event.changelog else None
    assert item is not None and item.field == "Status" and item.to_string == "To Do"


def test_comment_event_has_no_user() -> None:
    event = parse_event(capture("webhook-cloud-comment-created.json"))
    assert event.user is None and event.actor_identities == set()


def test_null_and_absent_fields_are_told_apart() -> None:
    event = parse_event(capture("webhook-issue-updated-started-working.json"))
    fields = event.issue.fields if event.issue else None
    assert fields is not None and fields.has("timespent") and fields.timespent is None
    comment = parse_event(capture("webhook-cloud-comment-created.json"))
    assert comment.issue is not None and not comment.issue.fields.has("timespent")


def test_worklog_events_carry_only_the_worklogs_issue_id() -> None:
    body = {
        "timestamp": 1700000000000,
        "webhookEvent": "worklog_updated",
        "worklog": {
            "self": "https://acme.atlassian.net/rest/api/2/issue/10040/worklog/10100",
            "author": {"accountId": "5c5f880629be9642ba529340"},
            "id": 10100,
            "issueId": 10040,
            "timeSpentSeconds": 5400,
            "timeSpent": "1h 30m",
        },
    }
    event = JiraWebhookEvent.model_validate(body)
    assert event.issue is None and event.worklog is not None
    assert (event.worklog.id, event.issue_id, event.worklog.time_spent_seconds) == ("10100", "10040", 5400)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b'"jira:issue_updated"',
        b"{",
        b'{"webhookEvent": "jira:issue_updated"}',
        b'{"timestamp": 1}',
        b'{"timestamp": 1, "webhookEvent": ""}',
        b'{"timestamp": 1, "webhookEvent": "jira:issue_deleted"}',
        b'{"timestamp": 1, "webhookEvent": "jira:issue_updated", "issue": {"key": "A-1"}}',
        b'{"timestamp": 1, "webhookEvent": "worklog_deleted"}',
        b'{"timestamp": 1, "webhookEvent": "worklog_created", "worklog": {"id": "1"}}',
        b'{"timestamp": [1], "webhookEvent": "jira:issue_updated"}',
    ],
)
def test_bodies_that_are_not_jira_events(body: bytes) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_event(body)
    assert raised.value.code == "not_a_jira_event" and raised.value.status == 400


def test_unknown_events_parse_and_extra_keys_are_ignored() -> None:
    event = parse_event(b'{"timestamp": 5, "webhookEvent": "sprint_started", "sprint": {"id": 1}, "x": null}')
    assert event.webhook_event == "sprint_started" and event.issue_id is None


def test_delivery_identifier_prefers_jiras_header_and_falls_back_to_the_body_hash() -> None:
    body = capture("webhook-issue-created.json")
    assert delivery_identifier({"x-atlassian-webhook-identifier": "abc-123"}, body) == "abc-123"
    derived = delivery_identifier({}, body)
    assert derived.startswith("body-sha256:") and derived == delivery_identifier({}, body)
    assert derived != delivery_identifier({}, body + b" ")
    assert delivery_identifier({"x-atlassian-webhook-identifier": "x" * 500}, body).startswith(
        "header-sha256:"
    )
