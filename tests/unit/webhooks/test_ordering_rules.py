"""Which event changes a record: newer ones only (by timestamp, then changelog id), never our own echo,
and the newest issue snapshot holds every older change to the fields it carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks import ordering
from aha_jira.webhooks.description import jira_description_to_html
from aha_jira.webhooks.echo import is_echo
from aha_jira.webhooks.issue_changes import plan_issue_deleted, plan_issue_updated
from aha_jira.webhooks.receive import plan_for
from aha_jira.webhooks.routing import IntegrationContext
from aha_jira.webhooks.status_mapping import roadmap_status

CAPTURES = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "jira-webhooks"
BOT = "5f1e2d3c4b5a69788796a5b4"
ENGINEER = "5c5f880629be9642ba529340"  # the captures' author
STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}
NOW = "2026-11-28T10:00:00.000+00:00"


def link(**values: Any) -> IssueLink:
    base: dict[str, Any] = {
        "integration_id": "mob",
        "reference": "PROD-2",
        "kind": "feature",
        "feature_reference": "PROD-2",
        "state": "linked",
        "token": "t",
        "site_url": "https://acme.atlassian.net",
        "issue_id": "10040",
        "issue_key": "TES-41",
    }
    # Every value a test sets is of the record's Jira-side state.
    return IssueLink.model_validate(base | {"jira": {"name": "Unit test summary"} | values})


def integration(account_id: str | None = BOT, **values: Any) -> IntegrationContext:
    return IntegrationContext(
        integration_id="mob",
        enabled=values.get("enabled", True),
        statuses=values.get("statuses", STATUSES),
        account_id=account_id,
    )


def capture(name: str, **changes: Any) -> JiraWebhookEvent:
    payload = json.loads((CAPTURES / name).read_text())
    for key, value in changes.items():
        payload[key] = value
    return JiraWebhookEvent.model_validate(payload)


def event(name: str, timestamp: int, changelog_id: str | None = None, **changes: Any) -> JiraWebhookEvent:
    payload = json.loads((CAPTURES / name).read_text())
    payload["timestamp"] = timestamp
    if changelog_id is not None:
        payload["changelog"]["id"] = changelog_id
    payload.update(changes)
    return JiraWebhookEvent.model_validate(payload)


def apply(
    current: IssueLink, incoming: JiraWebhookEvent, context: IntegrationContext | None = None
) -> IssueLink:
    plan = plan_for(incoming, current, context or integration(), NOW)
    return plan.updated or current


# --- ordering --------------------------------------------------------------------------------------


def test_newer_is_later_timestamp_then_higher_changelog_id() -> None:
    record = link(last_event_at=1000, last_event_seq=50)
    assert ordering.is_newer((1001, 0), record)
    assert ordering.is_newer((1000, 51), record)
    assert not ordering.is_newer((1000, 50), record)  # the same event again
    assert not ordering.is_newer((1000, 49), record)
    assert not ordering.is_newer((999, 99999), record)
    assert ordering.is_newer((1, 0), link())  # nothing applied yet


def test_a_status_change_is_applied_and_marks_the_record() -> None:
    started = capture("webhook-issue-updated-started-working.json")
    plan = plan_issue_updated(started, link(), integration(), NOW)
    assert plan.outcome == "applied" and plan.updated is not None
    updated = plan.updated
    assert (updated.jira.jira_status, updated.jira.jira_status_id, updated.jira.roadmap_status) == (
        "In Progress",
        "3",
        "In development",
    )
    assert (updated.jira.last_event_at, updated.jira.last_event_seq) == (1550286862039, 10227)
    assert "To Do" not in plan.reason or "In Progress" in plan.reason


def test_the_same_or_an_older_event_is_stale() -> None:
    started = capture("webhook-issue-updated-started-working.json")
    after = apply(link(), started)
    assert plan_issue_updated(started, after, integration(), NOW).outcome == "stale"
    older = event("webhook-issue-updated-started-working.json", started.timestamp - 1)
    assert plan_issue_updated(older, after, integration(), NOW).outcome == "stale"
    same_ms_lower_id = event("webhook-issue-updated-started-working.json", started.timestamp, "10226")
    assert plan_issue_updated(same_ms_lower_id, after, integration(), NOW).outcome == "stale"
    same_ms_higher_id = event("webhook-issue-updated-started-working.json", started.timestamp, "10228")
    assert plan_issue_updated(same_ms_higher_id, after, integration(), NOW).outcome == "applied"


def test_reordered_events_end_where_in_order_events_end() -> None:
    renamed = capture("webhook-issue-updated-renamed.json")  # 1550286471789 summary
    started = capture("webhook-issue-updated-started-working.json")  # 1550286862039
    resolved = capture("webhook-issue-updated-resolved.json")  # 1550286940507
    in_order = link()
    for incoming in (renamed, started, resolved):
        in_order = apply(in_order, incoming)
    shuffled = link()
    for incoming in (resolved, renamed, started, resolved):
        shuffled = apply(shuffled, incoming)
    keys = (
        "jira_status",
        "roadmap_status",
        "jira_resolution",
        "name",
        "summary",
        "last_event_at",
        "last_event_seq",
    )
    assert {k: getattr(shuffled.jira, k) for k in keys} == {k: getattr(in_order.jira, k) for k in keys}
    assert (in_order.jira.jira_status, in_order.jira.jira_resolution, in_order.jira.summary) == (
        "Done",
        "Done",
        "Unit test summary 1",
    )


def test_an_event_without_a_status_item_takes_the_status_from_its_issue() -> None:
    """A status change that never arrives (or arrives late) is held by any newer event's issue."""
    edited = capture("webhook-issue-updated-assigned.json")
    updated = apply(link(), edited)
    assert updated.jira.jira_status == "To Do" and updated.jira.roadmap_status == "Ready to develop"


def test_unmapped_status_keeps_the_raw_status_and_warns() -> None:
    closed = capture("webhook-server-issue-updated-closed.json")
    plan = plan_issue_updated(
        closed, link(roadmap_status="In development"), integration(account_id="aha-bot"), NOW
    )
    assert plan.outcome == "applied" and plan.updated is not None
    assert plan.updated.jira.jira_status == "Closed" and plan.updated.jira.roadmap_status == "In development"
    assert plan.warning and "Closed" in plan.warning and plan.hint


def test_resolution_cleared_on_reopen() -> None:
    resolved = apply(link(), capture("webhook-issue-updated-resolved.json"))
    assert resolved.jira.jira_resolution == "Done"
    reopened = capture("webhook-server-issue-updated-in-progress.json")
    assert apply(resolved, reopened).jira.jira_resolution is None


def test_deletion_detaches_once_and_older_events_stay_out() -> None:
    deleted = capture("webhook-issue-deleted.json")
    plan = plan_issue_deleted(deleted, link(), integration(), NOW)
    assert plan.outcome == "applied" and plan.updated is not None
    assert plan.updated.jira.detached and plan.updated.jira.deleted_in_jira
    # The deleted issue's last state is kept, whatever arrived before.
    assert (plan.updated.jira.jira_status, plan.updated.jira.summary) == ("To Do", "hey")
    assert plan.updated.jira.name == "Unit test summary"  # the roadmap record keeps its name
    older = capture("webhook-issue-updated-resolved.json")  # older than the deletion
    assert plan_for(older, plan.updated, integration(), NOW).outcome == "stale"


def test_description_edits_are_ordered_on_their_own() -> None:
    edited = capture("webhook-issue-updated-edited.json")  # 1550286601840, description item
    resolved = capture("webhook-issue-updated-resolved.json")  # later, no description item
    record = apply(apply(link(), resolved), edited)  # the edit arrives late
    assert record.jira.description == "<p>Unit test description, not that long, a little longer now</p>"
    assert record.jira.jira_status == "Done"  # the late edit's older snapshot did not win
    plan = plan_for(edited, record, integration(), NOW)
    assert plan.outcome == "stale"


def test_disabled_integrations_and_detached_records_are_ignored() -> None:
    started = capture("webhook-issue-updated-started-working.json")
    assert plan_for(started, link(), integration(enabled=False), NOW).outcome == "ignored"
    assert plan_for(started, link(detached=True), integration(), NOW).outcome == "ignored"


# --- echo ------------------------------------------------------------------------------------------


def test_our_own_edit_is_an_echo() -> None:
    renamed = capture("webhook-issue-updated-renamed.json")  # summary → "Unit test summary 1"
    ours = link(name="Unit test summary 1")
    assert is_echo(renamed, ours, ENGINEER)
    assert plan_for(renamed, ours, integration(account_id=ENGINEER), NOW).outcome == "echo"


def test_an_edit_by_someone_else_is_not_an_echo() -> None:
    renamed = capture("webhook-issue-updated-renamed.json")
    assert not is_echo(renamed, link(name="Unit test summary 1"), BOT)
    assert not is_echo(renamed, link(name="Unit test summary 1"), None)  # never tested: no account known


def test_our_account_renaming_to_what_we_did_not_send_is_not_an_echo() -> None:
    renamed = capture("webhook-issue-updated-renamed.json")
    assert not is_echo(renamed, link(name="What the roadmap says"), ENGINEER)


def test_a_status_change_by_our_account_is_never_an_echo() -> None:
    started = capture("webhook-issue-updated-started-working.json")
    assert not is_echo(started, link(), ENGINEER)
    closed = capture("webhook-server-issue-updated-closed.json")  # Data Center: user name "admin"
    assert not is_echo(closed, link(), "admin")
    assigned = capture("webhook-server-issue-updated-closed.json", changelog={"id": "1", "items": []})
    assert is_echo(assigned, link(), "admin")


# --- status mapping, description --------------------------------------------------------------------


def test_status_mapping_by_name_or_id_case_insensitively() -> None:
    statuses = {"in progress": "Building", "10002": "Released", " Done ": "Shipped"}
    assert roadmap_status(statuses, "In Progress", "3") == "Building"
    assert roadmap_status(statuses, "Finished", "10002") == "Released"
    assert roadmap_status(statuses, "DONE", "99") == "Shipped"
    assert roadmap_status(statuses, "Closed", "6") is None
    assert roadmap_status({"3": "By id", "In Progress": "By name"}, "In Progress", "3") == "By name"


def test_descriptions_become_roadmap_html_with_every_text_escaped() -> None:
    wiki = "h1. Plan\n\n* *one* <b>\n* two\n\n{code}x < y{code}"
    assert jira_description_to_html(wiki) == (
        "<h1>Plan</h1><ul><li><p><strong>one</strong> &lt;b&gt;</p></li><li><p>two</p></li></ul>"
        "<pre><code>x &lt; y</code></pre>"
    )
    adf = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Hi & bye"}]}],
    }
    assert jira_description_to_html(adf) == "<p>Hi &amp; bye</p>"
    assert jira_description_to_html(None) == "" and jira_description_to_html("") == ""


def test_data_centers_worklog_issue_event_carries_the_time_tracking() -> None:
    """Jira Server/Data Center sends `jira:worklog_updated` with the whole issue after work is logged."""
    logged = capture(
        "webhook-server-issue-updated-closed.json",
        webhookEvent="jira:worklog_updated",
        issue_event_type_name="issue_worklog_updated",
        changelog={
            "id": "10512",
            "items": [
                {"field": "timespent", "fieldtype": "jira", "from": "120", "to": "180"},
                {"field": "WorklogId", "fieldtype": "jira", "from": "10100", "to": "10100"},
            ],
        },
    )
    updated = apply(link(), logged, integration(account_id="aha-bot"))
    assert (updated.jira.spent_seconds, updated.jira.remaining_seconds) == (180, 0)
    assert updated.jira.jira_status == "Closed"
