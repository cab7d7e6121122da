"""A tested integration on the simulator's MOB project, ready to send features to."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.api import Call

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-events"


def aha_feature(name: str = "create_feature_event") -> dict[str, Any]:
    return copy.deepcopy(json.loads((REFERENCE / f"{name}.json").read_text())["feature"])


def refuse_first_bulk_element(sim: JiraSimulator) -> None:
    """The next bulk create is refused with Jira's per-element answer: element 0, its Story Points."""
    sim.add_fault(
        method="POST",
        path=r"/issue/bulk$",
        status=400,
        body={
            "issues": [],
            "errors": [
                {
                    "status": 400,
                    "elementErrors": {
                        "errorMessages": [],
                        "errors": {"customfield_10004": "Story Points must be a number."},
                    },
                    "failedElementNumber": 0,
                }
            ],
        },
        times=1,
    )


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorten the waits a real deployment keeps long (Jira's search lag, the first back-off)."""
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
def retry_poller(
    aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry
) -> Iterator[SqsPoller]:
    poller = SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0)
    yield poller


__all__ = ["aha_feature", "integration_body", "refuse_first_bulk_element"]
