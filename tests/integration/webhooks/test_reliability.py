"""At-least-once, unordered delivery: Jira's real deliveries for a day of work on a few issues, a share of
them delivered twice and a share arriving late, end in the same records as the same deliveries once and in
order — and in Jira's own state. Small here; `python -m bench.webhook_reliability` runs 2,000 events for 100
issues (bench/RESULTS.md)."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from bench._webhook_workload import SECRET, run
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import Deliver


def test_duplicated_and_reordered_deliveries_end_in_the_in_order_state(
    call_api: Call, deliver: Deliver, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    def one(token: str, body: bytes, identifier: str) -> tuple[int, Any]:
        return deliver(token, body, secret=SECRET, identifier=identifier)

    report = run(
        call_api,
        one,
        jira_sim,
        links_table=aws.table_name("IssueLinksTable"),
        deliveries_table=aws.table_name("WebhookDeliveriesTable"),
        issues=8,
        events=160,
        seed=11,
    )
    assert report.errors == []
    assert report.mismatches_with_in_order == []
    assert report.mismatches_with_jira == []
    assert report.records == 8
    assert report.outcomes_shuffled["duplicate"] == report.duplicated > 0
    assert report.reordered > 0 and report.outcomes_shuffled["stale"] > 0
    # In order, every delivery changes its record (worklogs, and issue events newer than the last one).
    assert report.outcomes_in_order == {"applied": report.events}
    assert {
        "jira:issue_updated",
        "worklog_created",
        "worklog_updated",
        "worklog_deleted",
        "jira:issue_deleted",
    } <= set(report.by_event)
