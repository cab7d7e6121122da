"""A linked issue as Jira has it now, what a record missed of it, and the change that repairs the record.

The repair is an ordinary webhook event built from the issue's current state (`jira:issue_updated` carrying
the issue's status, resolution, summary and time tracking, or `jira:issue_deleted`), applied through the
webhook's own planning and transaction (`webhooks.receive.apply_issue_state`). Its place in the issue's
history (`webhooks.ordering`) is Jira's `updated` time plus `STAMP_LAG_MS`:

- Jira stamps the webhook event of a change (its `timestamp`) at most `STAMP_LAG_MS` after the issue's
  `updated` of that change, so a late delivery of any change the repair already holds is older: `stale`,
  never applied twice. Worklog events of those changes sit before the repair's time-tracking baseline, so
  their seconds are not counted twice either (`webhooks.time_tracking`).
- An issue is repaired only once it has been quiet for `STAMP_LAG_MS` + `CLOCK_SKEW_MS` when Jira is asked
  (`settled`): any later change was made after that answer, so its event is newer than the repair and
  applies as usual. A change too fresh is left to the next sweep, whose window overlaps this one.

A record misses a change when Jira's state differs from the record's in what the webhook keeps: the status
(a record that never received an issue event and whose issue is still in a "To Do" category status has
missed nothing: that status is the one the send created it in), the resolution, the summary, and the time
spent (the remaining estimate alone is not compared: the integration's own sends set it, and their echoes
never reach the record). Descriptions are not repaired: only a changelog says one was edited in Jira.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_payloads import JiraIssue
from aha_jira.models.jira_webhook import JiraWebhookEvent

# The fields a repair needs, and the entity property that names an issue's record (`sync.drafting`'s
# STAMP_PROPERTY, not imported: the drafting package is the send's, heavy to load for one string).
FIELDS = ["status", "resolution", "summary", "updated", "timespent", "timeestimate"]
STAMP_PROPERTY = "aha-jira"
# Jira stamps a change's webhook event at most this long after the issue's `updated` of that change.
STAMP_LAG_MS = 2000
# How far our clock may be from Jira's.
CLOCK_SKEW_MS = 1000
_NEW_CATEGORY = "new"  # Jira's "To Do" status category key


@dataclass(frozen=True)
class IssueState:
    """The parts of a Jira issue the webhook keeps on a record, as one search or bulk fetch answered them."""

    issue_id: str
    key: str
    updated_ms: int
    fields: dict[str, Any]
    stamp: dict[str, Any]

    @property
    def status_name(self) -> str | None:
        status = self.fields.get("status") or {}
        return str(status["name"]) if isinstance(status, dict) and status.get("name") else None

    @property
    def status_id(self) -> str | None:
        status = self.fields.get("status") or {}
        return str(status["id"]) if isinstance(status, dict) and status.get("id") is not None else None

    @property
    def status_category(self) -> str | None:
        status = self.fields.get("status") or {}
        category = status.get("statusCategory") if isinstance(status, dict) else None
        return str(category.get("key")) if isinstance(category, dict) and category.get("key") else None

    @property
    def resolution(self) -> str | None:
        resolution = self.fields.get("resolution")
        return str(resolution["name"]) if isinstance(resolution, dict) and resolution.get("name") else None

    @property
    def summary(self) -> str | None:
        summary = self.fields.get("summary")
        return summary if isinstance(summary, str) and summary else None

    @property
    def spent(self) -> int:
        value = self.fields.get("timespent")
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

    @property
    def record(self) -> tuple[str, str] | None:
        """(integration id, reference) the issue's stamp names, when it has one."""
        integration, reference = self.stamp.get("integration_id"), self.stamp.get("reference")
        if isinstance(integration, str) and isinstance(reference, str) and integration and reference:
            return integration, reference
        return None


def jira_time_ms(value: Any) -> int | None:
    """Jira's `2026-05-01T10:05:03.123+0000` (or with `+00:00`) as epoch milliseconds."""
    if not isinstance(value, str) or not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return int(datetime.strptime(value, pattern).timestamp() * 1000)
        except ValueError:
            continue
    return None


def issue_state(issue: JiraIssue) -> IssueState | None:
    """The state of a searched or fetched issue; None when Jira's answer lacks its `updated` time."""
    updated = jira_time_ms(issue.fields.get("updated"))
    if updated is None:
        return None
    stamp = issue.properties.get(STAMP_PROPERTY)
    return IssueState(
        issue_id=issue.id,
        key=issue.key,
        updated_ms=updated,
        fields=issue.fields,
        stamp=stamp if isinstance(stamp, dict) else {},
    )


def settled(state: IssueState, asked_at_ms: int) -> bool:
    """Whether the issue was quiet long enough before Jira was asked (at `asked_at_ms`, our clock) for its
    repair to sit between every webhook event of the changes it holds and every later one."""
    return asked_at_ms - CLOCK_SKEW_MS >= state.updated_ms + STAMP_LAG_MS


def repair_mark(state: IssueState) -> int:
    return state.updated_ms + STAMP_LAG_MS


def missed(link: IssueLink, state: IssueState) -> list[str]:
    """What the record lacks of the issue's state, in words; empty when it has it all."""
    jira = link.jira
    said: list[str] = []
    status_differs = (state.status_id, state.status_name) != (jira.jira_status_id, jira.jira_status)
    untouched = jira.last_event_at is None and jira.jira_status is None
    if status_differs and not (untouched and state.status_category == _NEW_CATEGORY):
        said.append(f"status {jira.jira_status or '(none)'} → {state.status_name or state.status_id}")
    if state.resolution != jira.jira_resolution:
        said.append(f"resolution {jira.jira_resolution or '(none)'} → {state.resolution or '(none)'}")
    # Jira's summary as the record has it (`name` is the roadmap's unless `mapping.two_way` renames it).
    if state.summary is not None and state.summary != (jira.summary or jira.name):
        said.append("summary renamed in Jira")
    if state.spent != (jira.spent_seconds or 0):
        said.append(f"time spent {jira.spent_seconds or 0} s → {state.spent} s")
    return said


def update_event(state: IssueState) -> JiraWebhookEvent | None:
    """The `jira:issue_updated` the webhook would have delivered for the issue's last change; None when
    Jira's values are not ones a delivery could carry (the same bounds a webhook's payload has)."""
    fields = {name: state.fields.get(name) for name in ("status", "resolution", "summary")}
    fields["timespent"] = state.fields.get("timespent")
    fields["timeestimate"] = state.fields.get("timeestimate")
    try:
        return JiraWebhookEvent.model_validate(
            {
                "timestamp": repair_mark(state),
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": "issue_updated",
                "issue": {"id": state.issue_id, "key": state.key, "fields": fields},
            }
        )
    except ValidationError:
        return None


def deletion_event(link: IssueLink, at_ms: int) -> JiraWebhookEvent:
    """The `jira:issue_deleted` for a linked issue that no longer exists, placed at `at_ms` (after Jira said
    so): every event of the issue's life is older, and none can follow a deletion."""
    return JiraWebhookEvent.model_validate(
        {
            "timestamp": at_ms,
            "webhookEvent": "jira:issue_deleted",
            "issue_event_type_name": "issue_deleted",
            "issue": {"id": link.issue_id, "key": link.issue_key},
        }
    )
