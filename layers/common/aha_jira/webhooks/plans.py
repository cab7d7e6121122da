"""What one event does to one record: the outcome, a sentence saying why, and the record to write."""

from __future__ import annotations

from dataclasses import dataclass

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import Outcome
from aha_jira.models.roadmap_event import NewEvent


@dataclass(frozen=True)
class Plan:
    current: IssueLink
    outcome: Outcome
    reason: str
    updated: IssueLink | None = None  # set when the outcome is "applied"
    warning: str | None = None  # something the integration's owner should fix (an unmapped status)
    hint: str | None = None
    # Roadmap events of the change besides those derived from the record's attributes (a comment's).
    events: tuple[NewEvent, ...] = ()

    @property
    def writes(self) -> bool:
        return self.updated is not None


def unchanged(current: IssueLink, outcome: Outcome, reason: str) -> Plan:
    return Plan(current=current, outcome=outcome, reason=reason)
