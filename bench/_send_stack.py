"""The local stack the send benchmarks run against, in one process (as ``bench.test_connection_calls`` does).

moto in server mode provisioned from ``template.yaml``, the Jira simulator (Cloud), the template's real
handlers behind the local gateway's routing, API key check and REST proxy events, and the retry worker's
SQS poller. ``bench/__main__`` skips this module (its name starts with ``_``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

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
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template, load_template
from bench import _moto_transactions

REPO_ROOT = Path(__file__).resolve().parents[1]
API_KEY = "bench-api-key"


@dataclass
class BenchStack:
    template: Template
    resources: LocalResources
    sim: JiraSimulator
    gateway: LocalApiGateway
    poller: SqsPoller

    def call(
        self, method: str, path: str, body: Any = None, query: list[tuple[str, str]] | None = None
    ) -> tuple[int, Any]:
        return request_through(self.gateway, method, path, body, query)


def request_through(
    gateway: LocalApiGateway,
    method: str,
    path: str,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
) -> tuple[int, Any]:
    """One API call through the gateway's routing, API key check, proxy event and the real handler."""
    raw = json.dumps(body).encode() if body is not None else b""
    headers = [("Host", "api.bench.test"), ("X-Forwarded-Proto", "https"), ("x-api-key", API_KEY)]
    if body is not None:
        headers.append(("Content-Type", "application/json"))
    response = gateway.handle(GatewayRequest(method, path, headers, list(query or []), raw, "127.0.0.1"))
    return response.status, (json.loads(response.body) if response.body else None)


def fresh_containers() -> None:
    """Forget what the shared package keeps per container (boto3 clients, settings, adapters: every
    ``functools.cache`` in ``aha_jira``), as a new Lambda container would. ``python -m bench`` runs every
    benchmark in one process, each against its own moto: without this, the second would talk to the first
    one's endpoint and queue URLs."""
    for name, module in list(sys.modules.items()):
        if name != "aha_jira" and not name.startswith("aha_jira."):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()


@contextmanager
def bench_stack(environment: Mapping[str, str] | None = None) -> Iterator[BenchStack]:
    """Start moto, provision the template, start the simulator; `environment` is set on top (restored after)."""
    template = load_template(REPO_ROOT / "template.yaml")
    logging.getLogger("aha_jira_dev").setLevel(logging.WARNING)
    fresh_containers()
    server, moto_url = start_moto()
    _moto_transactions.apply()  # a transaction's rollback at the cost of its items (see the module)
    # moto keeps its state per process, not per server: without a reset a benchmark would meet the tables (and
    # the issue links) of the one before it in `python -m bench` (same integration ids, another simulator).
    requests.post(f"{moto_url}/moto-api/reset", timeout=10).raise_for_status()
    previous = set_environment(aws_environment(moto_url))
    sim = JiraSimulator(mode="cloud").start()
    try:
        resources = provision(template, moto_url)
        for name, value in set_environment(functions_environment(template, resources)).items():
            previous.setdefault(name, value)
        # Who the API is (configuration; the benchmarks' requests name api.bench.test as their Host).
        for name, value in set_environment({"PUBLIC_BASE_URL": "https://api.bench.test"}).items():
            previous.setdefault(name, value)
        for name, value in set_environment(dict(environment or {})).items():
            previous.setdefault(name, value)
        from aha_jira.integration_log import logger  # noqa: PLC0415  (after the environment is set)

        logger.setLevel(logging.WARNING)  # per action only the failures, and records a worker did not handle
        logging.getLogger("aha_jira_dev.local_stack.sqs_poller").setLevel(logging.CRITICAL)
        handlers = HandlerRegistry(template)
        gateway = LocalApiGateway(template, api_key=API_KEY, handlers=handlers)
        poller = SqsPoller(template, resources, handlers=handlers, wait_time_seconds=0)
        yield BenchStack(template, resources, sim, gateway, poller)
    finally:
        sim.stop()
        restore_environment(previous)
        server.stop()
        fresh_containers()
