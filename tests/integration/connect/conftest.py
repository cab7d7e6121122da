"""Jira via Connect against an independent Jira stand-in: the simulator, with its own RSA key pair, installs
the app from the descriptor served by the local API gateway (real HTTP), signs the lifecycle callbacks,
serves its public key from its own install-keys endpoint, signs Connect webhooks with the shared secret,
and checks our JWT on every call we make. moto serves AWS.

- `connect_app`: the gateway running the real handlers, `CONNECT_INSTALL_KEYS_URL` at the simulator.
- `installed`: the app installed in the simulator's site; `.client_key`, `.shared_secret`.
- `connect_integration(call_api, sim, client_key)`: an integration body with `auth.type = connect`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
import requests

from aha_jira.jira.connect_jwt import query_string_hash
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.connect_app import lifecycle_payload, lifecycle_token
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body


@dataclass
class ConnectApp:
    gateway: LocalApiGateway
    sim: JiraSimulator

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def descriptor_url(self) -> str:
        return f"{self.gateway.url}/atlassian-connect.json"

    def descriptor(self) -> dict[str, Any]:
        answer = requests.get(self.descriptor_url, timeout=10)
        answer.raise_for_status()
        document: dict[str, Any] = answer.json()
        return document

    def lifecycle(
        self,
        event: str,
        *,
        client_key: str,
        shared_secret: str = "a-shared-secret-for-the-tests-0123456789",  # noqa: S107
        token: str | None = "auto",  # noqa: S107 ("auto": sign as the site does)
        payload: dict[str, Any] | None = None,
        **claims: Any,
    ) -> requests.Response:
        """POST a lifecycle callback as Jira would (or, with `token`/`claims`/`payload`, as a forger would)."""
        body = payload or lifecycle_payload(
            self.sim.core, self.descriptor(), event, client_key, shared_secret
        )
        headers = {"Content-Type": "application/json"}
        if token == "auto":
            token = lifecycle_token(
                self.sim.connect_keys,
                client_key=client_key,
                app_base_url=self.url,
                path=f"/connect/{event}",
                **claims,
            )
        if token is not None:
            headers["Authorization"] = f"JWT {token}"
        return requests.post(
            f"{self.url}/connect/{event}", data=json.dumps(body), headers=headers, timeout=10
        )


@dataclass
class Installed:
    app: ConnectApp
    client_key: str
    shared_secret: str

    def site_token(
        self,
        method: str,
        path: str,
        query: str = "",
        *,
        secret: str | None = None,
        qsh: str | None = None,
        **claims: Any,
    ) -> str:
        """An HS256 token as the Jira site signs it for the app (webhooks, iframe and context JWTs)."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.client_key,
            "iat": now,
            "exp": now + 180,
            "qsh": qsh or query_string_hash(method, path, query),
            "sub": "557058:0a1b2c3d-admin",
        }
        payload.update(claims)
        return jwt.encode(payload, secret or self.shared_secret, algorithm="HS256")


@pytest.fixture
def connect_app(
    aws: LocalResources, gateway: LocalApiGateway, jira_sim: JiraSimulator, monkeypatch: pytest.MonkeyPatch
) -> ConnectApp:
    monkeypatch.setenv("CONNECT_INSTALL_KEYS_URL", jira_sim.install_keys_url)
    return ConnectApp(gateway=gateway, sim=jira_sim)


@pytest.fixture
def installed(connect_app: ConnectApp) -> Installed:
    result = connect_app.sim.install_app(connect_app.descriptor_url)
    assert result.status == 200, result.body
    return Installed(connect_app, result.client_key, result.shared_secret)


def connect_integration_body(sim: JiraSimulator, client_key: str, **mapping: Any) -> dict[str, Any]:
    body = integration_body(sim, **mapping)
    body["jira"]["auth"] = {"type": "connect", "client_key": client_key}
    return body


def installation_item(aws: LocalResources, client_key: str) -> dict[str, Any] | None:
    item = boto3.client("dynamodb").get_item(
        TableName=aws.table_name("IntegrationsTable"),
        Key={"pk": {"S": f"CONNECT#{client_key}"}, "sk": {"S": "INSTALLATION"}},
        ConsistentRead=True,
    )
    found = item.get("Item")
    return json.loads(found["document"]["S"]) if found else None


def stored_shared_secret(client_key: str) -> str | None:
    """The secret the installation points at (each accepted `installed` stores it under a name of its own)."""
    from aha_jira.settings import get_settings  # noqa: PLC0415

    item = (
        boto3.client("dynamodb")
        .get_item(
            TableName=get_settings().integrations_table,
            Key={"pk": {"S": f"CONNECT#{client_key}"}, "sk": {"S": "INSTALLATION"}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None:
        return None
    client = boto3.client("secretsmanager")
    try:
        value = client.get_secret_value(SecretId=json.loads(item["document"]["S"])["shared_secret_name"])
    except client.exceptions.ResourceNotFoundException:
        return None
    secret: str = json.loads(value["SecretString"])["secret"]
    return secret


__all__ = [
    "ConnectApp",
    "Installed",
    "connect_integration_body",
    "installation_item",
    "stored_shared_secret",
]
