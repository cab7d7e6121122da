"""The functions' IAM policies cover the AWS calls of the roadmap configuration: the roadmap secret (Aha! API
key or webhook signing secret, under `<SECRETS_PREFIX>/integrations/<id>/roadmap-credentials`) written,
replaced and deleted by the configuration function and read by test connection, and the Aha! webhook
token's item in the integrations table. Recorded as in `test_iam_covers_calls.py`."""

from __future__ import annotations

from typing import Any

import boto3

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.deploy.test_iam_covers_calls import Call_, _denied, recorded  # noqa: F401 - `recorded` is a fixture
from tests.fixtures.api import Call
from tests.fixtures.roadmap import RECEIVER_SECRET, RoadmapReceiver


def test_every_aws_call_of_the_roadmap_configuration_is_allowed(  # noqa: PLR0917 (fixtures)
    translated: dict[str, Any],
    recorded: list[Call_],  # noqa: F811 - the fixture imported above
    call_api: Call,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    roadmap_receiver: RoadmapReceiver,
) -> None:
    body = integration_body(jira_sim, product="PROD")
    body["roadmap"] = {"type": "aha", "base_url": aha_sim.base_url, "api_key": aha_sim.bot_key}
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    body["roadmap"] = {"type": "webhook", "url": roadmap_receiver.url, "secret": RECEIVER_SECRET}
    assert call_api("PUT", "/integrations/mob", body)[0] == 200
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    body["roadmap"] = {"type": "none"}
    assert call_api("PUT", "/integrations/mob", body)[0] == 200  # the secret deleted
    body["roadmap"] = {"type": "aha", "base_url": aha_sim.base_url, "api_key": aha_sim.bot_key}
    assert call_api("PUT", "/integrations/mob", body)[0] == 200
    assert call_api("DELETE", "/integrations/mob")[0] == 204  # the secret and the token deleted

    secret_calls = {
        (function, action) for function, action, resource, _ in recorded if resource.startswith("secret:")
    }
    assert {
        ("IntegrationsFunction", "secretsmanager:PutSecretValue"),
        ("IntegrationsFunction", "secretsmanager:DeleteSecret"),
        ("TestConnectionFunction", "secretsmanager:GetSecretValue"),
    } <= secret_calls
    assert any(keys and keys[0].startswith("ROADMAP_TOKEN#") for *_, keys in recorded)
    assert _denied(translated, recorded) == []


def test_every_aws_call_of_a_send_from_aha_and_of_aha_s_webhooks_is_allowed(  # noqa: PLR0917 (fixtures)
    translated: dict[str, Any],
    recorded: list[Call_],  # noqa: F811 - the fixture imported above
    call_api: Call,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    aws: LocalResources,
    handler_registry: HandlerRegistry,
    repo_template: Template,
) -> None:
    """A send with no body (the API key read, the feature read from Aha!), Aha!'s deliveries (queued,
    duplicate, echo, ignored, and one whose send cannot be queued: its delivery taken back) and the retry
    worker's job reading the feature from Aha! and sending it."""
    body = integration_body(jira_sim, product="PROD")
    body["roadmap"] = {
        "type": "aha",
        "base_url": aha_sim.base_url,
        "api_key": aha_sim.bot_key,
        "auto_update": True,
    }
    status, configured = call_api("PUT", "/integrations/mob", body)
    assert status == 201, configured
    assert call_api("POST", "/integrations/mob/test-connection")[1]["ok"]
    assert call_api("POST", "/integrations/mob/features/PROD-1/send")[0] == 200
    hook = "/webhooks/aha/" + configured["roadmap"]["webhook_url"].rsplit("/", 1)[-1]
    feature = aha_sim.feature("PROD-1")
    assert call_api("POST", hook, {"event": "update_feature", "feature": feature})[1]["outcome"] == "echo"
    feature["name"] = "Changed in Aha!"
    changed = {"event": "update_feature", "feature": feature}
    assert call_api("POST", hook, changed)[1]["outcome"] == "queued"
    assert call_api("POST", hook, changed)[1]["outcome"] == "duplicate"
    assert call_api("POST", hook, {"event": "update_release"})[1]["outcome"] == "ignored"
    worker = SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0)
    source = next(s for s in repo_template.sqs_event_sources if s.function == "RetryWorkerFunction")
    assert len(worker.poll_once(source, wait_time_seconds=1).received) == 1
    # The retry queue gone: the send cannot be queued, the delivery is taken back.
    boto3.client("sqs").delete_queue(QueueUrl=aws.queue_url("RetryQueue"))
    feature["name"] = "Changed again"
    status, refused = call_api("POST", hook, {"event": "update_feature", "feature": feature})
    assert (status, refused["error"]["code"]) == (503, "queue_unavailable"), refused

    functions = {function for function, *_ in recorded}
    assert {"AhaWebhookFunction", "RetryWorkerFunction", "SendFeatureFunction"} <= functions
    assert ("AhaWebhookFunction", "dynamodb:DeleteItem") in {(f, a) for f, a, *_ in recorded}
    assert any(
        function == "RetryWorkerFunction" and resource.startswith("secret:")
        for function, _, resource, _ in recorded
    )
    assert _denied(translated, recorded) == []
