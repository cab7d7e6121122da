"""What a `worklog_created|updated|deleted` event does to the record linked to its issue (found by
`worklog.issueId`, the only issue reference these events carry)."""

from __future__ import annotations

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks import time_tracking
from aha_jira.webhooks.plans import Plan, unchanged
from aha_jira.webhooks.time_tracking import WorklogKind

_KINDS: dict[str, WorklogKind] = {
    "worklog_created": "created",
    "worklog_updated": "updated",
    "worklog_deleted": "deleted",
}


def plan_worklog(event: JiraWebhookEvent, link: IssueLink, now: str) -> Plan:
    worklog = event.worklog
    assert worklog is not None  # the payload model requires it for worklog events
    kind = _KINDS[event.webhook_event]
    latest = time_tracking.is_latest_change(link, worklog.id, event.timestamp)
    updated = time_tracking.apply_worklog(
        link, worklog.id, kind=kind, seconds=worklog.time_spent_seconds, at=event.timestamp
    )
    if updated is None:
        return unchanged(link, "stale", f"this change of worklog {worklog.id} was applied before")
    remaining = "unknown" if updated.jira.remaining_seconds is None else f"{updated.jira.remaining_seconds} s"
    what = f"worklog {worklog.id} {kind}" if latest else f"an earlier change of worklog {worklog.id} recorded"
    return Plan(
        current=link,
        outcome="applied",
        reason=f"{what}; time spent {updated.jira.spent_seconds} s, remaining {remaining}",
        updated=updated.with_jira(jira_updated_at=now),
    )
