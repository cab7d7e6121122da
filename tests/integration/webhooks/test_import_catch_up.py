"""Importing issues created in Jira: the write-back job's catch-up of the issue's current state is never lost."""

from __future__ import annotations

import time
from typing import Any

from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.fixtures.api import Call
from tests.fixtures.jira import WebhookReceiver
from tests.integration.webhooks.conftest import SECRET, Deliver, configure_site
from tests.queues import messages_handled, run_until_quiet


def _story() -> dict[str, Any]:
    return {"project": {"key": "MOB"}, "issuetype": {"name": "Story"}, "summary": "Created by an engineer"}


def _run_worker(aws: LocalResources, template: Template, handlers: HandlerRegistry) -> int:
    poller = SqsPoller(template, aws, handlers=handlers, wait_time_seconds=0)
    return messages_handled(run_until_quiet(poller, template.sqs_event_sources[0], rounds=5))


def _status_change_to(deliveries: list[dict[str, Any]], status: str) -> dict[str, Any]:
    for delivery in deliveries:
        payload = delivery["payload"]
        items = (payload.get("changelog") or {}).get("items") or []
        if any(item.get("field") == "status" and item.get("toString") == status for item in items):
            return payload
    raise AssertionError(f"no delivery moved the issue to {status}")


def test_the_catch_up_is_not_dropped_when_an_older_event_lands_during_the_write_back(
    *,
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    webhook_receiver: WebhookReceiver,
    deliver: Deliver,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
) -> None:
    """Jira: created (To Do) → In Progress (E1) → Done (E2). E2 arrives first (no record yet: ignored), then
    the creation (imported), then E1 while the write-back job runs. The job read the issue as Done and
    plans the catch-up, but its write is conditional on the `webhook_rev` it read *before* calling Jira;
    E1 bumped it, the write fails, and `write_back_import` drops the catch-up without re-planning.
    E2 will never come again (it was answered 2xx), so the record stays "In Progress" for good, while the
    docs promise "ordering keeps the newer of it and any event still on its way"."""
    site = configure_site(call_api, jira_sim, gateway, import_types=["Story"])
    jira_sim.configure_webhook(webhook_receiver.url, SECRET)  # capture Jira's deliveries, hand them in below
    engineer = SimulatorClient(jira_sim.base_url)
    created = engineer.engineer_create(_story())
    time.sleep(0.01)
    engineer.engineer_transition(created["key"], "In Progress")
    time.sleep(0.01)
    engineer.engineer_transition(created["key"], "Done")
    deliveries = jira_sim.wait_for_deliveries(3, timeout=10)
    creation = next(d["payload"] for d in deliveries if d["event"] == "jira:issue_created")
    to_in_progress = _status_change_to(deliveries, "In Progress")
    to_done = _status_change_to(deliveries, "Done")

    status, answer = deliver(site.token, to_done, secret=SECRET)
    assert status == 200 and answer["outcome"] == "ignored", answer
    status, answer = deliver(site.token, creation, secret=SECRET)
    assert status == 200 and answer["outcome"] == "imported", answer
    [record] = answer["records"]
    reference = record["reference"]

    client = aws_clients.dynamodb()
    event_name = "before-parameter-build.dynamodb.UpdateItem"
    landed: list[Any] = []

    def e1_lands_meanwhile(params: dict[str, Any], **_: Any) -> None:
        if "writeback_at" not in str(params.get("UpdateExpression", "")):
            return
        client.meta.events.unregister(event_name, e1_lands_meanwhile)
        landed.append(deliver(site.token, to_in_progress, secret=SECRET))

    client.meta.events.register(event_name, e1_lands_meanwhile)
    try:
        assert _run_worker(aws, repo_template, handler_registry) >= 1
    finally:
        client.meta.events.unregister(event_name, e1_lands_meanwhile)
    assert landed and landed[0][1]["outcome"] == "applied", landed

    assert jira_sim.core.store.issues[created["id"]].properties["aha-jira"]["reference"] == reference
    feature = site.read(reference)
    assert feature["jira"]["status"] == "Done", feature["jira"]
    assert feature["status"] == "Shipped"


def test_control_the_same_deliveries_without_the_interleaving_catch_up_to_done(
    *,
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    webhook_receiver: WebhookReceiver,
    deliver: Deliver,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
) -> None:
    """Control (passes): E1 lands before the job starts, the catch-up then applies Done. Only the timing
    differs from the test above."""
    site = configure_site(call_api, jira_sim, gateway, import_types=["Story"])
    jira_sim.configure_webhook(webhook_receiver.url, SECRET)
    engineer = SimulatorClient(jira_sim.base_url)
    created = engineer.engineer_create(_story())
    time.sleep(0.01)
    engineer.engineer_transition(created["key"], "In Progress")
    time.sleep(0.01)
    engineer.engineer_transition(created["key"], "Done")
    deliveries = jira_sim.wait_for_deliveries(3, timeout=10)
    creation = next(d["payload"] for d in deliveries if d["event"] == "jira:issue_created")
    for payload in (
        _status_change_to(deliveries, "Done"),
        creation,
        _status_change_to(deliveries, "In Progress"),
    ):
        status, answer = deliver(site.token, payload, secret=SECRET)
        assert status == 200, answer
    assert _run_worker(aws, repo_template, handler_registry) >= 1
    feature = site.read("MOB-1")
    assert feature["jira"]["status"] == "Done" and feature["status"] == "Shipped"
