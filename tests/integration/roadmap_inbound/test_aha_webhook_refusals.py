"""What `POST /webhooks/aha/{roadmap_token}` refuses, and how: an unknown token is 404 `unknown_webhook`, a body
that is not an Aha! event 400 `not_an_aha_event`, each in the error shape and writing nothing (no delivery
recorded, no job queued, no call to Aha! or Jira). A send that cannot be queued is our failure: 503, the
delivery taken back, so Aha!'s redelivery queues it."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest

from aha_jira.models.aha_webhook import AhaWebhookAnswer
from aha_jira.roadmap_inbound.receive import AhaWebhookServices, receive_aha_webhook
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira.storage.retry_queue import SqsRetryQueue
from aha_jira.wiring import aha_webhook_services
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.roadmap_inbound.conftest import AhaIntegration, aha_calls, log_lines
from tests.integration.roadmap_inbound.test_aha_webhook import queued_messages, recorded_deliveries


def nothing_written(
    aws: LocalResources, aha_sim: AhaSimulator, jira_sim: JiraSimulator, calls: tuple[int, int]
) -> None:
    assert recorded_deliveries(aws) == []
    assert queued_messages(aws) == 0
    assert aha_calls(aha_sim, calls[0]) == []
    assert len(jira_sim.calls) == calls[1]


@pytest.fixture
def sent(call_api: Call, roadmap: AhaIntegration) -> None:
    assert call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")[0] == 200


def update_of(aha_sim: AhaSimulator, reference: str = "PROD-1") -> dict[str, Any]:
    feature = aha_sim.feature(reference)
    feature["name"] = "Changed in Aha!"
    return {"event": "update_feature", "feature": feature}


UNKNOWN_TOKENS = {
    "a token of nobody": "x" * 32,
    "too short": "short",
    "too long": "a" * 129,
    "a NUL": "tok%00en-0123456789abcdef",
    "an emoji": "%F0%9F%9A%80-0123456789abcdef",
}


def test_an_unknown_token_is_404_and_writes_nothing(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    roadmap: AhaIntegration,
    sent: None,
    aws: LocalResources,
    aha_sim: AhaSimulator,
    jira_sim: JiraSimulator,
) -> None:
    calls = (len(aha_sim.calls), len(jira_sim.calls))
    body = update_of(aha_sim)
    for label, token in UNKNOWN_TOKENS.items():
        status, answer = call_api("POST", f"/webhooks/aha/{token}", body)
        assert status == 404, (label, answer)
        assert answer["error"]["code"] == "unknown_webhook", label
        assert "roadmap.webhook_url" in answer["error"]["hint"]
    nothing_written(aws, aha_sim, jira_sim, calls)


def test_the_token_of_a_removed_integration_is_404(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator
) -> None:
    assert call_api("DELETE", f"/integrations/{roadmap.id}")[0] == 204
    status, answer = call_api("POST", roadmap.webhook_path, update_of(aha_sim))
    assert (status, answer["error"]["code"]) == (404, "unknown_webhook")


def test_a_directory_entry_pointing_at_another_integration_is_not_trusted(
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    jira_sim: JiraSimulator,
    aws: LocalResources,
) -> None:
    """The integration's own token is compared, not only the directory's item: a token item naming an
    integration whose token differs opens nothing."""
    planted = "p" * 32
    boto3.client("dynamodb").put_item(
        TableName=aws.table_name("IntegrationsTable"),
        Item={
            "pk": {"S": f"ROADMAP_TOKEN#{planted}"},
            "sk": {"S": "TOKEN"},
            "integration_id": {"S": roadmap.id},
        },
    )
    assert DynamoIntegrationRepository().integration_for_roadmap_token(planted) == roadmap.id
    status, answer = call_api("POST", f"/webhooks/aha/{planted}", update_of(aha_sim))
    assert (status, answer["error"]["code"]) == (404, "unknown_webhook")
    assert queued_messages(aws) == 0


BAD_BODIES: dict[str, bytes] = {
    "empty": b"",
    "not JSON": b"event=update_feature",
    "truncated": b'{"event": "update_feature", "feature": {',
    "an array": b"[]",
    "null": b"null",
    "NaN": b'{"event": "audit", "audit": NaN}',
    "a repeated key": b'{"event": "audit", "event": "update_feature"}',
    "no event": b'{"feature": {"reference_num": "PROD-1", "name": "x"}}',
    "event 5": b'{"event": 5}',
    "an empty event": b'{"event": ""}',
    "a control character in event": b'{"event": "update_feature\\u0000"}',
    "a 1,000-character event": json.dumps({"event": "e" * 1000}).encode(),
    "an audit without its record": b'{"event": "audit"}',
    "an audit that is a string": b'{"event": "audit", "audit": "changed"}',
    "an audit without auditable_id": b'{"event": "audit", "audit": {"audit_action": "update", "auditable_type": "Feature"}}',
    "an audit with 10,000 changes": json.dumps(
        {
            "event": "audit",
            "audit": {
                "audit_action": "update",
                "auditable_type": "Feature",
                "auditable_id": "1",
                "changes": [{"field_name": "Name", "value": "x"}] * 10_000,
            },
        }
    ).encode(),
    "a feature event without its feature": b'{"event": "update_feature"}',
    "a feature without a reference": b'{"event": "update_feature", "feature": {"name": "x"}}',
    "a feature whose name is a number": b'{"event": "create_feature", "feature": {"reference_num": "PROD-1", "name": 5}}',
    "a 1 MB feature name": json.dumps(
        {"event": "update_feature", "feature": {"reference_num": "PROD-1", "name": "n" * 1_000_000}}
    ).encode(),
    "70 levels deep": ('{"event": "audit", "audit": ' + '{"a": ' * 70 + "1" + "}" * 71).encode(),
}  # fmt: skip


def test_a_body_that_is_not_an_aha_event_is_400_writes_nothing_and_is_logged(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    roadmap: AhaIntegration,
    sent: None,
    aws: LocalResources,
    aha_sim: AhaSimulator,
    jira_sim: JiraSimulator,
    log_output: io.StringIO,
) -> None:
    calls = (len(aha_sim.calls), len(jira_sim.calls))
    for label, body in BAD_BODIES.items():
        status, answer = call_api("POST", roadmap.webhook_path, body)
        assert status == 400, (label, answer)
        assert answer["error"]["code"] == "not_an_aha_event", label
        assert answer["error"]["message"].startswith("The body is not an Aha! webhook event"), label
        assert "event" in answer["error"]["hint"]
    nothing_written(aws, aha_sim, jira_sim, calls)
    # The token was the integration's: its owner sees each refusal (a change in Aha! that was not sent).
    lines = log_lines(log_output)
    assert len(lines) == len(BAD_BODIES)
    assert {(line["action"], line["outcome"], line["error_code"]) for line in lines} == {
        ("roadmap.event_ignored", "failed", "not_an_aha_event")
    }
    assert all(line["integration_id"] == roadmap.id for line in lines)


def test_a_send_that_cannot_be_queued_is_a_503_and_aha_s_redelivery_queues_it(
    roadmap: AhaIntegration, sent: None, aws: LocalResources, aha_sim: AhaSimulator, log_output: io.StringIO
) -> None:
    working = aha_webhook_services()
    broken = AhaWebhookServices(
        directory=working.directory,
        integrations=working.integrations,
        links=working.links,
        features=working.features,
        deliveries=working.deliveries,
        queue=SqsRetryQueue(aws.queue_url("RetryQueue").rsplit("/", 1)[0] + "/no-such-queue"),
    )
    body = json.dumps(update_of(aha_sim)).encode()

    with pytest.raises(Exception) as refused:
        receive_aha_webhook(roadmap.token, body, broken)

    assert getattr(refused.value, "status", None) == 503
    assert getattr(refused.value, "code", None) == "queue_unavailable"
    assert recorded_deliveries(aws) == []  # taken back: the redelivery is no duplicate
    answer = receive_aha_webhook(roadmap.token, body, working)
    assert isinstance(answer, AhaWebhookAnswer) and answer.outcome == "queued"
    assert queued_messages(aws) == 1
    assert roadmap.token not in log_output.getvalue()
