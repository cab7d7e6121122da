"""The integration log as operators and users see it: captured function output, the log route over the
local gateway, the saved queries of template.yaml.

- `function_log`: every line the functions log during the test, appended to a JSON-lines file by the
  local stack's capture (`aha_jira_dev.local_stack.log_capture`), which `GET /integrations/{id}/log` reads.
- `http`: a requests session against the local gateway with its API key; `http.api(method, path, ...)`.
- `drain(poller)`: run the retry worker until the retry queue is empty.
- `story`: issue 6's check, played through the local gateway: a send Jira refuses for a required field, a
  send queued on a 503 whose retry succeeds, a job dead-lettered after its 5th attempt, a webhook storm.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.log_capture import capture_function_logs
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.queues import run_until_quiet


@pytest.fixture
def function_log(tmp_path: Path) -> Iterator[Path]:
    with capture_function_logs(tmp_path / "functions.jsonl") as path:
        yield path


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Http:
    url: str
    api_key: str
    session: requests.Session

    def api(
        self, method: str, path: str, body: Any = None, *, params: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        response = self.session.request(
            method,
            f"{self.url}{path}",
            json=body,
            params=params,
            headers={"x-api-key": self.api_key},
            timeout=30,
        )
        return response.status_code, (response.json() if response.content else None)


@pytest.fixture
def http(gateway: LocalApiGateway) -> Iterator[Http]:
    with requests.Session() as session:
        yield Http(gateway.url, gateway.api_key, session)


def drain(poller: SqsPoller, rounds: int = 60) -> None:
    """Run the retry worker over the queue until it is empty (messages may be delayed a little)."""
    run_until_quiet(poller, poller.template.sqs_event_sources[0], rounds=rounds, until_empty=True)


@pytest.fixture
def retry_poller(
    aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry
) -> SqsPoller:
    return SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0)


REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-events"
WEBHOOK_SECRET = "observability-webhook-secret-5d1f0c9e"


def feature(reference: str) -> dict[str, Any]:
    event = json.loads((REFERENCE / "create_feature_event.json").read_text())
    body = copy.deepcopy(event["feature"])
    body["reference_num"] = reference
    for index, requirement in enumerate(body.get("requirements") or [], start=1):
        requirement["reference_num"] = f"{reference}-{index}"
    return dict(body)


def send(http: Http, reference: str) -> tuple[int, Any]:
    return http.api("POST", f"/integrations/mob/features/{reference}/send", {"feature": feature(reference)})


@pytest.fixture
def story(  # noqa: PLR0917 (fixtures)
    http: Http,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    retry_poller: SqsPoller,
    function_log: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "0.5")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    body = integration_body(jira_sim)
    body["webhook"] = {"secret": WEBHOOK_SECRET}
    status, view = http.api("PUT", "/integrations/mob", body)
    assert status == 201, view
    status, report = http.api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report

    # 1. Jira refuses the feature for a field it requires.
    jira_sim.add_fault(
        method="POST",
        path=r"/rest/api/3/issue$",
        status=400,
        body={"errorMessages": [], "errors": {"customfield_10004": "Story Points is required."}},
        times=1,
    )
    status, refused = send(http, "PROD-2")
    assert status == 422, refused

    # 2. Fixed; Jira answers 503 once: queued, and the retry creates everything.
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    status, queued = send(http, "PROD-2")
    assert status == 202, queued
    drain(retry_poller)
    status, sent = http.api("GET", "/integrations/mob/features/PROD-2")
    assert status == 200 and sent["jira"]["key"], sent

    # 3. Jira answers 503 to every attempt: after the 5th the job is in the dead-letter queue.
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=50)
    status, doomed = send(http, "PROD-3")
    assert status == 202, doomed
    drain(retry_poller)
    jira_sim.clear_faults()
    dlq = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url("RetryDeadLetterQueue"), AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert dlq["Attributes"]["ApproximateNumberOfMessages"] == "1"

    # 4. A webhook storm: engineers move the issues; Jira redelivers one delivery.
    jira_sim.configure_webhook(
        f"{http.url}/webhooks/jira/{view['webhook_url'].rsplit('/', 1)[-1]}", WEBHOOK_SECRET
    )
    engineer = SimulatorClient(jira_sim.base_url)
    key = sent["jira"]["key"]
    requirement_key = sent["requirements"][0]["jira"]["key"]
    for status_name in ("In Progress", "Done", "To Do", "In Progress"):
        engineer.engineer_transition(key, status_name)
    engineer.engineer_transition(requirement_key, "Done")
    deliveries = jira_sim.wait_for_deliveries(5, timeout=10)
    engineer.redeliver(deliveries[-1]["identifier"])
    jira_sim.wait_for_deliveries(6, timeout=10)
    yield {"key": key, "requirement_key": requirement_key, "view": view}
