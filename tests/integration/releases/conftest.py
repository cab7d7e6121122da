"""A tested integration on the simulator's MOB project, release bodies, and the release worker played by the
local stack's SQS poller (the template's event source)."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import SqsEventSource, Template
from tests.builders import integration_body
from tests.fixtures.api import Call

RELEASE = "MOB-R-1"
RELEASE_QUEUE = "ReleaseQueue"
RELEASE_DLQ = "ReleaseDeadLetterQueue"


def release_feature(
    number: int, requirements: int = 2, *, prefix: str = "REL", name: str = ""
) -> dict[str, Any]:
    reference = f"{prefix}-{number}"
    return {
        "reference_num": reference,
        "name": name or f"Feature {number}",
        "url": f"https://acme.aha.io/features/{reference}",
        "description": {"body": f"<p>Feature <strong>{number}</strong></p>"},
        "workflow_status": {"name": "Ready to develop"},
        "tags": ["release"],
        "requirements": [
            {
                "reference_num": f"{reference}-{index}",
                "name": f"Requirement {index} of {reference}",
                "description": {"body": f"<p>R{index}</p>"},
            }
            for index in range(1, requirements + 1)
        ],
    }


def release_body(features: int, requirements: int = 2, *, prefix: str = "REL") -> dict[str, Any]:
    return {
        "release": {"reference_num": RELEASE, "name": "Release 1", "release_date": "2027-03-31"},
        "features": [release_feature(n, requirements, prefix=prefix) for n in range(1, features + 1)],
    }


def stamped(sim: JiraSimulator, integration_id: str = "mob") -> dict[str, list[dict[str, Any]]]:
    """The simulator's issues stamped by the integration, by roadmap reference."""
    found: dict[str, list[dict[str, Any]]] = {}
    for issue in SimulatorClient(sim.base_url).issues():
        stamp = (issue.get("properties") or {}).get("aha-jira") or {}
        if stamp.get("integration_id") == integration_id:
            found.setdefault(str(stamp.get("reference")), []).append(issue)
    return found


def queue_depth(aws: LocalResources, queue: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url(queue),
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


class ReleaseWorker:
    """The release worker as Lambda's event source runs it, one poll at a time."""

    def __init__(self, poller: SqsPoller, aws: LocalResources) -> None:
        self.poller = poller
        self.aws = aws
        self.source: SqsEventSource = next(
            source for source in poller.template.sqs_event_sources if source.queue == RELEASE_QUEUE
        )

    def poll(self) -> int:
        return len(self.poller.poll_once(self.source, wait_time_seconds=0).received)

    def drain(self, timeout: float = 60.0) -> int:
        """Poll until the release queue is empty (delayed messages included); answers the messages run."""
        handled = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.poll()
            handled += received
            if not received:
                if queue_depth(self.aws, RELEASE_QUEUE) == 0:
                    return handled
                time.sleep(0.2)
        raise AssertionError(f"the release queue did not drain in {timeout} s")


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "0.5")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")


@pytest.fixture
def mob(call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, fast_retries: None) -> str:
    status, _ = call_api("PUT", "/integrations/mob", integration_body(jira_sim))
    assert status == 201
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    return "mob"


@pytest.fixture
def worker(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> ReleaseWorker:
    return ReleaseWorker(SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0), aws)
