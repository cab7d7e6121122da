"""The local stack the webhook benchmarks run against, in one process: moto in server mode provisioned from
``template.yaml``, the Jira simulator (Cloud), and the template's real handlers behind the local gateway's
routing and REST proxy events (called in-process, no socket). ``bench/__main__`` skips this module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import GatewayRequest, LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from bench._send_stack import bench_stack, request_through


@dataclass
class WebhookBenchStack:
    resources: LocalResources
    sim: JiraSimulator
    gateway: LocalApiGateway
    secret: str

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return request_through(self.gateway, method, path, body)

    def deliver(self, token: str, body: bytes, identifier: str) -> tuple[int, Any]:
        """One delivery as Jira sends it (signed, with its identifier), through the gateway to the handler."""
        headers = [
            ("Host", "api.bench.test"),
            ("Content-Type", "application/json"),
            ("User-Agent", "Atlassian Webhook HTTP Client"),
            ("X-Atlassian-Webhook-Identifier", identifier),
            ("X-Atlassian-Webhook-Retry", "0"),
            ("X-Hub-Signature", hub_signature(self.secret, body)),
        ]
        response = self.gateway.handle(
            GatewayRequest("POST", f"/webhooks/jira/{token}", headers, [], body, "127.0.0.1")
        )
        return response.status, (json.loads(response.body) if response.body else None)


@contextmanager
def webhook_bench_stack(secret: str) -> Iterator[WebhookBenchStack]:
    """The send benchmarks' stack (one set-up for every benchmark), seen through the webhook's calls."""
    with bench_stack() as stack:
        yield WebhookBenchStack(stack.resources, stack.sim, stack.gateway, secret)
