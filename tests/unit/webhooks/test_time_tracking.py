"""Time spent and remaining from worklog and issue events: the result depends only on which events arrived,
never on their order or repetition, and matches Jira's own totals."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks import time_tracking
from aha_jira.webhooks.receive import plan_for
from aha_jira.webhooks.routing import IntegrationContext

CONTEXT = IntegrationContext(integration_id="mob", enabled=True, statuses={}, account_id="bot")
HOUR = 3600


def fresh_link() -> IssueLink:
    return IssueLink(
        integration_id="mob",
        reference="PROD-2",
        kind="feature",
        feature_reference="PROD-2",
        state="linked",
        token="t",
        issue_id="10040",
    )


@dataclass
class FakeJira:
    """Jira's time tracking with "adjust automatically": what its events would carry."""

    remaining: int = 40 * HOUR
    worklogs: dict[str, int] = field(default_factory=dict)
    clock: int = 1_700_000_000_000
    changelog: int = 10_000
    events: list[dict[str, Any]] = field(default_factory=list)

    def _tick(self) -> int:
        self.clock += 7
        return self.clock

    def _worklog_event(self, kind: str, worklog_id: str, seconds: int) -> None:
        self.events.append(
            {
                "timestamp": self._tick(),
                "webhookEvent": f"worklog_{kind}",
                "worklog": {"id": worklog_id, "issueId": "10040", "timeSpentSeconds": seconds},
            }
        )

    def log(self, worklog_id: str, seconds: int) -> None:
        self.worklogs[worklog_id] = seconds
        self.remaining -= seconds
        self._worklog_event("created", worklog_id, seconds)

    def change(self, worklog_id: str, seconds: int) -> None:
        self.remaining -= seconds - self.worklogs[worklog_id]
        self.worklogs[worklog_id] = seconds
        self._worklog_event("updated", worklog_id, seconds)

    def delete(self, worklog_id: str) -> None:
        seconds = self.worklogs.pop(worklog_id)
        self.remaining += seconds
        self._worklog_event("deleted", worklog_id, seconds)

    def issue_event(self) -> None:
        self.changelog += 1
        self.events.append(
            {
                "timestamp": self._tick(),
                "webhookEvent": "jira:issue_updated",
                "user": {"accountId": "engineer"},
                "issue": {
                    "id": "10040",
                    "fields": {
                        "timespent": sum(self.worklogs.values()) or None,
                        "timeestimate": self.remaining,
                        "timeoriginalestimate": 40 * HOUR,
                    },
                },
                "changelog": {"id": str(self.changelog), "items": [{"field": "labels", "toString": "x"}]},
            }
        )

    @property
    def spent(self) -> int:
        return sum(self.worklogs.values())


def random_history(seed: int, steps: int = 40) -> FakeJira:
    rng = random.Random(seed)
    jira = FakeJira()
    if rng.random() < 0.7:
        jira.issue_event()
    next_id = 100
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.35 or not jira.worklogs:
            next_id += 1
            jira.log(str(next_id), rng.choice([900, 1800, 3600]))
        elif roll < 0.6:
            jira.change(rng.choice(sorted(jira.worklogs)), rng.choice([600, 2700, 5400]))
        elif roll < 0.75:
            jira.delete(rng.choice(sorted(jira.worklogs)))
        else:
            jira.issue_event()
    return jira


def apply_all(events: list[dict[str, Any]]) -> IssueLink:
    link = fresh_link()
    for payload in events:
        plan = plan_for(JiraWebhookEvent.model_validate(payload), link, CONTEXT, "now")
        link = plan.updated or link
    return link


def arrival_order(events: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """30% delivered twice, then shuffled."""
    rng = random.Random(seed)
    arriving = events + [event for event in events if rng.random() < 0.3]
    rng.shuffle(arriving)
    return arriving


@pytest.mark.parametrize("seed", range(40))
def test_any_order_with_duplicates_ends_where_the_in_order_run_ends(seed: int) -> None:
    jira = random_history(seed)
    in_order = apply_all(jira.events)
    shuffled = apply_all(arrival_order(jira.events, seed))
    assert (shuffled.jira.spent_seconds, shuffled.jira.remaining_seconds) == (
        in_order.jira.spent_seconds,
        in_order.jira.remaining_seconds,
    )
    assert in_order.jira.spent_seconds == jira.spent
    has_baseline = any(event["webhookEvent"] == "jira:issue_updated" for event in jira.events)
    assert in_order.jira.remaining_seconds == (jira.remaining if has_baseline else None)


def test_without_an_issue_event_spent_is_the_sum_and_remaining_unknown() -> None:
    jira = FakeJira()
    jira.log("1", HOUR)
    jira.log("2", HOUR)
    jira.change("1", 2 * HOUR)
    link = apply_all(jira.events)
    assert (link.jira.spent_seconds, link.jira.remaining_seconds) == (3 * HOUR, None)


def test_an_issue_event_older_than_the_worklogs_does_not_count_them_twice() -> None:
    jira = FakeJira()
    jira.log("1", HOUR)
    jira.issue_event()  # Jira: spent 1 h
    jira.log("2", HOUR)
    jira.change("1", 3 * HOUR)
    first, baseline, second, changed = jira.events
    link = apply_all([changed, second, baseline])  # the creation of worklog 1 has not arrived yet
    assert link.jira.spent_seconds == 5 * HOUR  # 1 h (baseline) + 1 h (new) + 3 h (not yet known to be in it)
    link = apply_all([changed, second, baseline, first])
    assert (
        (link.jira.spent_seconds, link.jira.remaining_seconds)
        == (4 * HOUR, 36 * HOUR)
        == (jira.spent, jira.remaining)
    )


def test_a_deletion_arriving_before_the_creation_stays_deleted() -> None:
    jira = FakeJira()
    jira.issue_event()
    jira.log("1", HOUR)
    jira.delete("1")
    baseline, created, deleted = jira.events
    link = apply_all([deleted, baseline, created, created])
    assert (link.jira.spent_seconds, link.jira.remaining_seconds) == (0, 40 * HOUR)


def test_the_same_event_twice_is_recorded_once() -> None:
    link = time_tracking.apply_worklog(fresh_link(), "1", kind="created", seconds=60, at=5)
    assert link is not None
    assert time_tracking.apply_worklog(link, "1", kind="created", seconds=60, at=5) is None
