"""The hand-written IAM policies of template.yaml against the AWS calls each function really makes.

Moto does not enforce IAM, so a missing permission shows only once deployed (AccessDenied). This test runs
the real handlers through their usual flows (configure, test connection, send, a queued send and its
retry, webhooks: status change, import and its write-back, deletion) against moto and the Jira
simulator, records every AWS call the shared package's boto3 clients make (botocore's own event hooks,
attributed to the function whose `functions/<name>/app.py` is on the stack), and checks each against the
translated template's statements for that function's role.
"""

from __future__ import annotations

import fnmatch
import inspect
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.deploy.test_iam_policies import _as_list, _role_id, _statements
from tests.fixtures.api import Call
from tests.integration.connect.conftest import Installed, connect_integration_body
from tests.integration.reconcile.conftest import Sweep, settle_for_repair
from tests.integration.webhooks.conftest import aha_feature, configure_site
from tests.integration.webhooks.test_imports import run_worker, story

FUNCTION_DIRS = {
    "integrations": "IntegrationsFunction",
    "test_connection": "TestConnectionFunction",
    "send_feature": "SendFeatureFunction",
    "retry_worker": "RetryWorkerFunction",
    "jira_webhook": "JiraWebhookFunction",
    "roadmap_delivery": "RoadmapDeliveryFunction",
    "aha_webhook": "AhaWebhookFunction",
    "reconcile": "ReconcileFunction",
    "release_send": "ReleaseSendFunction",
    "release_worker": "ReleaseWorkerFunction",
}
# Called by their own flow (test_every_aws_call_of_a_release_send_is_allowed_by_the_functions_policies).
RELEASE_FUNCTIONS = {"ReleaseSendFunction", "ReleaseWorkerFunction"}
TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _function_on_stack() -> str | None:
    for frame in inspect.stack(context=0):
        path = Path(frame.filename)
        if path.name == "app.py" and path.parent.parent.name == "functions":
            return FUNCTION_DIRS.get(path.parent.name)
    return None


SQS_BATCH_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
Call_ = tuple[str, str, str, tuple[str, ...] | None]  # function, iam action, resource, leading keys


@pytest.fixture
def recorded(aws: LocalResources) -> Iterator[list[Call_]]:
    tables = {aws.table_name(logical): logical for logical in _tables(aws)}
    queues = {
        aws.queue_url(logical): logical
        for logical in (
            "RetryQueue",
            "RetryDeadLetterQueue",
            "RoadmapDeliveryQueue",
            "RoadmapDeliveryDLQ",
            "ReleaseQueue",
            "ReleaseDeadLetterQueue",
        )
    }
    prefix = os.environ["SECRETS_PREFIX"] + "/"
    calls: list[Call_] = []

    def table(name: str, index: str | None = None) -> str:
        logical = tables.get(name, f"unknown-table:{name}")
        return f"{logical}/index/{index}" if index else logical

    def secret(name: str) -> str:
        return "secret:" + name.removeprefix(prefix).split("/", 1)[0] if name.startswith(prefix) else name

    def leading(key: dict[str, Any] | None) -> tuple[str, ...] | None:
        value = (key or {}).get("pk", {}).get("S") or (key or {}).get("id", {}).get("S")
        return (value,) if value else None

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        function = _function_on_stack()
        if function is None:
            return
        service = model.service_model.endpoint_prefix
        name = model.name
        if service == "dynamodb":
            if name == "TransactWriteItems":
                for item in params["TransactItems"]:
                    [(kind, body)] = item.items()
                    calls.append(
                        (
                            function,
                            f"dynamodb:{TRANSACT[kind]}",
                            table(body["TableName"]),
                            leading(body.get("Key") or body.get("Item")),
                        )
                    )
            elif name in {"BatchGetItem", "BatchWriteItem"}:
                for table_name in params["RequestItems"]:
                    calls.append((function, f"dynamodb:{name}", table(table_name), None))
            else:
                calls.append(
                    (
                        function,
                        f"dynamodb:{name}",
                        table(params["TableName"], params.get("IndexName")),
                        leading(params.get("Key") or params.get("Item")),
                    )
                )
        elif service == "sqs":
            # A batch call is authorised by its single message's action (IAM has no *Batch actions).
            action = SQS_BATCH_ACTIONS.get(name, name)
            calls.append(
                (function, f"sqs:{action}", queues.get(params["QueueUrl"], params["QueueUrl"]), None)
            )
        elif service == "secretsmanager":
            target = secret(params.get("SecretId") or params.get("Name") or "")
            calls.append((function, f"secretsmanager:{name}", target, None))
            if name == "CreateSecret" and params.get("Tags"):
                calls.append((function, "secretsmanager:TagResource", target, None))
        else:
            calls.append((function, f"{service}:{name}", "?", None))

    clients = [aws_clients.dynamodb(), aws_clients.sqs(), aws_clients.secretsmanager()]
    for client in clients:
        client.meta.events.register("provide-client-params.*.*", hook, unique_id="iam-coverage")
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("provide-client-params.*.*", unique_id="iam-coverage")


def queued_key(call_api: Call) -> str:
    """The Jira key of the send that went through the retry queue (PROD-3)."""
    status, feature = call_api("GET", "/integrations/mob/features/PROD-3")
    assert status == 200, feature
    return str(feature["jira"]["key"])


def _tables(aws: LocalResources) -> list[str]:
    return [
        "IntegrationsTable",
        "FeaturesTable",
        "IssueLinksTable",
        "WebhookDeliveriesTable",
        "RateBudgetTable",
        "RoadmapEventsTable",
        "ReleaseSendsTable",
    ]


def _statement_resource(resource: Any) -> str | None:
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        text: str = resource["Fn::Sub"]
        if ":secret:aha-jira/${AWS::StackName}/" in text:
            return "secret:" + text.split("${AWS::StackName}/", 1)[1].split("/", 1)[0]
        if text.startswith("${") and ".Arn}" in text:
            logical, rest = text[2:].split(".Arn}", 1)
            return logical + rest
    return None


def _allows(statement: dict[str, Any], action: str, resource: str, keys: tuple[str, ...] | None) -> bool:
    if action not in _as_list(statement["Action"]):
        return False
    if resource not in {_statement_resource(r) for r in _as_list(statement["Resource"])}:
        return False
    condition = statement.get("Condition")
    if not condition:
        return True
    patterns = condition.get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
    if patterns is None or keys is None:
        return False
    return all(any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns) for key in keys)


def _denied(translated: dict[str, Any], calls: list[Call_]) -> list[str]:
    dump = os.environ.get("REVIEW2_DUMP_CALLS")  # a file to append the calls to (which grants are used)
    if dump:
        with open(dump, "a", encoding="utf-8") as out:
            out.writelines(f"{function} {action} {resource}\n" for function, action, resource, _ in calls)
    resources = translated["Resources"]
    denied = set()
    for function, action, resource, keys in calls:
        statements = [s for _, s in _statements(resources, _role_id(resources, function))]
        if not any(_allows(s, action, resource, keys) for s in statements):
            denied.add(f"{function}: {action} on {resource} (leading key {keys})")
    return sorted(denied)


@pytest.fixture
def worker(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> SqsPoller:
    return SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0)


def test_every_aws_call_of_the_usual_flows_is_allowed_by_the_functions_policies(  # noqa: PLR0917 (fixtures)
    translated: dict[str, Any],
    recorded: list[Call_],
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    worker: SqsPoller,
    sweep: Sweep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "0.5")
    site = configure_site(call_api, jira_sim, gateway, import_types=["Story", "Bug"])
    assert call_api("GET", "/integrations/mob")[0] == 200
    assert call_api("GET", "/integrations")[0] == 200

    # A send, a re-send, then a send queued on a 503 and its retry.
    feature = aha_feature("PROD-2")
    sent = site.send(feature)
    assert sent["status"] == "synced"
    feature["name"] = "Renamed"
    site.send(feature)
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    status, queued = call_api(
        "POST", "/integrations/mob/features/PROD-3/send", {"feature": aha_feature("PROD-3")}
    )
    assert status == 202, queued
    jira_sim.clear_faults()
    run_worker(worker, rounds=12, empty_polls=3)
    # A send met by a 429: the site's request budget learns from it and paces the request's repetition.
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=429, retry_after=0, times=1)
    assert site.send(aha_feature("PROD-4"))["status"] == "synced"

    # Webhooks: a status change, an import and its write-back, a deletion.
    client = SimulatorClient(jira_sim.base_url)
    client.engineer_transition(sent["jira"]["key"], "In Progress")
    site.settle()
    client.engineer_create(story())
    site.settle()
    run_worker(worker, rounds=12, empty_polls=3)
    client.engineer_delete(sent["requirements"][0]["jira"]["key"])
    site.settle()
    # The reconcile: a status change and a deletion whose webhooks were lost, repaired by a sweep.
    jira_sim.lose_webhooks(1.0)
    client.engineer_transition(sent["jira"]["key"], "Done")
    client.engineer_delete(queued_key(call_api))
    site.settle()
    settle_for_repair()
    swept = sweep()
    assert swept["repaired"] == 3, swept  # the status, the feature deleted and its requirement

    assert call_api("GET", "/integrations/mob/features")[0] == 200
    assert call_api("GET", "/integrations/mob/features/PROD-2")[0] == 200
    assert call_api("GET", "/integrations/mob/log")[0] == 200
    # Aha!'s webhook on a token of no integration (its own flows: test_iam_roadmap.py).
    assert call_api("POST", "/webhooks/aha/" + "x" * 32, {"event": "update_feature"})[0] == 404
    assert call_api("DELETE", "/integrations/mob")[0] in {200, 204}

    # The roadmap delivery's flows are test_iam_roadmap_delivery.py's.
    assert {function for function, *_ in recorded} == set(FUNCTION_DIRS.values()) - RELEASE_FUNCTIONS - {
        "RoadmapDeliveryFunction"
    }
    retried = {
        (action, resource) for function, action, resource, _ in recorded if function == "RetryWorkerFunction"
    }
    assert ("dynamodb:GetItem", "FeaturesTable") in retried  # the queued send's payload, read by its retry
    sent = {
        (action, resource) for function, action, resource, _ in recorded if function == "SendFeatureFunction"
    }
    assert {("dynamodb:GetItem", "RateBudgetTable"), ("dynamodb:UpdateItem", "RateBudgetTable")} <= sent
    assert _denied(translated, recorded) == []


def test_every_aws_call_of_the_connect_flows_is_allowed_by_the_functions_policies(
    translated: dict[str, Any],
    recorded: list[Call_],
    call_api: Call,
    installed: Installed,
) -> None:
    sim = installed.app.sim
    body = connect_integration_body(sim, installed.client_key)
    status, view = call_api("PUT", "/integrations/mob", body)
    assert status == 201, view
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    status, sent = call_api(
        "POST", "/integrations/mob/features/PROD-2/send", {"feature": aha_feature("PROD-2")}
    )
    assert status == 200, sent
    path = "/connect/webhooks/jira:issue_updated"
    answer = requests.post(
        f"{installed.app.url}{path}",
        data=json.dumps(
            {
                "webhookEvent": "jira:issue_updated",
                "timestamp": 1_900_000_000_000,
                "issue": {
                    "id": "99999",
                    "key": "MOB-999",
                    "fields": {"status": {"id": "3", "name": "In Progress"}},
                },
                "changelog": {"id": "1", "items": []},
            }
        ),
        headers={
            "Content-Type": "application/json",
            "X-Atlassian-Webhook-Identifier": "iam-coverage-connect",
            "Authorization": f"JWT {installed.site_token('POST', path)}",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    # A re-install of the site's clientKey (new shared secret, a later callback), then the uninstall.
    time.sleep(1.1)
    again = sim.install_app(installed.app.descriptor_url, client_key=installed.client_key)
    assert again.status == 200, again.body
    assert sim.uninstall_app(installed.client_key).status in {200, 204}
    assert call_api("DELETE", "/integrations/mob")[0] in {200, 204}

    functions = {function for function, *_ in recorded}
    assert {
        "JiraWebhookFunction",
        "IntegrationsFunction",
        "TestConnectionFunction",
        "SendFeatureFunction",
    } <= functions
    assert _denied(translated, recorded) == []


def test_every_aws_call_of_a_release_send_is_allowed_by_the_functions_policies(  # noqa: PLR0917 (fixtures)
    translated: dict[str, Any],
    recorded: list[Call_],
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    worker: SqsPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A release send, its dry run (reading a user from Jira), its progress, a feature queued again on a 503,
    a cancel; the worker's fan-out and features."""
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    configure_site(call_api, jira_sim, gateway, import_types=["Story", "Bug"])
    features = [aha_feature(f"PROD-{n}") for n in (2, 3, 4)]
    for feature in features:
        feature["assigned_to_user"] = {"email": "engineer@acme.example"}
    body = {"release": {"reference_num": "PROD-R-1", "name": "Release 1"}, "features": features}
    release = "/integrations/mob/releases/PROD-R-1/send"
    status, plan = call_api("POST", release, body, query=[("dry_run", "true")])
    assert status == 200, plan
    status, started = call_api("POST", release, body)
    assert status == 202, started
    source = next(s for s in worker.template.sqs_event_sources if s.queue == "ReleaseQueue")
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    for _ in range(20):
        worker.poll_once(source, wait_time_seconds=0)
    # The dry run of a sent feature whose assignee the cache forgot reads the user from Jira.
    dynamodb, table = boto3.client("dynamodb"), os.environ["INTEGRATIONS_TABLE"]
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item["sk"]["S"].startswith("LOOKUP#user#"):
            dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    calls = len(jira_sim.calls)
    status, plan = call_api("POST", release, body, query=[("dry_run", "true")])
    assert status == 200, plan
    assert any(call["path"].endswith("/user/search") for call in jira_sim.calls[calls:])
    send_id = started["release_send_id"]
    assert call_api("GET", f"/integrations/mob/release-sends/{send_id}")[0] == 200
    status, again = call_api("POST", release, body)
    assert status == 202
    assert call_api("DELETE", f"/integrations/mob/release-sends/{again['release_send_id']}")[0] == 200
    for _ in range(10):
        worker.poll_once(source, wait_time_seconds=0)

    functions = {function for function, *_ in recorded}
    assert functions >= RELEASE_FUNCTIONS
    worked = {
        (action, resource)
        for function, action, resource, _ in recorded
        if function == "ReleaseWorkerFunction"
    }
    assert {("sqs:SendMessage", "ReleaseQueue"), ("dynamodb:UpdateItem", "ReleaseSendsTable")} <= worked
    assert ("dynamodb:PutItem", "IssueLinksTable") in worked or (
        "dynamodb:UpdateItem",
        "IssueLinksTable",
    ) in worked
    assert _denied(translated, recorded) == []
