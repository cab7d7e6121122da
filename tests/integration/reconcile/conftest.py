"""The scheduled reconcile through its real handler (`functions/reconcile/app.py`), invoked in-process with
EventBridge's scheduled event (as the local stack's schedules do), against moto and the Jira simulator whose
webhook deliveries reach the real webhook handler through the local gateway and can be lost on purpose
(`sim.lose_webhooks`).

- `sweep()`: one scheduled run; its answer (per site: changed, repaired, calls...).
- `settle_for_repair()`: wait until the last change is old enough to be repaired (`reconcile.issue_state`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from aha_jira.reconcile.issue_state import CLOCK_SKEW_MS, STAMP_LAG_MS
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.schedules import local_schedules, scheduled_event
from aha_jira_dev.local_stack.template import Template
from tests.api_events import invoke
from tests.integration.webhooks.conftest import deliver, site

RECONCILE = "ReconcileFunction"
Sweep = Callable[[], dict[str, Any]]


def settle_for_repair() -> None:
    """A change is repaired once Jira has been quiet on the issue this long (`issue_state.settled`)."""
    time.sleep((STAMP_LAG_MS + CLOCK_SKEW_MS) / 1000 + 0.3)


@pytest.fixture
def sweep(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> Sweep:
    handler = handler_registry.handler(RECONCILE)
    [schedule] = [s for s in local_schedules(repo_template, {}) if s.function.logical_id == RECONCILE]

    def run() -> dict[str, Any]:
        result: dict[str, Any] = invoke(repo_template, handler, RECONCILE, scheduled_event(schedule))
        return result

    return run


def missed_lines(log_output: Any) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("action") == "webhook.missed"]


def site_of(result: dict[str, Any]) -> dict[str, Any]:
    """The answer's one site."""
    [swept] = result["sites"]
    return dict(swept)


# The webhook tests' site (an integration on the simulator with its webhook registered at the local gateway)
# and their in-process delivery, for Jira's late retries.
__all__ = ["deliver", "missed_lines", "settle_for_repair", "site", "site_of", "sweep"]
