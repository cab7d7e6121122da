"""Jira Software's sprint and rank read from webhook events of Cloud's and Data Center's shapes."""

from __future__ import annotations

from typing import Any

from aha_jira.models.issue_link import IssueLink, Sprint
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks.software_fields import software_changes

LINK = IssueLink(
    integration_id="mob",
    reference="MOB-1",
    kind="feature",
    feature_reference="MOB-1",
    state="linked",
    token="t",
)


def event(fields: dict[str, Any], items: list[dict[str, Any]]) -> JiraWebhookEvent:
    return JiraWebhookEvent.model_validate(
        {
            "timestamp": 1_700_000_000_000,
            "webhookEvent": "jira:issue_updated",
            "issue": {"id": "10001", "key": "MOB-1", "fields": fields},
            "changelog": {"id": "100", "items": items},
        }
    )


SPRINTS = [
    {"id": 1, "name": "MOB Sprint 1", "state": "closed", "boardId": 1},
    {"id": 2, "name": "MOB Sprint 2", "state": "active", "boardId": 1, "goal": "Checkout v2"},
]


def test_cloud_fields_are_found_by_shape_and_the_open_sprint_wins() -> None:
    update: dict[str, Any] = {}
    said = software_changes(
        event(
            {
                "customfield_10020": SPRINTS,
                "customfield_10019": "0|i0000f:",
                "customfield_10500": "0|not a rank",
            },
            [
                {
                    "field": "Sprint",
                    "fieldtype": "custom",
                    "fieldId": "customfield_10020",
                    "from": "1",
                    "to": "1, 2",
                }
            ],
        ),
        LINK,
        update,
    )
    assert update == {"sprint": Sprint(id="2", name="MOB Sprint 2", state="active"), "rank": "0|i0000f:"}
    assert said == ["sprint MOB Sprint 2", "rank changed"]


def test_data_center_items_without_the_field_in_the_issue() -> None:
    # Data Center names the field only ("Sprint"), and this event's issue does not carry it.
    update: dict[str, Any] = {}
    software_changes(
        event({"summary": "x"}, [{"field": "Sprint", "from": "", "to": "7", "toString": "Team Sprint 7"}]),
        LINK,
        update,
    )
    assert update == {"sprint": Sprint(id="7", name="Team Sprint 7")}
    update = {}
    said = software_changes(
        event(
            {}, [{"field": "Sprint", "from": "7", "fromString": "Team Sprint 7", "to": "", "toString": ""}]
        ),
        LINK.with_jira(sprint=Sprint(id="7")),
        update,
    )
    assert update == {"sprint": None} and said == ["moved to the backlog"]


def test_events_without_software_fields_change_nothing() -> None:
    update: dict[str, Any] = {}
    assert (
        software_changes(event({"summary": "renamed", "customfield_10030": [1, 2]}, []), LINK, update) == []
    )
    assert update == {}
