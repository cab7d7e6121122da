"""Secrets never leak from `make run`: after the whole e2e run, every configured secret (raw, JSON-escaped,
URL-encoded, as Python's repr of its text and bytes, ...) is looked for in every line the stack wrote
(stdout, stderr, the functions' captured log) and every answer the tests received: none may be there.
Webhook tokens may not be in a log line either (answers carry them by design, in `webhook_url`).

The secrets are used for real first, odd characters and all: the simulator's bot account takes an API token
with quotes, backslashes and percent signs (the demo and an integration of this test authenticate with it),
a site's webhook secret with non-ASCII characters signs a delivery the receiver accepts, a personal
access token stored (as an older version could) with a line break and a character outside Latin-1 is read
and refused as a credential problem, never sent, and the Aha! simulator's bot key, as odd, is the demo's
roadmap.api_key: a feature is read from Aha! with it, and Aha!'s webhooks reach the demo's roadmap token.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.conftest import (
    AHA_BOT_KEY,
    API_KEY,
    REPO_ROOT,
    SIM_API_TOKEN,
    SIM_EMAIL,
    E2eCapture,
    RunningStack,
    wait_until,
)
from tests.e2e.test_make_run import README_API_TOKEN
from tests.leak_scan import leaks

WEBHOOK_SECRET = "e2e-hook-sécret-\"dq\"-'sq'-\\-%41-/+="
LEGACY_PAT = "e2e-legacy-pat\r\nX-Injected: 1-\u2603-\x00"
CLEAN_PAT = "e2e-clean-pat-3b9d0f7a1c"
HEADERS = {"x-api-key": API_KEY}


@dataclass
class SecretsInUse:
    """What the run proved was used, and every secret and token to look for."""

    secrets: dict[str, str]
    webhook_tokens: set[str] = field(default_factory=set)
    evidence: dict[str, Any] = field(default_factory=dict)


def _api(stack: RunningStack, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.url}{path}", json=body, headers=HEADERS, timeout=30)


def _integration(
    stack: RunningStack, auth: dict[str, str], webhook_secret: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Secrets check",
        "product": "MOB",
        "jira": {"base_url": stack.jira_url, "auth": auth, "project": "MOB"},
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": {"To Do": "Ready", "In Progress": "In development", "Done": "Shipped"},
        },
    }
    if webhook_secret is not None:
        body["webhook"] = {"secret": webhook_secret}
    return body


def _store_legacy_credential(stack: RunningStack, integration_id: str, token: str) -> None:
    """Write the credential straight into the stack's Secrets Manager, as a version without the PUT checks
    could have stored it."""
    client = boto3.client(
        "secretsmanager",
        endpoint_url=f"http://127.0.0.1:{stack.moto_port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )
    names = [
        item["Name"]
        for page in client.get_paginator("list_secrets").paginate()
        for item in page["SecretList"]
        if item["Name"].endswith(f"/integrations/{integration_id}/jira-credentials")
    ]
    assert len(names) == 1, names
    stored = json.loads(client.get_secret_value(SecretId=names[0])["SecretString"])
    client.put_secret_value(SecretId=names[0], SecretString=json.dumps({**stored, "secret": token}))


@pytest.fixture(scope="package")
def secrets_in_use(stack: RunningStack) -> Iterator[SecretsInUse]:
    assert stack.process.poll() is None, "the stack was stopped: run the secrets check with all of tests/e2e"
    run = SecretsInUse(
        secrets={
            "API key": API_KEY,
            "simulator API token": SIM_API_TOKEN,
            "basic header": base64.b64encode(f"{SIM_EMAIL}:{SIM_API_TOKEN}".encode()).decode(),
            "webhook secret": WEBHOOK_SECRET,
            "legacy personal access token": LEGACY_PAT,
            "clean personal access token": CLEAN_PAT,
            "README API token": README_API_TOKEN,
            "Aha! API key": AHA_BOT_KEY,
            "Aha! bearer header": f"Bearer {AHA_BOT_KEY}",
        }
    )
    # 1. An integration that authenticates with the odd API token and signs webhooks with an odd secret.
    basic = {"type": "basic", "email": SIM_EMAIL, "api_token": SIM_API_TOKEN}
    created = _api(stack, "PUT", "/integrations/odd", _integration(stack, basic, WEBHOOK_SECRET))
    assert created.status_code == 201, created.text
    webhook_url = created.json()["webhook_url"]
    tested = _api(stack, "POST", "/integrations/odd/test-connection")
    assert tested.status_code == 200 and tested.json()["ok"], tested.text
    run.evidence["test connection"] = tested.json()["ok"]
    feature = json.loads((REPO_ROOT / "examples" / "demo_feature.json").read_text())
    feature["feature"]["reference_num"] = "PROD-31"
    feature["feature"]["requirements"] = []
    sent = _api(stack, "POST", "/integrations/odd/features/PROD-31/send", feature)
    assert sent.status_code == 200, sent.text
    key = sent.json()["jira"]["key"]

    # 2. The site's secret is now the odd one: the simulator signs with it, the receiver verifies it.
    requests.put(
        f"{stack.jira_url}/_sim/webhook", json={"url": webhook_url, "secret": WEBHOOK_SECRET}, timeout=10
    ).raise_for_status()
    requests.delete(f"{stack.jira_url}/_sim/webhook/deliveries", timeout=10).raise_for_status()
    moved = requests.post(
        f"{stack.jira_url}/_sim/engineer/issues/{key}/transition", json={"status": "In Progress"}, timeout=10
    )
    assert moved.status_code < 300, moved.text

    def delivered() -> list[dict[str, Any]]:
        deliveries = requests.get(f"{stack.jira_url}/_sim/webhook/deliveries", timeout=10).json()[
            "deliveries"
        ]
        return [item for item in deliveries if item["done"] and item["issue_key"] == key]

    run.evidence["deliveries"] = [item["status"] for item in wait_until(delivered, timeout=30)]

    # 3. A personal access token no header can carry, stored before PUT refused such tokens.
    bearer = {"type": "bearer", "token": CLEAN_PAT}
    assert _api(stack, "PUT", "/integrations/legacy", _integration(stack, bearer)).status_code == 201
    _store_legacy_credential(stack, "legacy", LEGACY_PAT)
    refused = _api(stack, "POST", "/integrations/legacy/test-connection")
    assert refused.status_code == 200, refused.text
    run.evidence["legacy problems"] = refused.json()["problems"]

    # 4. What the simulator saw: calls authenticated as the bot, by basic auth with the odd token.
    calls = requests.get(f"{stack.jira_url}/_sim/calls", timeout=10).json()["calls"]
    run.evidence["basic calls"] = sum(1 for call in calls if call.get("auth") == "basic" and call.get("user"))

    # 5. The Aha! key (the demo's roadmap.api_key): a send reads a feature from Aha! with it; a change in Aha!
    # comes back through the demo's roadmap.webhook_url (its token).
    demo = _api(stack, "GET", "/integrations/demo")
    from_aha = _api(stack, "POST", "/integrations/demo/features/PROD-3/send")
    assert from_aha.status_code == 200, from_aha.text
    edited = requests.put(
        f"{stack.aha_url}/_sim/pm/features/PROD-3", json={"name": "Dark theme, darker"}, timeout=10
    )
    assert edited.status_code == 200, edited.text
    aha_calls = requests.get(f"{stack.aha_url}/_sim/calls", timeout=10).json()["calls"]
    run.evidence["Aha! reads as the bot"] = sum(
        1 for call in aha_calls if call.get("user") == "aha-bot@acme.example" and call.get("status") == 200
    )

    def aha_delivered() -> list[dict[str, Any]]:
        found = requests.get(f"{stack.aha_url}/_sim/webhook/deliveries", timeout=10).json()["deliveries"]
        return [item for item in found if item["done"] and item["reference"] == "PROD-3"]

    run.evidence["Aha! deliveries"] = [item["status"] for item in wait_until(aha_delivered, timeout=30)]
    for answer in (created, demo):
        run.webhook_tokens.add(answer.json()["webhook_url"].rsplit("/", 1)[-1])
    run.webhook_tokens.add(demo.json()["roadmap"]["webhook_url"].rsplit("/", 1)[-1])
    yield run


def test_odd_secrets_are_used_or_refused_as_credentials(secrets_in_use: SecretsInUse) -> None:
    evidence = secrets_in_use.evidence
    assert evidence["test connection"] is True
    assert evidence["basic calls"] > 0
    assert evidence["deliveries"] and set(evidence["deliveries"]) == {200}, evidence["deliveries"]
    assert evidence["Aha! reads as the bot"] > 0
    assert evidence["Aha! deliveries"] and set(evidence["Aha! deliveries"]) == {200}, evidence[
        "Aha! deliveries"
    ]
    problems = evidence["legacy problems"]
    assert [problem["code"] for problem in problems] == ["auth_failed"], problems
    assert "personal access token" in problems[0]["message"]


@pytest.mark.after_e2e
def test_no_secret_in_any_log_line_or_answer(
    stack: RunningStack, e2e_capture: E2eCapture, secrets_in_use: SecretsInUse
) -> None:
    stack.stop()
    output = e2e_capture.stack_output.read_text(encoding="utf-8")
    function_log = e2e_capture.function_log.read_text(encoding="utf-8")
    # The corpus is what it should be: the whole banner and access log, every function's lines.
    assert "Ctrl-C to stop." in output
    assert re.search(r"POST /integrations/odd/test-connection -> 200", output), output[-2000:]
    functions = {
        json.loads(line).get("function_name", "").rsplit("-", 1)[-1]
        for line in function_log.splitlines()
        if line.strip()
    }
    assert {
        "IntegrationsFunction",
        "TestConnectionFunction",
        "SendFeatureFunction",
        "JiraWebhookFunction",
        "AhaWebhookFunction",
    } <= functions, functions
    answers = "\n".join(e2e_capture.answers)
    assert len(e2e_capture.answers) >= 6 and "/integrations/odd" in answers

    logged = "\n".join([output, function_log])
    tokens = {f"webhook token {index}": token for index, token in enumerate(secrets_in_use.webhook_tokens)}
    assert leaks(logged, {**secrets_in_use.secrets, **tokens}) == []
    assert leaks(answers, secrets_in_use.secrets) == []
