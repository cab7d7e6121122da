"""Who we are comes from configuration, never from the request (DESIGN.md "Who we are"): the Connect
descriptor's `baseUrl`, the audience a lifecycle token must name, `webhook_url` and the links written back to
Jira all use `PUBLIC_BASE_URL` (the `gateway` fixture sets it to the gateway's URL, as `make run` does) or,
deployed, the stage variable the template sets. A `Host` or `X-Forwarded-Proto` the caller chose changes none
of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests

from aha_jira_dev.jira_sim.connect_app import lifecycle_payload, lifecycle_token
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.api_events import invoke, rest_event
from tests.builders import integration_body
from tests.fixtures.aws import TEST_PUBLIC_BASE_URL
from tests.integration.connect.conftest import ConnectApp, installation_item, stored_shared_secret

WEBHOOK_FUNCTION = "JiraWebhookFunction"
INTEGRATIONS_FUNCTION = "IntegrationsFunction"
FORGED_HOST = "other-app.example"


def connect_secrets() -> list[str]:
    client = boto3.client("secretsmanager")
    return [entry["Name"] for entry in client.list_secrets()["SecretList"] if "/connect/" in entry["Name"]]


def test_the_descriptor_names_the_configured_base_url_whatever_the_host(connect_app: ConnectApp) -> None:
    answer = requests.get(
        connect_app.descriptor_url,
        headers={"Host": FORGED_HOST, "X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["baseUrl"] == connect_app.url
    assert document["links"]["self"] == f"{connect_app.url}/atlassian-connect.json"
    assert FORGED_HOST not in answer.text


def test_an_installed_token_issued_for_another_apps_base_url_is_refused_even_with_its_host(
    connect_app: ConnectApp, aws: LocalResources
) -> None:
    """A genuine `installed` token (signed by the site's key) whose audience is another app, replayed to us
    with that app's Host: once accepted, its unsigned body (baseUrl, sharedSecret) would have been ours to
    choose."""
    client_key = "jira:replayed-from-another-app"
    other_app = f"http://{FORGED_HOST}"  # what the Host-derived base URL was: the gateway says http
    token = lifecycle_token(
        connect_app.sim.connect_keys, client_key=client_key, app_base_url=other_app, path="/connect/installed"
    )
    body = lifecycle_payload(
        connect_app.sim.core,
        connect_app.descriptor(),
        "installed",
        client_key,
        "a-shared-secret-the-replayer-chose-0123456789",
    )
    answer = requests.post(
        f"{connect_app.url}/connect/installed",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"JWT {token}", "Host": FORGED_HOST},
        timeout=10,
    )
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "connect_unauthorized"
    assert "audience" in answer.json()["error"]["message"]
    assert installation_item(aws, client_key) is None
    assert stored_shared_secret(client_key) is None
    assert connect_secrets() == []


InProcess = Callable[..., tuple[int, Any]]


@pytest.fixture
def in_process(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> InProcess:
    """Call a function's handler with a REST proxy event whose Host (and X-Forwarded-*) the caller forged."""

    def call(
        function: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        stage_variables: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        event = rest_event(
            repo_template,
            method,
            path,
            body=body,
            headers={"Host": FORGED_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-Host": FORGED_HOST},
        )
        event["stageVariables"] = stage_variables
        result = invoke(repo_template, handler_registry.handler(function), function, event)
        return result["statusCode"], json.loads(result["body"]) if result.get("body") else None

    return call


def test_webhook_url_is_the_configured_base_url_whatever_the_host(
    in_process: InProcess, jira_sim: Any
) -> None:
    status, created = in_process(
        INTEGRATIONS_FUNCTION,
        "PUT",
        "/integrations/mob",
        integration_body(jira_sim),
    )
    assert status == 201, created
    assert created["webhook_url"].startswith(f"{TEST_PUBLIC_BASE_URL}/webhooks/jira/")
    status, read = in_process(INTEGRATIONS_FUNCTION, "GET", "/integrations/mob")
    assert status == 200 and read["webhook_url"] == created["webhook_url"]
    status, listed = in_process(INTEGRATIONS_FUNCTION, "GET", "/integrations")
    assert status == 200 and [item["webhook_url"] for item in listed["integrations"]] == [
        created["webhook_url"]
    ]


def test_deployed_the_stage_variable_is_who_we_are(
    in_process: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In AWS the template sets no PUBLIC_BASE_URL: API Gateway hands every function the stage's
    `publicBaseUrl` (the API's execute-api URL with its stage, or the PublicBaseUrl parameter)."""
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    deployed = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1"
    status, document = in_process(
        WEBHOOK_FUNCTION,
        "GET",
        "/atlassian-connect.json",
        stage_variables={"publicBaseUrl": deployed},
    )
    assert status == 200 and document["baseUrl"] == deployed

    # Neither configured: a 500 that names the setting, never a URL made up from the request.
    status, answer = in_process(WEBHOOK_FUNCTION, "GET", "/atlassian-connect.json")
    assert status == 500
    assert answer["error"]["code"] == "configuration_error"
    assert "publicBaseUrl" in answer["error"]["hint"] and "PUBLIC_BASE_URL" in answer["error"]["hint"]
    assert FORGED_HOST not in json.dumps(answer)


def test_a_malformed_configured_base_url_is_a_configuration_error(
    in_process: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    for value in ("api.example.test", "ftp://api.example.test", "https://api.example.test/?x=1", "https://"):
        monkeypatch.setenv("PUBLIC_BASE_URL", value)
        status, answer = in_process(WEBHOOK_FUNCTION, "GET", "/atlassian-connect.json")
        assert status == 500 and answer["error"]["code"] == "configuration_error", value
