"""The roadmap reliability run at a small scale (`python -m bench.roadmap_reliability` runs 1,000 events for
100 issues): Jira events duplicated and reordered, Aha! failing a fifth of the calls (429, 5xx, timeouts,
commit-then-drop); Aha!'s final state equals Jira's, no event lost or delivered twice, no time counted twice,
the dead-letter queue empty."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from bench._roadmap_workload import DELIVERY_QUEUE, DLQ, run
from bench._webhook_workload import SECRET
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import Deliver, deliver  # noqa: F401 - `deliver` is a fixture

pytestmark = pytest.mark.soak


def test_aha_ends_as_jira_ends_through_duplicates_reordering_and_faults(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    deliver: Deliver,  # noqa: F811 - the fixture imported above
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small and quick: short back-offs and timeouts, Aha!'s limit out of the way (tests elsewhere check it).
    monkeypatch.setenv("ROADMAP_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("ROADMAP_READ_TIMEOUT_SECONDS", "0.5")
    # Over how late a timed-out call lands (the `timeout_delay` below less the read timeout).
    monkeypatch.setenv("ROADMAP_TIME_SETTLE_SECONDS", "2")
    monkeypatch.setenv("AHA_REQUESTS_PER_SECOND", "100")
    aha_sim.set_rate_limit(None)
    sources = [source for source in repo_template.sqs_event_sources if source.queue == DELIVERY_QUEUE]
    poller = SqsPoller(repo_template, aws, handlers=handler_registry, sources=sources, wait_time_seconds=1)

    def one(token: str, body: bytes, identifier: str) -> tuple[int, Any]:
        return deliver(token, body, secret=SECRET, identifier=identifier)

    report = run(
        call_api,
        one,
        jira_sim,
        aha_sim,
        poller,
        events_table=aws.table_name("RoadmapEventsTable"),
        dlq_url=aws.queue_url(DLQ),
        issues=6,
        events=70,
        timeout_delay=1.0,
        seed=3,
        settle_timeout=120,
    )
    assert report.errors == []
    assert report.mismatches == []
    assert report.lost == [] and report.outbox["pending"] == 0
    assert report.delivered_twice == []
    assert report.dead_letters == 0
    assert report.duplicated > 0 and report.reordered > 0
    assert report.aha_calls["faulted"] > 0  # Aha! did fail calls, and nothing was lost to it
    assert report.outbox["delivered"] > 0 and report.by_type["record.time_tracked"] > 0
