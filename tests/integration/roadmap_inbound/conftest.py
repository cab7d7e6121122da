"""An integration on the Jira simulator whose roadmap is the Aha! simulator (`roadmap.type: aha`, the bot's
API key, `auto_update`), tested, ready to send features from Aha! and to take Aha!'s webhooks."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.queues import messages_handled, run_until_quiet


@dataclass(frozen=True)
class AhaIntegration:
    id: str
    token: str  # the secret part of roadmap.webhook_url
    webhook_path: str  # /webhooks/aha/<token>


def aha_roadmap(sim: AhaSimulator, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "aha",
        "base_url": sim.base_url,
        "api_key": sim.bot_key,
        "integration_ref": sim.integration_id,
        "auto_update": True,
        **overrides,
    }


def configure(
    call_api: Call, jira: JiraSimulator, aha: AhaSimulator, integration_id: str = "roadmap", **roadmap: Any
) -> AhaIntegration:
    body = integration_body(jira, product="PROD")
    body["roadmap"] = aha_roadmap(aha, **roadmap)
    status, answer = call_api("PUT", f"/integrations/{integration_id}", body)
    assert status in (200, 201), answer
    status, report = call_api("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200 and report["ok"], report
    token = answer["roadmap"]["webhook_url"].rsplit("/", 1)[-1]
    return AhaIntegration(integration_id, token, f"/webhooks/aha/{token}")


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "0.5")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")


@pytest.fixture
def roadmap(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator, fast_retries: None
) -> AhaIntegration:
    return configure(call_api, jira_sim, aha_sim)


@pytest.fixture
def worker(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> SqsPoller:
    return SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0)


def run_worker(worker: SqsPoller, rounds: int = 8) -> int:
    """Run the retry worker until the queue is empty once; the number of messages it handled."""
    source = next(s for s in worker.template.sqs_event_sources if s.function == "RetryWorkerFunction")
    return messages_handled(run_until_quiet(worker, source, rounds=rounds))


def aha_calls(sim: AhaSimulator, since: int = 0) -> list[str]:
    """The REST API calls the simulator received (after the `since` first ones), as `METHOD /path`."""
    return [
        f"{call['method']} {call['path'].removeprefix('/api/v1')}"
        for call in sim.calls[since:]
        if call["path"].startswith("/api/v1/")
    ]


def log_lines(stream: io.StringIO, action_prefix: str = "roadmap.") -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if str(line.get("action", "")).startswith(action_prefix)]
