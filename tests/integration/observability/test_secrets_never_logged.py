"""No secret reaches the logs: requests carrying known secret values go through every function (over the
local gateway, retry worker included), and everything captured is scanned for them: the functions' log
lines (as the local stack captures them), stdout and stderr (Powertools' own output, EMF metrics), and the
package's log records."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from aha_jira.integrations.secret_names import jira_credentials_secret
from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.integration.observability.conftest import Http, drain, feature
from tests.leak_scan import leaks

API_KEY = "obs-api-key-2b7c9d1e4f6a8b0c"
WEBHOOK_SECRET = "obs-webhook-secret-71c3e5a9d2"
WRONG_TOKEN = "obs-wrong-api-token-4e8a1c6f"
CONNECT_SHARED_SECRET = "obs-connect-shared-secret-0a9b8c7d6e"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# A Connect-style JWT (HS256, with a query-string hash): never valid here, never to be logged either.
JWT = ".".join(
    [
        _b64({"alg": "HS256", "typ": "JWT"}),
        _b64({"iss": "obs-client-key", "qsh": "0" * 64, "iat": 1, "exp": 4102444800}),
        "c2lnbmF0dXJlLW9mLXRoZS1vYnNlcnZhYmlsaXR5LXRlc3Q",
    ]
)


@pytest.fixture
def gateway_with_secret_key(
    aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry
) -> Iterator[Http]:
    with (
        LocalApiGateway(repo_template, api_key=API_KEY, handlers=handler_registry) as gateway,
        requests.Session() as session,
    ):
        yield Http(gateway.url, API_KEY, session)


def test_no_secret_in_any_captured_output(  # noqa: PLR0917 (fixtures)
    gateway_with_secret_key: Http,
    jira_sim: JiraSimulator,
    jira_sim_dc: JiraSimulator,
    retry_poller: SqsPoller,
    function_log: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "0.5")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    http = gateway_with_secret_key
    cloud = jira_sim.credentials
    dc = jira_sim_dc.credentials
    secrets = [
        API_KEY,
        WEBHOOK_SECRET,
        WRONG_TOKEN,
        CONNECT_SHARED_SECRET,
        JWT,
        JWT.split(".")[2],
        cloud["cloud_api_token"],
        dc["dc_password"],
        dc["dc_pat"],
        base64.b64encode(f"{cloud['cloud_email']}:{cloud['cloud_api_token']}".encode()).decode(),
        hub_signature(WEBHOOK_SECRET, b"{}").removeprefix("sha256="),
    ]
    authorization = {"Authorization": f"Bearer {JWT}", "Cookie": f"session={JWT}"}
    answers: list[Any] = []

    def call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        response = http.session.request(
            method,
            f"{http.url}{path}",
            json=body,
            headers={"x-api-key": API_KEY, **authorization, **(headers or {})},
            timeout=30,
        )
        answers.append(response.text)
        return response

    # integrations: basic + API token with a webhook secret, DC user + password, DC personal access token.
    body = integration_body(jira_sim)
    body["webhook"] = {"secret": WEBHOOK_SECRET}
    assert call("PUT", "/integrations/mob", body).status_code == 201
    password = integration_body(jira_sim_dc, name="DC password")
    password["jira"]["auth"] = {"type": "basic", "username": dc["dc_username"], "password": dc["dc_password"]}
    assert call("PUT", "/integrations/dcpass", password).status_code == 201
    pat = integration_body(jira_sim_dc, name="DC token")
    pat["jira"]["auth"] = {"type": "bearer", "token": dc["dc_pat"]}
    assert call("PUT", "/integrations/dcpat", pat).status_code == 201
    wrong = integration_body(jira_sim, name="Wrong token")
    wrong["jira"]["auth"]["api_token"] = WRONG_TOKEN
    assert call("PUT", "/integrations/wrong", wrong).status_code == 201
    refused = call(
        "PUT", "/integrations/bad", {**body, "unknown": WRONG_TOKEN, "jira": {"api_token": WRONG_TOKEN}}
    )
    assert refused.status_code == 400
    assert call("GET", "/integrations").status_code == 200

    # test connection: each succeeds, the wrong token fails with auth_failed.
    for integration in ("mob", "dcpass", "dcpat"):
        response = call("POST", f"/integrations/{integration}/test-connection")
        assert response.status_code == 200 and response.json()["ok"], response.text
    response = call("POST", "/integrations/wrong/test-connection")
    assert [p["code"] for p in response.json()["problems"]] == ["auth_failed"]

    # send, queued on a 503, then the retry worker.
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    response = call("POST", "/integrations/mob/features/PROD-2/send", {"feature": feature("PROD-2")})
    assert response.status_code == 202, response.text
    drain(retry_poller)
    sent = call("GET", "/integrations/mob/features/PROD-2").json()
    assert sent["jira"]["key"]
    assert call("GET", "/integrations/mob/log").status_code == 200

    # the Jira webhook: signed deliveries from the simulator, a forged signature, Connect calls with JWTs.
    token = call("GET", "/integrations/mob").json()["webhook_url"].rsplit("/", 1)[-1]
    jira_sim.configure_webhook(f"{http.url}/webhooks/jira/{token}", WEBHOOK_SECRET)
    SimulatorClient(jira_sim.base_url).engineer_transition(sent["jira"]["key"], "In Progress")
    assert jira_sim.wait_for_deliveries(1, timeout=10)[0]["status"] == 200
    forged = call(
        "POST",
        f"/webhooks/jira/{token}",
        {"webhookEvent": "jira:issue_updated", "timestamp": 1, "secret": WEBHOOK_SECRET},
        headers={"X-Hub-Signature": hub_signature(WRONG_TOKEN, b"forged")},
    )
    assert forged.status_code == 401
    connect = call(
        "POST",
        "/connect/webhooks/jira:issue_updated",
        {"webhookEvent": "jira:issue_updated", "sharedSecret": CONNECT_SHARED_SECRET},
        headers={"Authorization": f"JWT {JWT}"},
    )
    assert connect.status_code in {401, 403}, connect.text
    installed = call(
        "POST",
        "/connect/installed",
        {
            "key": "aha-jira-connect",
            "clientKey": "obs-client-key",
            "sharedSecret": CONNECT_SHARED_SECRET,
            "baseUrl": jira_sim.base_url,
            "eventType": "installed",
        },
        headers={"Authorization": f"JWT {JWT}"},
    )
    assert installed.status_code in {400, 401, 403}, installed.text

    # Everything captured, every function's lines included.
    captured = capfd.readouterr()
    lines = function_log.read_text(encoding="utf-8")
    functions = {json.loads(line).get("function_name", "").rsplit("-", 1)[-1] for line in lines.splitlines()}
    assert {
        "IntegrationsFunction",
        "TestConnectionFunction",
        "SendFeatureFunction",
        "RetryWorkerFunction",
        "JiraWebhookFunction",
    } <= functions
    package_records = "\n".join(
        f"{record.getMessage()} {record.__dict__}"
        for record in caplog.records
        if record.name == "aha-jira" or record.name.startswith("aha_jira.")
    )
    logged = "\n".join([lines, captured.out, captured.err, package_records])
    for secret in [*secrets, token]:
        assert secret not in logged, f"a secret was logged: {secret[:6]}..."
    # The answers carry the webhook URL (with its token) by design, and no other secret, not even redacted.
    answered = "\n".join(answers)
    assert "[REDACTED]" not in answered
    for secret in secrets:
        assert secret not in answered, f"a secret was answered: {secret[:6]}..."


# Credentials stored before PUT refused control characters: nothing an HTTP header can carry.
UNSENDABLE_TOKENS = {
    "crlf": "legacy-pat-7d1e\r\nX-Injected: 1",
    "nul": "legacy-pat-\x00-9c2b4e",
    "not-latin-1": "legacy-pat-\u2603-5a8f0d",
}


@pytest.mark.parametrize("kind", sorted(UNSENDABLE_TOKENS))
def test_a_stored_token_no_header_can_carry_is_an_auth_problem_not_a_500(  # noqa: PLR0917 (fixtures)
    kind: str,
    gateway_with_secret_key: Http,
    jira_sim_dc: JiraSimulator,
    function_log: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A personal access token with a line break (stored before the PUT validation existed) made test
    connection fail with 500, and the exception text logged the token, escaped past the redaction."""
    caplog.set_level(logging.INFO)
    http = gateway_with_secret_key
    token = UNSENDABLE_TOKENS[kind]
    body = integration_body(jira_sim_dc, name="Legacy PAT")
    body["jira"]["auth"] = {"type": "bearer", "token": jira_sim_dc.credentials["dc_pat"]}
    assert http.api("PUT", "/integrations/legacy", body)[0] == 201
    status, report = http.api("POST", "/integrations/legacy/test-connection")
    assert status == 200 and report["ok"], report
    # The stored credential as an older version left it.
    secrets = boto3.client("secretsmanager")
    name = jira_credentials_secret("legacy")
    stored = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps({**stored, "secret": token}))
    calls_before = len(jira_sim_dc.calls)

    status, sent = http.api(
        "POST", "/integrations/legacy/features/PROD-2/send", {"feature": feature("PROD-2")}
    )
    assert status == 422, sent
    assert sent["error"]["code"] == "jira_auth_failed"
    status, report = http.api("POST", "/integrations/legacy/test-connection")
    assert status == 200, report
    assert report["ok"] is False
    assert [problem["code"] for problem in report["problems"]] == ["auth_failed"]
    assert "personal access token" in report["problems"][0]["message"]
    assert "PUT /integrations/{id}" in report["problems"][0]["hint"]
    assert len(jira_sim_dc.calls) == calls_before, "the token was sent to Jira"

    answers = json.dumps([sent, report], ensure_ascii=False)
    captured = capfd.readouterr()
    logged = "\n".join(
        [
            function_log.read_text(encoding="utf-8"),
            captured.out,
            captured.err,
            *(f"{record.getMessage()} {record.__dict__}" for record in caplog.records),
        ]
    )
    assert "Test connection found problems" in logged
    assert leaks(logged, {kind: token}) == []
    assert leaks(answers, {kind: token}) == []
