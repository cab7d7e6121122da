"""Jira webhooks through the real handler: moto for AWS, the Jira simulator firing real-shaped deliveries
over HTTP at the local API gateway, which runs `functions/jira_webhook/app.py` in-process.

- `deliver(token, body, ...)`: one delivery straight into the handler (a REST proxy event, as API Gateway
  builds it), signed with `secret` unless told otherwise; `(status, answer)`.
- `site`: integration `mob` on the simulator's Cloud site with a webhook secret, tested, its webhook
  registered in the simulator at the local gateway; `site.send(feature)` sends through the real handler.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.api_events import invoke, rest_event
from tests.builders import integration_body
from tests.fixtures.api import Call

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"
WEBHOOK_FUNCTION = "JiraWebhookFunction"
SECRET = "webhook-secret-for-tests-0123456789"

Deliver = Callable[..., tuple[int, Any]]


def reference_delivery(name: str) -> bytes:
    return (REFERENCE / "jira-webhooks" / name).read_bytes()


def reference_deliveries() -> list[str]:
    return sorted(path.name for path in (REFERENCE / "jira-webhooks").glob("*.json"))


def aha_feature(reference: str = "PROD-2", *, requirements: bool = True) -> dict[str, Any]:
    event = json.loads((REFERENCE / "aha-events" / "create_feature_event.json").read_text())
    feature = copy.deepcopy(event["feature"])
    feature["reference_num"] = reference
    for index, requirement in enumerate(feature.get("requirements") or [], start=1):
        requirement["reference_num"] = f"{reference}-{index}"
    if not requirements:
        feature["requirements"] = []
    return feature


def token_of(webhook_url: str) -> str:
    return webhook_url.rsplit("/", 1)[-1]


@pytest.fixture
def deliver(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> Deliver:
    handler = handler_registry.handler(WEBHOOK_FUNCTION)

    def call(
        token: str,
        body: bytes | dict[str, Any] | list[Any],
        *,
        secret: str | None = None,
        identifier: str | None = "auto",
        headers: dict[str, str] | None = None,
        binary: bool = False,
    ) -> tuple[int, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent: dict[str, str] = {"User-Agent": "Atlassian Webhook HTTP Client"}
        if identifier == "auto":
            identifier = secrets.token_hex(16)
        if identifier is not None:
            sent["X-Atlassian-Webhook-Identifier"] = identifier
        if secret is not None:
            sent["X-Hub-Signature"] = hub_signature(secret, raw)
        sent["Content-Type"] = "application/octet-stream" if binary else "application/json"
        sent.update(headers or {})
        event = rest_event(repo_template, "POST", f"/webhooks/jira/{token}", body=raw, headers=sent)
        assert event["isBase64Encoded"] is binary
        event["headers"].pop("x-api-key", None)
        (event.get("multiValueHeaders") or {}).pop("x-api-key", None)
        result = invoke(repo_template, handler, WEBHOOK_FUNCTION, event)
        text = result.get("body") or ""
        return result["statusCode"], (json.loads(text) if text else None)

    return call


@dataclass
class Site:
    call_api: Call
    sim: JiraSimulator
    token: str
    secret: str | None
    integrations: list[str] = field(default_factory=list)

    def send(self, feature: dict[str, Any], integration: str = "mob") -> dict[str, Any]:
        status, body = self.call_api(
            "POST",
            f"/integrations/{integration}/features/{feature['reference_num']}/send",
            {"feature": feature},
        )
        assert status == 200, body
        self.settle()
        return dict(body)

    def read(self, reference: str, integration: str = "mob") -> dict[str, Any]:
        status, body = self.call_api("GET", f"/integrations/{integration}/features/{reference}")
        assert status == 200, body
        return dict(body)

    def settle(self) -> list[dict[str, Any]]:
        """Wait until the simulator has finished every webhook delivery it queued; all deliveries."""
        return self.sim.wait_for_deliveries(len(self.sim.deliveries()), timeout=10)

    def add_integration(
        self, integration_id: str, *, import_types: list[str] | None = None, **mapping: Any
    ) -> None:
        body = integration_body(self.sim, **mapping)
        if import_types is not None:
            body["import"] = {"enabled": True, "issue_types": import_types}
        status, view = self.call_api("PUT", f"/integrations/{integration_id}", body)
        assert status == 201, view
        assert token_of(view["webhook_url"]) == self.token
        status, report = self.call_api("POST", f"/integrations/{integration_id}/test-connection")
        assert status == 200 and report["ok"], report
        self.integrations.append(integration_id)


def configure_site(
    call_api: Call,
    sim: JiraSimulator,
    gateway: LocalApiGateway,
    *,
    integration_id: str = "mob",
    secret: str | None = SECRET,
    import_types: list[str] | None = None,
    **mapping: Any,
) -> Site:
    """`import_types`: enable importing issues created in Jira with those types."""
    body = integration_body(sim, **mapping)
    if import_types is not None:
        body["import"] = {"enabled": True, "issue_types": import_types}
    if secret is not None:
        body["webhook"] = {"secret": secret}
    status, view = call_api("PUT", f"/integrations/{integration_id}", body)
    assert status == 201, view
    status, report = call_api("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200 and report["ok"], report
    token = token_of(view["webhook_url"])
    sim.configure_webhook(f"{gateway.url}/webhooks/jira/{token}", secret)
    return Site(call_api=call_api, sim=sim, token=token, secret=secret, integrations=[integration_id])


@pytest.fixture
def site(call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway) -> Site:
    return configure_site(call_api, jira_sim, gateway)


def set_webhook_secret(call_api: Call, integration_id: str, secret: str) -> None:
    """Replace the integration (and so its site's) webhook secret, keeping the rest of its configuration."""
    status, view = call_api("GET", f"/integrations/{integration_id}")
    assert status == 200, view
    body = {
        "name": view["name"],
        "product": view["product"],
        "jira": {
            "base_url": view["jira"]["base_url"],
            "auth": {"type": "basic", "email": view["jira"]["auth"]["email"]},
            "project": view["jira"]["project"],
        },
        "mapping": view["mapping"],
        "webhook": {"secret": secret},
    }
    status, answer = call_api("PUT", f"/integrations/{integration_id}", body)
    assert status == 200, answer


def deliveries_table_items(aws: LocalResources) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    return list(client.scan(TableName=aws.table_name("WebhookDeliveriesTable")).get("Items", []))


__all__ = [
    "Deliver",
    "Site",
    "aha_feature",
    "configure_site",
    "deliveries_table_items",
    "reference_deliveries",
    "reference_delivery",
    "set_webhook_secret",
    "token_of",
]
