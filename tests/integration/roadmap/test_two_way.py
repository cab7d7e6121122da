"""Name and description back (`mapping.two_way`, DESIGN.md "Two-way content"): an engineer's edit in the Jira
simulator reaches the roadmap record through the real webhook handler, the outbox and the delivery worker, and
lands in the Aha! simulator; Aha!'s webhooks fired by that write (both formats, over HTTP through the local
gateway) come back as echoes and queue no send; the newer change wins."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from aha_jira import wiring
from aha_jira.models import roadmap_event
from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.aha import AhaApi
from tests.fixtures.api import Call
from tests.fixtures.roadmap import RECEIVER_SECRET, RoadmapReceiver
from tests.integration.roadmap.conftest import (
    AhaIntegration,
    AhaSite,
    aha_roadmap,
    drain,
    emit,
    events,
    log_lines,
    record_link,
    roadmap_poller,
)
from tests.integration.webhooks.conftest import SECRET, reference_delivery, token_of

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
                {"type": "text", "text": " <for now>."},
            ],
        },
    ],
}
SCOPE_HTML = "<h2>Scope</h2><p>Only <strong>iOS</strong> &lt;for now&gt;.</p>"


def make_site(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    two_way: list[str] | None,
) -> AhaSite:
    """Integration `mob` on both simulators, with `auto_update` (a change made in Aha! is sent to Jira), both
    webhooks pointed at the local gateway."""
    mapping: dict[str, Any] = {} if two_way is None else {"two_way": two_way}
    body = integration_body(jira_sim, product="PROD", **mapping)
    body["webhook"] = {"secret": SECRET}
    body["roadmap"] = aha_roadmap(aha_sim, auto_update=True)
    status, view = call_api("PUT", "/integrations/mob", body)
    assert status == 201, view
    assert view["mapping"]["two_way"] == (two_way or [])
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    token = token_of(view["webhook_url"])
    jira_sim.configure_webhook(f"{gateway.url}/webhooks/jira/{token}", SECRET)
    aha_sim.configure_webhook(f"{gateway.url}/webhooks/aha/{token_of(view['roadmap']['webhook_url'])}")
    return AhaSite(
        call_api=call_api,
        sim=jira_sim,
        token=token,
        secret=SECRET,
        integrations=["mob"],
        aha=aha_sim,
        poller=roadmap_poller(repo_template, aws, handler_registry),
    )


@pytest.fixture
def two_way_site(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> Iterator[AhaSite]:
    yield make_site(
        call_api, jira_sim, gateway, aha_sim, aws, repo_template, handler_registry, ["name", "description"]
    )


@pytest.fixture
def one_way_site(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> Iterator[AhaSite]:
    yield make_site(call_api, jira_sim, gateway, aha_sim, aws, repo_template, handler_registry, None)


def send_from_aha(site: AhaSite, reference: str = "PROD-2") -> dict[str, Any]:
    status, answer = site.call_api("POST", f"/integrations/mob/features/{reference}/send")
    assert status == 200, answer
    site.settle()
    return dict(answer)


def settle_aha(aha: AhaSimulator) -> list[dict[str, Any]]:
    return aha.wait_for_deliveries(len(aha.deliveries()), timeout=20)


def retry_queue_depth(aws: LocalResources) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url("RetryQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def log_actions(log_output: io.StringIO, prefix: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if str(line.get("action", "")).startswith(prefix)]


def aha_name_writes(aha: AhaSimulator, reference: str) -> list[str]:
    return [
        call["body"]["feature"]["name"]
        for call in aha.calls
        if call["method"] == "PUT"
        and call["path"] == f"/api/v1/features/{reference}"
        and isinstance(call.get("body"), dict)
        and "name" in (call["body"].get("feature") or {})
    ]


def post_jira_webhook(gateway: LocalApiGateway, site: AhaSite, payload: dict[str, Any]) -> dict[str, Any]:
    """One Jira delivery over HTTP through the local gateway, signed as Jira signs it."""
    raw = json.dumps(payload).encode()
    answer = requests.post(
        f"{gateway.url}/webhooks/jira/{site.token}",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature": hub_signature(SECRET, raw),
            "X-Atlassian-Webhook-Identifier": f"capture-{payload['timestamp']}",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def two_way_events(call_api: Call, reference: str = "PROD-2") -> list[dict[str, Any]]:
    return [
        event
        for event in events(call_api)
        if event["reference"] == reference and event["type"] in {"record.renamed", "record.described"}
    ]


def test_a_jira_rename_and_description_edit_reach_aha_and_do_not_come_back(
    two_way_site: AhaSite, aha_api: AhaApi, aws: LocalResources, log_output: io.StringIO
) -> None:
    key = send_from_aha(two_way_site)["jira"]["key"]
    aha = two_way_site.aha
    assert aha is not None
    settle_aha(aha)
    before_sends = len(log_actions(log_output, "roadmap.send_triggered"))

    SimulatorClient(two_way_site.sim.base_url).engineer_edit(
        key, {"summary": "Renamed by the engineer", "description": SCOPE_ADF}
    )
    two_way_site.settle()
    feature = two_way_site.read("PROD-2")
    assert feature["name"] == "Renamed by the engineer"
    assert feature["jira"]["summary"] == "Renamed by the engineer"
    assert feature["description"] == SCOPE_HTML
    feed = two_way_events(two_way_site.call_api)
    assert [(event["type"], event["kind"]) for event in feed] == [
        ("record.renamed", "feature"),
        ("record.described", "feature"),
    ]
    assert feed[0]["data"] == {"name": "Renamed by the engineer", "jira": feed[0]["data"]["jira"]}
    assert feed[0]["data"]["jira"]["key"] == key
    assert feed[1]["data"]["description"] == SCOPE_HTML

    two_way_site.deliver()
    in_aha = aha_api.get("/features/PROD-2").json()["feature"]
    assert in_aha["name"] == "Renamed by the engineer"
    assert in_aha["description"]["body"] == SCOPE_HTML
    delivered = [
        line for line in log_actions(log_output, "roadmap.delivered") if line.get("reference") == "PROD-2"
    ]
    assert {line.get("event_type") for line in delivered} >= {"record.renamed", "record.described"}

    # Aha!'s webhooks fired by our own writes (activity audits by the API key's user, and the integration
    # event with the whole feature): every one an echo; nothing goes back to Jira.
    deliveries = settle_aha(aha)
    assert deliveries and all(item["status"] == 200 for item in deliveries), deliveries
    assert {item["format"] for item in deliveries} == {"activity", "integration"}
    assert retry_queue_depth(aws) == 0
    assert len(log_actions(log_output, "roadmap.send_triggered")) == before_sends


def test_without_two_way_the_roadmap_keeps_its_name_and_description(
    one_way_site: AhaSite, aha_api: AhaApi
) -> None:
    key = send_from_aha(one_way_site)["jira"]["key"]
    name = aha_api.get("/features/PROD-2").json()["feature"]["name"]
    SimulatorClient(one_way_site.sim.base_url).engineer_edit(
        key, {"summary": "Renamed by the engineer", "description": SCOPE_ADF}
    )
    one_way_site.settle()
    feature = one_way_site.read("PROD-2")
    assert feature["name"] == name
    assert feature["jira"]["summary"] == "Renamed by the engineer"
    assert two_way_events(one_way_site.call_api) == []
    one_way_site.deliver()
    in_aha = aha_api.get("/features/PROD-2").json()["feature"]
    assert in_aha["name"] == name and in_aha["description"]["body"] != SCOPE_HTML


def test_two_renames_waiting_deliver_only_the_newest(two_way_site: AhaSite, aha_api: AhaApi) -> None:
    key = send_from_aha(two_way_site)["jira"]["key"]
    engineer = SimulatorClient(two_way_site.sim.base_url)
    engineer.engineer_edit(key, {"summary": "First rename"})
    engineer.engineer_edit(key, {"summary": "Second rename"})
    two_way_site.settle()
    assert [event["data"]["name"] for event in two_way_events(two_way_site.call_api)] == [
        "First rename",
        "Second rename",
    ]
    aha = two_way_site.aha
    assert aha is not None
    two_way_site.deliver()
    assert aha_api.get("/features/PROD-2").json()["feature"]["name"] == "Second rename"
    assert aha_name_writes(aha, "PROD-2") == ["Second rename"]  # the older one was superseded


def test_the_sends_own_rename_coming_back_from_jira_is_an_echo(
    two_way_site: AhaSite, aha_api: AhaApi
) -> None:
    send_from_aha(two_way_site)
    aha = two_way_site.aha
    assert aha is not None
    aha.pm.edit_feature("PROD-2", name="Renamed on the roadmap", description="<p>New scope</p>")
    settle_aha(aha)
    before = len(two_way_site.sim.deliveries())
    send_from_aha(two_way_site)
    jira_answers = [item for item in two_way_site.sim.deliveries()[before:]]
    assert jira_answers and all(item["status"] == 200 for item in jira_answers)
    assert two_way_events(two_way_site.call_api) == []  # our own summary and description stay with us
    assert two_way_site.read("PROD-2")["name"] == "Renamed on the roadmap"


def test_a_jira_edit_older_than_the_last_send_is_not_applied_over_it(
    two_way_site: AhaSite, gateway: LocalApiGateway
) -> None:
    """A real capture (a summary edit) pointed at our issue: at its own time (2019, before our send) it does
    not rename the record; the same edit made after the send does."""
    issue_id = send_from_aha(two_way_site)["jira"]["id"]
    sent_name = two_way_site.read("PROD-2")["name"]
    payload = json.loads(reference_delivery("webhook-issue-updated-renamed.json"))
    payload["issue"]["id"] = issue_id
    answer = post_jira_webhook(gateway, two_way_site, payload)
    assert answer["outcome"] == "applied", answer
    assert "older than the roadmap content last sent" in answer["reason"]
    feature = two_way_site.read("PROD-2")
    assert feature["name"] == sent_name and feature["jira"]["summary"] == "Unit test summary 1"
    assert two_way_events(two_way_site.call_api) == []

    payload["timestamp"] = int(time.time() * 1000)
    payload["changelog"]["id"] = str(int(payload["changelog"]["id"]) + 1)
    answer = post_jira_webhook(gateway, two_way_site, payload)
    assert answer["outcome"] == "applied", answer
    assert two_way_site.read("PROD-2")["name"] == "Unit test summary 1"
    assert [event["type"] for event in two_way_events(two_way_site.call_api)] == ["record.renamed"]


def test_the_webhook_connector_posts_the_newest_rename_and_the_description(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    roadmap_receiver: RoadmapReceiver,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> None:
    body = integration_body(jira_sim, product="PROD", two_way=["name", "description"])
    body["roadmap"] = {"type": "webhook", "url": roadmap_receiver.url, "secret": RECEIVER_SECRET}
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    base = record_link("PROD-9-1", kind="requirement", key="MOB-10", name="Sent")
    first = base.with_jira(name="First")
    second = first.with_jira(name="Second", description=SCOPE_HTML, described_at=1, described_seq=2)
    ids = emit(
        *roadmap_event.changes_between(base, first, deliver=True),
        *roadmap_event.changes_between(first, second, deliver=True),
    )
    assert len(ids) == 3
    drain(roadmap_poller(repo_template, aws, handler_registry))
    bodies = [json.loads(request["body"]) for request in roadmap_receiver.received if request["verified"]]
    assert [(b["type"], b["kind"]) for b in bodies] == [
        ("record.renamed", "requirement"),
        ("record.described", "requirement"),
    ]
    assert bodies[0]["id"] == ids[1] and bodies[0]["data"]["name"] == "Second"
    assert bodies[1]["data"]["description"] == SCOPE_HTML
    assert wiring.roadmap_events().get_event("mob", ids[0]).delivery == "superseded"  # type: ignore[union-attr]


def test_a_renamed_sub_task_renames_its_requirement_in_aha(two_way_site: AhaSite, aha_api: AhaApi) -> None:
    sent = send_from_aha(two_way_site)
    assert sent["requirements"], sent
    requirement = sent["requirements"][0]
    SimulatorClient(two_way_site.sim.base_url).engineer_edit(
        requirement["jira"]["key"], {"summary": "Renamed sub-task"}
    )
    two_way_site.settle()
    feed = two_way_events(two_way_site.call_api, requirement["reference"])
    assert [(event["type"], event["kind"]) for event in feed] == [("record.renamed", "requirement")]
    two_way_site.deliver()
    found = aha_api.get(f"/requirements/{requirement['reference']}").json()["requirement"]
    assert found["name"] == "Renamed sub-task"
    assert two_way_site.read("PROD-2")["requirements"][0]["name"] == "Renamed sub-task"


def test_what_aha_cannot_take_is_skipped_and_said(
    aha_integration: AhaIntegration, log_output: io.StringIO
) -> None:
    """An epic is neither renamed nor described from Jira; an event without its value does nothing."""
    epic = record_link("PROD-E-1", kind="epic", key="MOB-30", name="Epic")
    no_name = roadmap_event.NewEvent("mob", "PROD-1", "feature", roadmap_event.RENAMED, {"name": ""}, True)
    no_text = roadmap_event.NewEvent("mob", "PROD-1", "feature", roadmap_event.DESCRIBED, {}, True)
    emit(
        *roadmap_event.changes_between(epic, epic.with_jira(name="Epic renamed"), deliver=True),
        *roadmap_event.changes_between(
            epic, epic.with_jira(described_at=5, description="<p>x</p>"), deliver=True
        ),
    )
    emit(no_name)
    emit(no_text)
    aha_integration.deliver()
    skipped = [line for line in log_lines(log_output) if line["action"] == "roadmap.skipped"]
    reasons = sorted(line["message"].split(": ", 1)[1] for line in skipped)
    assert len(reasons) == 4, reasons
    assert sum("Aha! epics are not renamed or described" in reason for reason in reasons) == 2
    assert any("carries no name" in reason for reason in reasons)
    assert any("carries no description" in reason for reason in reasons)
    assert not [call for call in aha_integration.aha.calls if call["method"] == "PUT"]
