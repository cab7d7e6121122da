"""The comments reliability run at a small scale (`python -m bench.comment_reliability` runs 500 comments):
comments written, edited and deleted on both sides, both sides' webhooks duplicated and reordered, Aha! and
Jira failing a share of the comment calls; both sides end with the same comments, none doubled, none lost,
no echo come back, every roadmap event settled, the dead-letter queues empty."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from bench._comment_workload import run
from bench._webhook_workload import SECRET
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import Deliver, deliver  # noqa: F401 - `deliver` is a fixture

pytestmark = pytest.mark.soak


def test_both_sides_end_with_the_same_comments_through_duplicates_reordering_and_faults(  # noqa: PLR0917
    call_api: Call,
    deliver: Deliver,  # noqa: F811 - the fixture imported above
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    gateway: LocalApiGateway,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROADMAP_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("ROADMAP_SWEEP_AFTER_SECONDS", "0")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    monkeypatch.setenv("AHA_REQUESTS_PER_SECOND", "100")
    aha_sim.set_rate_limit(None)
    sources = [
        s for s in repo_template.sqs_event_sources if s.queue in {"RoadmapDeliveryQueue", "RetryQueue"}
    ]
    poller = SqsPoller(repo_template, aws, handlers=handler_registry, sources=sources, wait_time_seconds=1)

    def one(token: str, body: bytes, identifier: str) -> tuple[int, Any]:
        return deliver(token, body, secret=SECRET, identifier=identifier)

    def from_aha(path: str, body: bytes) -> tuple[int, Any]:
        return call_api("POST", path, json.loads(body))

    report = run(
        call_api,
        one,
        from_aha,
        jira_sim,
        aha_sim,
        poller,
        gateway.url,
        events_table=aws.table_name("RoadmapEventsTable"),
        dead_letter_urls=[aws.queue_url("RoadmapDeliveryDLQ"), aws.queue_url("RetryDeadLetterQueue")],
        comments=24,
        features=2,
        settle_timeout=120,
    )
    assert report.errors == []
    assert report.mismatches == []
    assert report.lost == []
    assert report.dead_letters == 0
    assert report.duplicated > 0 and report.reordered > 0 and report.edits > 0 and report.deletes > 0
    assert report.copies_in_aha > 0 and report.copies_in_jira > 0
