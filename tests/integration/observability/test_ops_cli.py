"""The operator commands (`python -m aha_jira_dev.ops`): against an API URL and key (the local gateway over
HTTP), and against a stack found by name (its CloudFormation outputs and API key, in moto)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from aha_jira_dev.ops import main
from tests.builders import integration_body
from tests.integration.observability.conftest import Http, feature


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def configure_and_refuse(http: Http, jira_sim: JiraSimulator) -> None:
    assert http.api("PUT", "/integrations/mob", integration_body(jira_sim))[0] == 201
    assert http.api("POST", "/integrations/mob/test-connection")[0] == 200
    jira_sim.add_fault(
        method="POST",
        path=r"/rest/api/3/issue$",
        status=400,
        body={"errorMessages": [], "errors": {"customfield_10004": "Story Points is required."}},
        times=1,
    )
    status, _ = http.api("POST", "/integrations/mob/features/PROD-2/send", {"feature": feature("PROD-2")})
    assert status == 422


@pytest.fixture
def refused_send(http: Http, aws: LocalResources, jira_sim: JiraSimulator, function_log: Path) -> None:
    configure_and_refuse(http, jira_sim)


@pytest.fixture
def long_key_http(
    aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry
) -> Iterator[Http]:
    """API Gateway's keys are at least 20 characters (moto checks it too)."""
    key = "ops-api-key-0123456789abcdef"
    with (
        LocalApiGateway(repo_template, api_key=key, handlers=handler_registry) as gateway,
        requests.Session() as session,
    ):
        yield Http(gateway.url, key, session)


def test_log_and_test_connection_by_api_url(refused_send: None, http: Http) -> None:
    target = ["--api-url", http.url, "--api-key", http.api_key]
    code, text = run(*target, "log", "mob", "--all")
    lines = text.splitlines()
    assert code == 0 and lines[-1] == "3 entries"
    assert "integration.configured" in lines[0]  # oldest first
    failed = next(index for index, line in enumerate(lines) if "feature.send" in line)
    assert "failed" in lines[failed] and "[Jira 400]" in lines[failed] and "(jira_refused)" in lines[failed]
    assert lines[failed + 1].strip().startswith("hint: Set mapping.fields.customfield_10004")

    code, text = run(*target, "log", "mob", "--reference", "PROD-2", "--json")
    assert [entry["action"] for entry in json.loads(text)["entries"]] == ["feature.send"]

    code, text = run(*target, "test-connection", "mob")
    assert code == 0 and text.startswith("mob: ok")
    _, text = run(*target, "log", "mob", "--outcome", "ok", "--limit", "1")
    assert "integration.test_connection" in text and text.endswith("1 entries\n")

    with pytest.raises(SystemExit, match="404 integration_not_found"):
        run(*target, "log", "nobody")
    with pytest.raises(SystemExit, match=r"403|401"):
        run("--api-url", http.url, "--api-key", "wrong", "log", "mob")


def test_a_stack_by_name_and_replaying_its_dead_letters(
    long_key_http: Http, jira_sim: JiraSimulator, aws: LocalResources, moto_endpoint: str, function_log: Path
) -> None:
    http = long_key_http
    configure_and_refuse(http, jira_sim)
    key = boto3.client("apigateway").create_api_key(name="ops", enabled=True, value=http.api_key)
    template = {
        "Parameters": {"KeyId": {"Type": "String"}},
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "ApiUrl": {"Value": f"{http.url}/v1/"},
            "ApiKeyId": {"Value": {"Ref": "KeyId"}},
            "RetryQueueUrl": {"Value": aws.queue_url("RetryQueue")},
            "DeadLetterQueueUrl": {"Value": aws.queue_url("RetryDeadLetterQueue")},
        },
    }
    boto3.client("cloudformation").create_stack(
        StackName="aha-jira-ops",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "KeyId", "ParameterValue": key["id"]}],
    )
    stack = ["--stack", "aha-jira-ops", "--region", "us-east-1", "--endpoint-url", moto_endpoint]

    code, text = run(*stack, "test-connection", "mob")
    assert code == 0 and text.startswith("mob: ok")
    _, text = run(*stack, "log", "mob", "--outcome", "failed")
    assert "feature.send" in text and text.endswith("1 entries\n")

    sqs = boto3.client("sqs")
    job = json.dumps({"job_id": "j1", "integration_id": "mob", "reference": "PROD-2"})
    sqs.send_message(QueueUrl=aws.queue_url("RetryDeadLetterQueue"), MessageBody=job)
    code, text = run(*stack, "replay-dlq")
    assert code == 0 and json.loads(text) == {"moved": 1}
    moved = sqs.receive_message(QueueUrl=aws.queue_url("RetryQueue"), WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in moved] == [job]
