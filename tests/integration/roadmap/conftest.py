"""Roadmap events end to end: an integration on the Jira simulator whose roadmap is the Aha! simulator (or a
signed webhook receiver), the real handlers in-process against moto, the Jira simulator firing its webhooks
at the local gateway, and the delivery worker run by the local stack's SQS poller.

- `aha_site`: integration `mob` (product PROD) with `roadmap.type: aha` on the Aha! simulator (bot key,
  the Jira integration as `integration_ref`), importing Stories and Bugs into release PROD-R-2, tested;
  `aha_site.deliver()` runs the delivery worker until its queue is empty.
- `events(call_api, integration)`: the change feed, every page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from aha_jira.models import roadmap_event
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.roadmap_event import NewEvent
from aha_jira.storage.roadmap_outbox import default_outbox
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import BatchOutcome, SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import SECRET, Site, token_of
from tests.queues import run_until_quiet

DELIVERY_QUEUE = "RoadmapDeliveryQueue"
IMPORT_RELEASE = "PROD-R-2"  # the Aha! simulator's "Release 2.0"
DLQ = "RoadmapDeliveryDLQ"


def roadmap_poller(template: Template, aws: LocalResources, handlers: HandlerRegistry) -> SqsPoller:
    sources = [source for source in template.sqs_event_sources if source.queue == DELIVERY_QUEUE]
    return SqsPoller(template, aws, handlers=handlers, sources=sources, wait_time_seconds=0)


def drain(poller: SqsPoller, *, rounds: int = 30, empty_polls: int = 2, wait: int = 1) -> list[BatchOutcome]:
    """Run the delivery worker until its queue is empty or gave nothing `empty_polls` times in a row."""
    return run_until_quiet(poller, rounds=rounds, empty_polls=empty_polls, wait=wait)


def queue_depth(aws: LocalResources, queue: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url(queue),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def events(call_api: Call, integration: str = "mob", *, limit: int = 100) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        status, page = call_api(
            "GET", f"/integrations/{integration}/events", query=[("after", str(after)), ("limit", str(limit))]
        )
        assert status == 200, page
        found += page["events"]
        if page["next"] is None:
            return found
        after = page["next"]


@dataclass
class AhaSite(Site):
    aha: AhaSimulator | None = None
    poller: SqsPoller | None = None

    def deliver(self, **kwargs: Any) -> list[BatchOutcome]:
        assert self.poller is not None
        return drain(self.poller, **kwargs)


def aha_roadmap(aha: AhaSimulator, **extra: Any) -> dict[str, Any]:
    return {
        "type": "aha",
        "base_url": aha.base_url,
        "api_key": aha.bot_key,
        "integration_ref": aha.integration_id,
        **extra,
    }


@pytest.fixture
def roadmap_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short back-offs: a retried delivery comes back within a second or two; so does one that lets a time
    post whose answer was lost settle (no simulator delay here lands that late)."""
    monkeypatch.setenv("ROADMAP_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("ROADMAP_SWEEP_AFTER_SECONDS", "0")
    monkeypatch.setenv("ROADMAP_TIME_SETTLE_SECONDS", "0.5")


@pytest.fixture
def aha_site(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> Iterator[AhaSite]:
    body = integration_body(jira_sim, product="PROD")
    body["webhook"] = {"secret": SECRET}
    body["roadmap"] = aha_roadmap(aha_sim)
    body["import"] = {"enabled": True, "issue_types": ["Story", "Bug"], "release": IMPORT_RELEASE}
    status, view = call_api("PUT", "/integrations/mob", body)
    assert status == 201, view
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    token = token_of(view["webhook_url"])
    jira_sim.configure_webhook(f"{gateway.url}/webhooks/jira/{token}", SECRET)
    yield AhaSite(
        call_api=call_api,
        sim=jira_sim,
        token=token,
        secret=SECRET,
        integrations=["mob"],
        aha=aha_sim,
        poller=roadmap_poller(repo_template, aws, handler_registry),
    )


# --- events written straight into the outbox (what the writers do), for the delivery's own tests ---------


def record_link(reference: str, *, kind: str = "feature", key: str = "MOB-1", **jira: Any) -> IssueLink:
    return IssueLink(
        integration_id="mob",
        reference=reference,
        kind=kind,  # type: ignore[arg-type]
        feature_reference=reference.rsplit("-", 1)[0] if kind == "requirement" else reference,
        state="linked",
        token="t",
        site_url="https://acme.atlassian.net",
        issue_id=key.rsplit("-", maxsplit=1)[-1],
        issue_key=key,
    ).with_jira(**jira)


def emit(*events: NewEvent) -> list[int]:
    """Commit events as a change would (no change of their own here); their ids."""
    outcome = default_outbox().commit([], list(events))
    assert outcome.committed
    return [ref.event_id for ref in outcome.events]


def status_event(reference: str, status: str | None, jira_status: str, *, kind: str = "feature") -> NewEvent:
    before = record_link(reference, kind=kind)
    after = before.with_jira(roadmap_status=status, jira_status=jira_status)
    [event] = roadmap_event.changes_between(before, after, deliver=True)
    return event


def time_event(reference: str, spent: int, remaining: int | None, *, kind: str = "feature") -> NewEvent:
    before = record_link(reference, kind=kind)
    after = before.with_jira(spent_seconds=spent, remaining_seconds=remaining)
    [event] = roadmap_event.changes_between(before, after, deliver=True)
    return event


@dataclass
class AhaIntegration:
    """Integration `mob` (product PROD) whose roadmap is the Aha! simulator, not tested (delivery needs no
    Jira), and its delivery worker."""

    call_api: Call
    aha: AhaSimulator
    poller: SqsPoller
    jira: JiraSimulator

    def deliver(self, **kwargs: Any) -> list[BatchOutcome]:
        return drain(self.poller, **kwargs)

    def configure(self, **roadmap: Any) -> None:
        body = integration_body(self.jira, product="PROD")
        body["roadmap"] = roadmap or aha_roadmap(self.aha)
        status, view = self.call_api("PUT", "/integrations/mob", body)
        assert status in (200, 201), view


@pytest.fixture
def aha_integration(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> AhaIntegration:
    integration = AhaIntegration(
        call_api, aha_sim, roadmap_poller(repo_template, aws, handler_registry), jira_sim
    )
    integration.configure()
    return integration


def log_lines(output: Any, prefix: str = "roadmap.") -> list[dict[str, Any]]:
    import json  # noqa: PLC0415

    lines = [json.loads(line) for line in output.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if str(line.get("action", "")).startswith(prefix)]
