"""Requests no Jira sends to the Connect routes, over HTTP through the local gateway: each is a 4xx in the error
shape, never a 5xx, and writes nothing (DESIGN.md "Bad input never reaches a 5xx")."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import boto3
import pytest
import requests

from aha_jira_dev.jira_sim.connect_app import lifecycle_payload, lifecycle_token
from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.connect.conftest import ConnectApp, Installed, installation_item, stored_shared_secret

WEBHOOK_PATH = "/connect/webhooks/jira:issue_updated"
NESTED = ("[" * 10_000 + "]" * 10_000).encode()


def deliveries(aws: LocalResources) -> list[dict[str, Any]]:
    table = aws.table_name("WebhookDeliveriesTable")
    return list(boto3.client("dynamodb").scan(TableName=table).get("Items", []))


def connect_items(aws: LocalResources) -> list[dict[str, Any]]:
    table = aws.table_name("IntegrationsTable")
    items = boto3.client("dynamodb").scan(TableName=table).get("Items", [])
    return [item for item in items if item["pk"]["S"].startswith("CONNECT#")]


def connect_secrets() -> list[str]:
    client = boto3.client("secretsmanager")
    return sorted(
        entry["Name"] for entry in client.list_secrets()["SecretList"] if "/connect/" in entry["Name"]
    )


def post(url: str, body: bytes, token: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": secrets.token_hex(8)}
    if token is not None:
        headers["Authorization"] = f"JWT {token}"
    return requests.post(url, data=body, headers=headers, timeout=10)


def assert_refused(answer: requests.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert answer.json()["error"]["code"] == code, answer.text[:300]
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("10,000 nested arrays", NESTED),
        (
            "nested 100 deep inside an event",
            b'{"webhookEvent": "jira:issue_updated", "x": ' + b"[" * 100 + b"]" * 100 + b"}",
        ),
        ("NaN", b'{"webhookEvent": "jira:issue_updated", "timestamp": NaN}'),
        (
            "a future beyond any calendar",
            b'{"webhookEvent": "jira:issue_updated", "timestamp": 1' + b"0" * 30 + b"}",
        ),
    ],
)
def test_a_signed_connect_webhook_no_jira_sends_is_400(
    installed: Installed, aws: LocalResources, case: str, body: bytes
) -> None:
    answer = post(f"{installed.app.url}{WEBHOOK_PATH}", body, installed.site_token("POST", WEBHOOK_PATH))
    assert_refused(answer, 400, "not_a_jira_event")
    assert deliveries(aws) == [], case


def _token(header: dict[str, Any], claims_json: bytes) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return f"{part(json.dumps(header).encode())}.{part(claims_json)}.{part(b'signature')}"


@pytest.mark.parametrize(
    "claims",
    [
        b'{"iss": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        b'{"iss": "jira:x", "exp": ' + b"9" * 5_000 + b"}",
        b'{"iss": "jira:x", "iss": "jira:y"}',
        b'{"iss": "jira:x", "exp": Infinity}',
    ],
    ids=["nested 5,000 deep", "a 5,000-digit number", "a repeated claim", "Infinity"],
)
def test_a_token_whose_claims_are_no_json_we_accept_is_401(
    installed: Installed, aws: LocalResources, claims: bytes
) -> None:
    app = installed.app
    webhook = post(f"{app.url}{WEBHOOK_PATH}", b"{}", _token({"alg": "HS256", "typ": "JWT"}, claims))
    assert_refused(webhook, 401, "connect_unauthorized")
    lifecycle = post(f"{app.url}/connect/installed", b"{}", _token({"alg": "RS256", "kid": "k"}, claims))
    assert_refused(lifecycle, 401, "connect_unauthorized")
    assert deliveries(aws) == []


def _signed_install(app: ConnectApp, client_key: str, body: bytes) -> requests.Response:
    token = lifecycle_token(
        app.sim.connect_keys, client_key=client_key, app_base_url=app.url, path="/connect/installed"
    )
    return post(f"{app.url}/connect/installed", body, token)


def test_a_signed_install_whose_body_is_no_lifecycle_payload_is_400_and_writes_nothing(
    connect_app: ConnectApp, aws: LocalResources
) -> None:
    client_key = "jira:hostile-install"
    payload = lifecycle_payload(
        connect_app.sim.core,
        connect_app.descriptor(),
        "installed",
        client_key,
        "a-shared-secret-0123456789abcdef",
    )
    cases = {
        "10,000 nested arrays": NESTED,
        "nested inside the payload": json.dumps({**payload, "extra": "X"})
        .replace('"X"', "[" * 100 + "]" * 100)
        .encode(),
        "a repeated key": json.dumps(payload)[:-1].encode()
        + b', "sharedSecret": "another-secret-0123456789abc"}',
        "a shared secret with CR/LF": json.dumps(
            {**payload, "sharedSecret": "secret\r\nX-Injected: 1-0123456789"}
        ).encode(),
        "a 64 KiB shared secret": json.dumps({**payload, "sharedSecret": "s" * 65_536}).encode(),
        "a 10 KB base URL": json.dumps(
            {**payload, "baseUrl": "https://" + "a" * 10_240 + ".example"}
        ).encode(),
    }
    for case, body in cases.items():
        time.sleep(1.1)  # each a fresh callback (iat in seconds), so none is refused as a replay
        answer = _signed_install(connect_app, client_key, body)
        assert_refused(answer, 400, "invalid_body")
        assert installation_item(aws, client_key) is None, case
    assert connect_items(aws) == []
    assert connect_secrets() == []


def test_a_signed_install_with_a_client_key_that_cannot_be_one_is_refused(
    connect_app: ConnectApp, aws: LocalResources
) -> None:
    for client_key in ("k" * 10_240, "jira:with\x00nul", "jira:with space"):
        payload = lifecycle_payload(
            connect_app.sim.core,
            connect_app.descriptor(),
            "installed",
            client_key,
            "a-shared-secret-0123456789abc",
        )
        answer = _signed_install(connect_app, client_key, json.dumps(payload).encode())
        assert_refused(answer, 400, "invalid_body")
    assert connect_items(aws) == []
    assert connect_secrets() == []


@pytest.mark.parametrize(
    "event",
    ["x" * 10_240, "%F0%9F%99%82", "%00", "%E2%80%AEevil", "a%2Fb", "..%2F..%2Fconnect%2Finstalled"],
    ids=["10 KB", "emoji", "NUL", "RTL override", "encoded slash", "traversal"],
)
def test_an_odd_event_in_the_webhook_path_is_the_webhook_route_s_answer(
    installed: Installed, aws: LocalResources, event: str
) -> None:
    url = f"{installed.app.url}/connect/webhooks/{event}"
    assert_refused(post(url, b"{}", None), 401, "connect_unauthorized")
    signed_elsewhere = post(url, b"{}", installed.site_token("POST", WEBHOOK_PATH))
    assert_refused(signed_elsewhere, 401, "connect_unauthorized")  # its qsh is another path's
    assert deliveries(aws) == []
    assert installation_item(aws, installed.client_key)["state"] == "installed"  # type: ignore[index]
    assert stored_shared_secret(installed.client_key) == installed.shared_secret
