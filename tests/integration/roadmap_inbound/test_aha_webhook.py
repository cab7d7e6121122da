"""`POST /webhooks/aha/{roadmap_token}`: Aha!'s deliveries (the Aha! simulator's webhooks, both formats, over
real HTTP through the local gateway, and crafted ones straight into the handler) queue a send of a linked
feature that changed in Aha!; the retry worker reads it from Aha! and sends it to the Jira simulator. Our own
writes to Aha! never become a send; unknown tokens, malformed bodies and events a send does not carry write
nothing and queue nothing."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from tests.fixtures.aha import AhaApi
from tests.fixtures.api import Call
from tests.integration.roadmap_inbound.conftest import (
    AhaIntegration,
    aha_calls,
    configure,
    log_lines,
    run_worker,
)

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-events"


def reference_event(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((REFERENCE / f"{name}.json").read_text()))


def queued_messages(aws: LocalResources) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url("RetryQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def recorded_deliveries(aws: LocalResources) -> list[str]:
    items = boto3.client("dynamodb").scan(TableName=aws.table_name("WebhookDeliveriesTable"))["Items"]
    return sorted(item["pk"]["S"] for item in items)


def settle(sim: AhaSimulator) -> list[dict[str, Any]]:
    """Wait until every delivery the simulator queued is done; all of them."""
    return sim.wait_for_deliveries(len(sim.deliveries()), timeout=20)


def issue(jira: JiraSimulator, key: str) -> dict[str, Any]:
    return SimulatorClient(jira.base_url).issue(key)


def jira_writes(jira: JiraSimulator, since: int) -> list[str]:
    return [f"{call['method']} {call['path']}" for call in jira.calls[since:] if call["method"] != "GET"]


@pytest.fixture
def linked(call_api: Call, roadmap: AhaIntegration) -> dict[str, Any]:
    """PROD-1 sent from Aha! (linked to its Jira issues); the send's answer."""
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")
    assert status == 200, answer
    return answer


@pytest.fixture
def hooked(gateway: LocalApiGateway, aha_sim: AhaSimulator, roadmap: AhaIntegration) -> AhaSimulator:
    """The Aha! simulator's webhooks (both formats) pointed at the integration's roadmap.webhook_url."""
    aha_sim.configure_webhook(f"{gateway.url}{roadmap.webhook_path}")
    return aha_sim


# -- a change in Aha! reaches Jira -------------------------------------------------------------------------
def test_a_product_managers_edit_in_aha_is_sent_to_jira(
    linked: dict[str, Any],
    hooked: AhaSimulator,
    jira_sim: JiraSimulator,
    worker: SqsPoller,
    log_output: io.StringIO,
) -> None:
    key = linked["jira"]["key"]
    hooked.pm.edit_feature("PROD-1", name="Mobile sign-in", description="<p>Sign in, <b>fast</b>.</p>")
    deliveries = settle(hooked)
    # Both formats: the audits (name; the description's note) and the integration event, all answered 2xx.
    assert {item["format"] for item in deliveries} == {"activity", "integration"}
    assert all(item["status"] == 200 for item in deliveries), deliveries
    before = len(jira_sim.calls)

    assert run_worker(worker) == len(deliveries)

    assert issue(jira_sim, key)["fields"]["summary"] == "Mobile sign-in"
    # One edit of the feature's issue whatever the number of deliveries: the jobs after the first find Aha!
    # as it was sent.
    assert jira_writes(jira_sim, before) == [f"PUT /rest/api/3/issue/{key}"]
    actions = [(line["action"], line["outcome"]) for line in log_lines(log_output)]
    assert actions.count(("roadmap.send_triggered", "queued")) == len(deliveries)
    assert actions.count(("roadmap.send_triggered", "ok")) == 1
    assert actions.count(("roadmap.echo_ignored", "skipped")) == len(deliveries) - 1


def test_a_requirement_added_in_aha_is_created_in_jira(
    linked: dict[str, Any], hooked: AhaSimulator, jira_sim: JiraSimulator, worker: SqsPoller
) -> None:
    created = hooked.pm.add_requirement("PROD-1", "Sign in with SSO", status="New")
    settle(hooked)
    run_worker(worker)
    issues = SimulatorClient(jira_sim.base_url).issues()
    sso = [item for item in issues if item["fields"]["summary"] == "Sign in with SSO"]
    assert len(sso) == 1, [item["fields"]["summary"] for item in issues]
    assert sso[0]["fields"]["parent"]["key"] == linked["jira"]["key"]
    assert created["reference_num"] == "PROD-1-3"


def test_a_status_the_product_manager_sets_is_a_change(
    linked: dict[str, Any], hooked: AhaSimulator, worker: SqsPoller, log_output: io.StringIO
) -> None:
    hooked.pm.set_status("PROD-1", "Shipped")
    settle(hooked)
    assert run_worker(worker) >= 1
    actions = [(line["action"], line["outcome"]) for line in log_lines(log_output)]
    assert ("roadmap.send_triggered", "ok") in actions
    assert ("roadmap.echo_ignored", "skipped") not in actions[:2]  # neither delivery was taken for an echo


# -- our own writes never echo back into a send ----------------------------------------------------------
def test_our_own_writes_to_aha_are_echoes_and_queue_nothing(  # noqa: PLR0917 (fixtures)
    linked: dict[str, Any],
    hooked: AhaSimulator,
    gateway: LocalApiGateway,
    call_api: Call,
    roadmap: AhaIntegration,
    jira_sim: JiraSimulator,
    aws: LocalResources,
    log_output: io.StringIO,
) -> None:
    # Jira moves the issue: its webhook gives the record the mapped status (In Progress -> In development).
    jira_hook = call_api("GET", f"/integrations/{roadmap.id}")[1]["webhook_url"]
    jira_sim.configure_webhook(jira_hook.replace("https://api.example.test", gateway.url))
    SimulatorClient(jira_sim.base_url).engineer_transition(linked["jira"]["key"], "In Progress")
    jira_sim.wait_for_deliveries(1, timeout=10)
    read = call_api("GET", f"/integrations/{roadmap.id}/features/PROD-1")[1]
    assert read["status"] == "In development", read

    # What the roadmap connector writes to Aha! with the integration's own key: the status, the Jira link
    # as integration fields, time worked, a comment.
    bot = AhaApi(hooked.api_url, hooked.bot_key)
    assert bot.put("/features/PROD-1", {"feature": {"workflow_status": {"name": "In development"}}}).ok
    fields = f"/features/PROD-1/integrations/{hooked.integration_id}/fields"
    assert bot.post(fields, {"integration_field": {"name": "key", "value": linked["jira"]["key"]}}).ok
    assert bot.post("/features/PROD-1/time_tracking_events", {"time_tracking_event": {"work_done": 90}}).ok
    assert bot.post("/features/PROD-1/comments", {"comment": {"body": "<p>Jira issue deleted</p>"}}).ok
    deliveries = settle(hooked)
    assert deliveries and all(item["status"] == 200 for item in deliveries), deliveries

    assert queued_messages(aws) == 0
    lines = log_lines(log_output)
    assert [line["action"] for line in lines if line["action"] != "roadmap.echo_ignored"] == []
    assert len(lines) == len(deliveries)
    assert {line["webhook_outcome"] for line in lines} == {"echo"}


def test_an_integration_event_equal_to_what_was_sent_is_an_echo_without_a_stored_api_user(
    linked: dict[str, Any],
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    aws: LocalResources,
) -> None:
    """Integration events carry no user: the content decides. The same feature as sent (its time tracking
    and integration fields changed, its attachment URLs re-signed) is no change."""
    feature = aha_sim.feature("PROD-1")
    feature["work_done"] = 90
    feature["integration_fields"] = [{"name": "key", "value": linked["jira"]["key"], "service_name": "jira"}]
    for attachment in feature["attachments"]:
        attachment["download_url"] += "&signature=later"
    status, answer = call_api("POST", roadmap.webhook_path, {"event": "update_feature", "feature": feature})
    assert (status, answer["outcome"]) == (200, "echo"), answer
    feature["requirements"][1]["name"] = "Sign in with a passkey or a security key"
    status, answer = call_api("POST", roadmap.webhook_path, {"event": "update_feature", "feature": feature})
    assert (status, answer["outcome"]) == (200, "queued"), answer
    assert queued_messages(aws) == 1


# -- what is ignored ------------------------------------------------------------------------------------
def test_a_change_to_a_feature_that_is_not_linked_is_ignored(
    linked: dict[str, Any], hooked: AhaSimulator, aws: LocalResources, log_output: io.StringIO
) -> None:
    hooked.pm.edit_feature("PROD-3", name="Darker theme")
    deliveries = settle(hooked)
    assert all(item["status"] == 200 for item in deliveries)
    assert queued_messages(aws) == 0
    lines = log_lines(log_output)
    assert {(line["action"], line["reference"]) for line in lines} == {("roadmap.event_ignored", "PROD-3")}
    assert all("not linked" in line["message"] for line in lines)


def test_without_auto_update_nothing_is_queued(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    fast_retries: None,
    log_output: io.StringIO,
) -> None:
    manual = configure(call_api, jira_sim, aha_sim, "manual", auto_update=False)
    assert call_api("POST", f"/integrations/{manual.id}/features/PROD-1/send")[0] == 200
    status, answer = call_api(
        "POST", manual.webhook_path, {"event": "update_feature", "feature": aha_sim.feature("PROD-2")}
    )
    assert (status, answer["outcome"]) == (200, "ignored")
    assert "auto_update" in answer["reason"]
    assert queued_messages(aws) == 0 and recorded_deliveries(aws) == []
    assert [line["action"] for line in log_lines(log_output)] == ["roadmap.event_ignored"]


@pytest.mark.parametrize(
    "body",
    [
        reference_event("create_release_event"),
        {"event": "update_release", "release": {"id": "1", "name": "R"}},
        {"event": "create_idea"},
        {
            "event": "audit",
            "audit": {"audit_action": "update", "auditable_type": "Release", "auditable_id": 7},
        },
        {
            "event": "audit",
            "audit": {
                "audit_action": "create",
                "auditable_type": "Comment",
                "auditable_id": "8",
                "associated_type": "Release",
                "associated_id": "9",
                "auditable_url": "https://acme.aha.io/releases/PROD-R-1",
            },
        },
    ],
    # A comment on a feature crosses to Jira since issue 17 (`test_aha_comments.py`); one on a release does not.
    ids=[
        "create_release",
        "update_release",
        "an unknown event",
        "a release audit",
        "a release comment audit",
    ],
)
def test_events_a_send_does_not_act_on_are_answered_and_ignored(  # noqa: PLR0917 (fixtures)
    linked: dict[str, Any],
    call_api: Call,
    roadmap: AhaIntegration,
    aws: LocalResources,
    log_output: io.StringIO,
    body: dict[str, Any],
) -> None:
    status, answer = call_api("POST", roadmap.webhook_path, body)
    assert (status, answer["outcome"]) == (200, "ignored"), answer
    assert queued_messages(aws) == 0 and recorded_deliveries(aws) == []
    assert [line["action"] for line in log_lines(log_output)] == ["roadmap.event_ignored"]


def test_the_reference_events_of_aha_are_read(
    call_api: Call, roadmap: AhaIntegration, aws: LocalResources
) -> None:
    """Aha!'s own payloads (`create_feature`, `update_feature`) are read: here of a feature that is not
    linked, so answered and ignored."""
    for name in ("create_feature_event", "update_feature_event"):
        status, answer = call_api("POST", roadmap.webhook_path, reference_event(name))
        assert (status, answer["outcome"], answer["reference"]) == (200, "ignored", "PROD-2"), answer


# -- dedupe, and a send that cannot be queued -------------------------------------------------------------
def audit_of(aha_sim: AhaSimulator, reference: str) -> dict[str, Any]:
    """An audit of the product manager changing the feature's name."""
    feature = aha_sim.feature(reference)
    return {
        "event": "audit",
        "audit": {
            "id": "7001",
            "audit_action": "update",
            "auditable_type": "Feature",
            "auditable_id": feature["id"],
            "user": {"id": "6700000000000000002", "name": "Pat Manager", "email": "pm@acme.example"},
            "auditable_url": f"{aha_sim.base_url}/features/{reference}",
            "description": f"updated feature {reference}",
            "changes": [{"field_name": "Name", "value": "Old &rarr; New"}],
        },
    }


def test_a_redelivered_audit_queues_one_send(
    linked: dict[str, Any],
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    aws: LocalResources,
) -> None:
    body = audit_of(aha_sim, "PROD-1")
    first = call_api("POST", roadmap.webhook_path, body)
    again = call_api("POST", roadmap.webhook_path, body)
    assert (first[0], first[1]["outcome"]) == (200, "queued")
    assert (again[0], again[1]["outcome"]) == (200, "duplicate")
    assert queued_messages(aws) == 1
    assert recorded_deliveries(aws) == [f"aha:{roadmap.id}#audit:7001"]


def test_an_audit_of_the_api_keys_own_user_is_an_echo(
    linked: dict[str, Any],
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    aws: LocalResources,
) -> None:
    body = audit_of(aha_sim, "PROD-1")
    body["audit"]["user"] = {"id": 6700000000000000001}  # the bot (numbers and strings alike)
    status, answer = call_api("POST", roadmap.webhook_path, body)
    assert (status, answer["outcome"]) == (200, "echo"), answer
    assert queued_messages(aws) == 0


def test_an_audit_naming_its_record_by_id_only_is_resolved_by_the_job(  # noqa: PLR0917 (fixtures)
    linked: dict[str, Any],
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    jira_sim: JiraSimulator,
    worker: SqsPoller,
) -> None:
    requirement = aha_sim.requirement("PROD-1-2")
    aha_sim.pm.edit_requirement("PROD-1-2", name="Sign in with a passkey, or not")
    body = {
        "event": "audit",
        "audit": {
            "id": "7002",
            "audit_action": "update",
            "auditable_type": "requirement",  # as Aha!'s audits API writes types
            "auditable_id": int(requirement["id"]),
            "user": {"id": "6700000000000000002"},
            "changes": [{"field_name": "Name", "value": "a &rarr; b"}],
        },
    }
    status, answer = call_api("POST", roadmap.webhook_path, body)
    assert (status, answer["outcome"], answer["reference"]) == (200, "queued", None), answer
    before = len(aha_sim.calls)
    assert run_worker(worker) == 1
    assert aha_calls(aha_sim, before)[:2] == [
        f"GET /requirements/{requirement['id']}",
        "GET /features/PROD-1",
    ]
    key = next(item["jira"]["key"] for item in linked["requirements"] if item["reference"] == "PROD-1-2")
    assert issue(jira_sim, key)["fields"]["summary"] == "Sign in with a passkey, or not"
