"""What a record missed of its issue, when a repair may be made, and where the repair sits among the issue's
webhook events (so that a late delivery of a change it holds is stale, and a later change is newer)."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_payloads import JiraIssue
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.reconcile.issue_state import (
    CLOCK_SKEW_MS,
    STAMP_LAG_MS,
    STAMP_PROPERTY,
    deletion_event,
    issue_state,
    jira_time_ms,
    missed,
    repair_mark,
    settled,
    update_event,
)
from aha_jira.sync.drafting import STAMP_PROPERTY as SEND_STAMP_PROPERTY
from aha_jira.webhooks import time_tracking
from aha_jira.webhooks.receive import plan_for
from aha_jira.webhooks.routing import IntegrationContext

UPDATED = "2026-05-01T10:05:03.123+0000"
UPDATED_MS = 1_777_629_903_123
NOW = "2026-05-01T10:10:00.000+00:00"
CONTEXT = IntegrationContext(
    integration_id="mob",
    enabled=True,
    statuses={"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"},
    account_id="bot",
)


def _issue(**fields: Any) -> JiraIssue:
    base: dict[str, Any] = {
        "status": {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
        "resolution": None,
        "summary": "Checkout v2",
        "updated": UPDATED,
        "timespent": 3600,
        "timeestimate": 7200,
    }
    return JiraIssue.model_validate(
        {
            "id": "10040",
            "key": "MOB-41",
            "fields": base | fields,
            "properties": {STAMP_PROPERTY: {"integration_id": "mob", "reference": "PROD-2"}},
        }
    )


def _link(**jira: Any) -> IssueLink:
    return IssueLink.model_validate(
        {
            "integration_id": "mob",
            "reference": "PROD-2",
            "kind": "feature",
            "feature_reference": "PROD-2",
            "state": "linked",
            "token": "t",
            "site_url": "https://acme.atlassian.net",
            "issue_id": "10040",
            "issue_key": "MOB-41",
            "jira": {"name": "Checkout v2"} | jira,
        }
    )


def _state(**fields: Any) -> Any:
    state = issue_state(_issue(**fields))
    assert state is not None
    return state


def test_the_stamp_is_the_sends_own_property() -> None:
    assert STAMP_PROPERTY == SEND_STAMP_PROPERTY


def test_jira_times_in_milliseconds() -> None:
    assert jira_time_ms(UPDATED) == UPDATED_MS
    assert jira_time_ms("2026-05-01T10:05:03.123+00:00") == UPDATED_MS
    assert jira_time_ms("2026-05-01T12:05:03.123+0200") == UPDATED_MS
    assert jira_time_ms("2026-05-01T10:05:03+0000") == UPDATED_MS - 123
    assert jira_time_ms("yesterday") is None and jira_time_ms(None) is None
    assert issue_state(_issue(updated=None)) is None


def test_the_state_names_its_record() -> None:
    state = _state()
    assert state.record == ("mob", "PROD-2") and state.updated_ms == UPDATED_MS
    assert (state.status_name, state.status_id, state.status_category) == (
        "In Progress",
        "3",
        "indeterminate",
    )
    assert state.spent == 3600 and state.resolution is None and state.summary == "Checkout v2"


IN_PROGRESS = {"jira_status": "In Progress", "jira_status_id": "3", "last_event_at": 1, "spent_seconds": 3600}


@pytest.mark.parametrize(
    ("record", "fields", "said"),
    [
        (IN_PROGRESS, {}, []),
        (IN_PROGRESS | {"jira_status": "To Do", "jira_status_id": "1"}, {}, ["status To Do → In Progress"]),
        ({}, {}, ["status (none) → In Progress", "time spent 0 s → 3600 s"]),
        (IN_PROGRESS, {"summary": "Renamed"}, ["summary renamed in Jira"]),
        (IN_PROGRESS, {"timespent": 5400}, ["time spent 3600 s → 5400 s"]),
        (IN_PROGRESS, {"timeestimate": 60}, []),  # the remaining estimate alone: our own sends set it
        (IN_PROGRESS, {"resolution": {"id": "1", "name": "Done"}}, ["resolution (none) → Done"]),
    ],
)
def test_what_a_record_missed(record: dict[str, Any], fields: dict[str, Any], said: list[str]) -> None:
    assert missed(_link(**record), _state(**fields)) == said


def test_a_record_that_never_heard_of_its_issue_missed_nothing_while_the_issue_is_still_to_do() -> None:
    to_do = {"status": {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}}, "timespent": None}
    assert missed(_link(), _state(**to_do)) == []
    # Once the record holds an event, a To Do it does not show is a change it missed.
    held = _link(jira_status="In Progress", jira_status_id="3", last_event_at=1)
    assert missed(held, _state(**to_do)) == ["status In Progress → To Do"]


def test_a_repair_waits_until_the_issue_has_been_quiet_long_enough() -> None:
    state = _state()
    quiet = UPDATED_MS + STAMP_LAG_MS + CLOCK_SKEW_MS
    assert settled(state, quiet) and not settled(state, quiet - 1)
    assert repair_mark(state) == UPDATED_MS + STAMP_LAG_MS


def test_the_repair_sits_after_every_event_of_the_changes_it_holds_and_before_any_later_one() -> None:
    state = _state()
    repair = update_event(state)
    assert repair is not None and repair.order == (UPDATED_MS + STAMP_LAG_MS, 0)
    plan = plan_for(repair, _link(), CONTEXT, NOW)
    assert plan.outcome == "applied" and plan.updated is not None
    repaired = plan.updated
    assert repaired.jira.roadmap_status == "In development" and repaired.jira.spent_seconds == 3600
    assert repaired.jira.remaining_seconds == 7200

    def delivered(at: int, changelog: str = "10100") -> JiraWebhookEvent:
        return JiraWebhookEvent.model_validate(
            {
                "timestamp": at,
                "webhookEvent": "jira:issue_updated",
                "issue": {"id": "10040", "key": "MOB-41", "fields": {"summary": "Checkout v2"}},
                "changelog": {
                    "id": changelog,
                    "items": [{"field": "status", "fieldId": "status", "to": "1", "toString": "To Do"}],
                },
            }
        )

    # The lost delivery of the change the repair holds (stamped a moment after `updated`) comes late: stale.
    assert plan_for(delivered(UPDATED_MS + 15), repaired, CONTEXT, NOW).outcome == "stale"
    # A change made after Jira answered the sweep is newer, and applies.
    later = plan_for(delivered(UPDATED_MS + STAMP_LAG_MS + CLOCK_SKEW_MS + 1), repaired, CONTEXT, NOW)
    assert later.outcome == "applied" and later.updated is not None
    assert later.updated.jira.jira_status == "To Do"


def test_a_late_worklog_of_the_repaired_time_is_not_counted_twice() -> None:
    repair = update_event(_state())
    assert repair is not None
    plan = plan_for(repair, _link(), CONTEXT, NOW)
    assert plan.updated is not None
    # The worklog whose event was lost is already in Jira's 3600 s; its event arrives after the repair.
    late = time_tracking.apply_worklog(
        plan.updated, "20001", kind="created", seconds=1800, at=UPDATED_MS + 20
    )
    assert late is not None and late.jira.spent_seconds == 3600 and late.jira.remaining_seconds == 7200
    # Work logged after the repair counts.
    after = time_tracking.apply_worklog(late, "20002", kind="created", seconds=900, at=UPDATED_MS + 60_000)
    assert after is not None and after.jira.spent_seconds == 4500


def test_values_no_delivery_could_carry_make_no_repair() -> None:
    assert update_event(_state(summary="x" * 300)) is None
    assert update_event(_state(timespent=-5)) is None


def test_a_deletion_is_placed_when_jira_said_so() -> None:
    event = deletion_event(_link(), UPDATED_MS + 60_000)
    assert event.webhook_event == "jira:issue_deleted" and event.order == (UPDATED_MS + 60_000, 0)
    plan = plan_for(event, _link(jira_status="In Progress", last_event_at=UPDATED_MS), CONTEXT, NOW)
    assert plan.updated is not None and plan.updated.jira.detached and plan.updated.jira.deleted_in_jira
    assert plan.updated.jira.jira_status == "In Progress"
