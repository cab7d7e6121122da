"""The local stack the webhook benchmarks run against, in one process: moto in server mode provisioned from
``template.yaml``, the Jira simulator (Cloud), and the template's real handlers behind the local gateway's
routing and REST proxy events (called in-process, no socket). ``bench/__main__`` skips this module."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.environment import (
    aws_environment,
    functions_environment,
    restore_environment,
    set_environment,
    start_moto,
)
from aha_jira_dev.local_stack.gateway import GatewayRequest, LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources, provision
from aha_jira_dev.local_stack.template import load_template

REPO_ROOT = Path(__file__).resolve().parents[1]
API_KEY = "bench-api-key"


@dataclass
class WebhookBenchStack:
    resources: LocalResources
    sim: JiraSimulator
    gateway: LocalApiGateway
    secret: str

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        raw = json.dumps(body).encode() if body is not None else b""
        headers = [("Host", "api.bench.test"), ("X-Forwarded-Proto", "https"), ("x-api-key", API_KEY)]
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        response = self.gateway.handle(GatewayRequest(method, path, headers, [], raw, "127.0.0.1"))
        return response.status, (json.loads(response.body) if response.body else None)

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
    template = load_template(REPO_ROOT / "template.yaml")
    logging.getLogger("aha_jira_dev").setLevel(logging.WARNING)
    server, moto_url = start_moto()
    previous = set_environment(aws_environment(moto_url))
    sim = JiraSimulator(mode="cloud").start()
    try:
        resources = provision(template, moto_url)
        for name, value in set_environment(functions_environment(template, resources)).items():
            previous.setdefault(name, value)
        from aha_jira.integration_log import logger  # noqa: PLC0415  (after the environment is set)

        logger.setLevel(logging.CRITICAL)  # the integration log would print a JSON line per action
        gateway = LocalApiGateway(template, api_key=API_KEY, handlers=HandlerRegistry(template))
        yield WebhookBenchStack(resources, sim, gateway, secret)
    finally:
        sim.stop()
        restore_environment(previous)
        server.stop()
