"""Unordered, repeated deliveries and our own writes coming back: what changes a record and what does not.

The simulator's deliveries are captured (its webhook pointed at a recording receiver), then handed to the
handler in the order each test needs.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.jira import ReceivedRequest, WebhookReceiver
from tests.integration.webhooks.conftest import SECRET, Deliver, Site, aha_feature

SCOPE_ADF = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Scope"}]},
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Only "},
                {"type": "text", "text": "iOS", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " for now."},
                {"type": "hardBreak"},
                {"type": "text", "text": "Android <later>."},
            ],
        },
    ],
}


@contextmanager
def captured(site: Site, receiver: WebhookReceiver, gateway_url: str) -> Iterator[list[ReceivedRequest]]:
    """Point the simulator's webhook at `receiver` for the block; yields what it received meanwhile."""
    seen = len(receiver.requests)
    got: list[ReceivedRequest] = []
    site.settle()
    site.sim.configure_webhook(receiver.url, SECRET)
    try:
        yield got
        site.settle()
    finally:
        got.extend(receiver.requests[seen:])
        site.sim.configure_webhook(gateway_url, SECRET)


def replay(deliver: Deliver, site: Site, request: ReceivedRequest) -> dict[str, Any]:
    status, answer = deliver(
        site.token,
        request.body,
        secret=SECRET,
        identifier=request.headers["X-Atlassian-Webhook-Identifier"],
    )
    assert status == 200, answer
    return dict(answer)


def link_item(aws: LocalResources, reference: str, integration: str = "mob") -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(aws.table_name("IssueLinksTable"))
    return dict(table.get_item(Key={"pk": f"INTEGRATION#{integration}", "sk": f"RECORD#{reference}"})["Item"])


def gateway_webhook_url(site: Site) -> str:
    config = site.sim.core.webhooks.config
    assert config is not None
    return config.url


def test_an_older_event_arriving_after_a_newer_one_changes_nothing(
    site: Site, deliver: Deliver, webhook_receiver: WebhookReceiver
) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    engineer = SimulatorClient(site.sim.base_url)
    with captured(site, webhook_receiver, gateway_webhook_url(site)) as events:
        engineer.engineer_transition(key, "In Progress")
        engineer.engineer_edit(key, {"summary": "Renamed by the engineer"})
        engineer.engineer_transition(key, "Done")
    assert [json.loads(e.body)["webhookEvent"] for e in events] == ["jira:issue_updated"] * 3
    in_progress, renamed, done = events

    assert replay(deliver, site, done)["outcome"] == "applied"
    assert replay(deliver, site, in_progress)["outcome"] == "stale"
    # The rename is older than Done, whose issue already carried the new summary.
    assert replay(deliver, site, renamed)["outcome"] == "stale"
    feature = site.read("PROD-2")
    assert feature["jira"]["status"] == "Done" and feature["status"] == "Shipped"
    # Without mapping.two_way the roadmap keeps its name; Jira's summary is shown beside it.
    assert feature["name"] == "Feature with attachments"
    assert feature["jira"]["summary"] == "Renamed by the engineer"


def test_a_description_edit_arriving_late_is_still_kept(
    site: Site, deliver: Deliver, webhook_receiver: WebhookReceiver
) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    engineer = SimulatorClient(site.sim.base_url)
    with captured(site, webhook_receiver, gateway_webhook_url(site)) as events:
        engineer.engineer_edit(key, {"description": SCOPE_ADF})
        engineer.engineer_transition(key, "In Progress")
    edited, started = events
    assert replay(deliver, site, started)["outcome"] == "applied"
    answer = replay(deliver, site, edited)
    assert answer["outcome"] == "applied" and "description" in answer["reason"]
    feature = site.read("PROD-2")
    assert feature["description"] == (
        "<h2>Scope</h2><p>Only <strong>iOS</strong> for now.<br>Android &lt;later&gt;.</p>"
    )
    assert feature["jira"]["status"] == "In Progress"
    # Played again, nothing is newer any more.
    assert replay(deliver, site, edited)["outcome"] == "duplicate"


def test_the_echo_of_our_own_writes_changes_nothing(
    site: Site, deliver: Deliver, webhook_receiver: WebhookReceiver, aws: LocalResources
) -> None:
    feature = aha_feature()
    with captured(site, webhook_receiver, gateway_webhook_url(site)) as created:
        site.send(feature)
    feature["name"] = "Renamed on the roadmap"
    feature["description"]["body"] = "<p>New scope</p>"
    with captured(site, webhook_receiver, gateway_webhook_url(site)) as edited:
        site.send(feature)
    events = [json.loads(request.body) for request in created + edited]
    assert [event["webhookEvent"] for event in events] == [
        "jira:issue_created",
        "jira:issue_created",
        "jira:issue_updated",
    ]
    assert {event["user"]["accountId"] for event in events} == {site.sim.bot_account_id}
    before = link_item(aws, "PROD-2")

    answers = [replay(deliver, site, request) for request in created + edited]
    assert [answer["outcome"] for answer in answers] == ["echo", "echo", "echo"]
    assert link_item(aws, "PROD-2") == before  # not even the ordering mark moved
    assert site.read("PROD-2")["name"] == "Renamed on the roadmap"


def test_a_status_change_made_with_the_integrations_own_account_is_not_an_echo(
    site: Site, deliver: Deliver
) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    SimulatorClient(site.sim.base_url).engineer_transition(key, "In Progress", user=site.sim.bot_account_id)
    delivered = site.settle()[-1]
    assert delivered["payload"]["user"]["accountId"] == site.sim.bot_account_id
    assert site.read("PROD-2")["status"] == "In development"


def test_a_deleted_issue_detaches_its_record_and_says_so(site: Site, log_output: io.StringIO) -> None:
    sent = site.send(aha_feature())
    SimulatorClient(site.sim.base_url).engineer_delete(sent["jira"]["key"])
    site.settle()
    feature = site.read("PROD-2")
    assert feature["detached"] is True
    assert feature["requirements"][0]["detached"] is True  # its sub-task went with it
    assert feature["name"] == "Feature with attachments"  # the roadmap record is kept
    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    deleted = [line for line in lines if line.get("webhook_event") == "jira:issue_deleted"]
    assert {line["reference"] for line in deleted} == {"PROD-2", "PROD-2-1"}
    assert all("deleted in Jira" in line["message"] for line in deleted)
