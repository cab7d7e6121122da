"""CloudWatch metrics (embedded metric format, through Powertools Metrics) for integration actions.

Emitted by `record_action`, from the same facts as the log line, so a metric can never disagree with the
log. Namespace `POWERTOOLS_METRICS_NAMESPACE` (template: `AhaJira`); every metric carries the `service`
dimension. What is emitted (all `Count`):

| metric | dimensions | when |
|---|---|---|
| `Actions`, `FailedActions` | service | every action except the per-issue lines of a send and its warnings (`DETAIL_ACTIONS`); `FailedActions` 1 when its outcome is `failed`, else 0: the failure-rate alarm |
| `Sends` | service, outcome | `feature.send` |
| `IssuesCreated`, `IssuesUpdated` | service | `feature.created`/`requirement.created`, `feature.updated`/`requirement.updated` |
| `Failures` | service, error_code | every failed action |
| `Webhooks` | service, outcome | `jira.webhook` and `jira.import` lines (outcome: the webhook outcome: applied, imported, duplicate, stale, echo, ignored) |
| `Retries` | service, outcome | `retry.*` lines (`retry.queued`, `retry.retried`, ...) |
| `DeadLetters` | service | `retry.dead_lettered` |
| `RoadmapDeliveries` | service, outcome | `roadmap.*` lines (outcome: `delivered`, `retried`, `waiting`, `failed`, `dead_lettered`, `superseded`, `skipped`, `swept`) |
| `RoadmapDeadLetters` | service | `roadmap.dead_lettered` (beside the alarm on the roadmap dead-letter queue's depth) |

Powertools Metrics is imported on first use, not with the handler (cold start).
"""

from __future__ import annotations

import logging
import os
from typing import Any

_debug = logging.getLogger(__name__)

NAMESPACE_DEFAULT = "AhaJira"
SERVICE = "aha-jira"
# Lines that detail an operation counted by its own line (a send's `feature.send`): one per Jira issue a
# send creates, edits or reconciles. Counted in `Actions` they would dilute the failure rate with the size
# of the features that succeed (a refused send writes one failed line; a synced one, one line per issue).
DETAIL_ACTIONS = frozenset(
    {
        "feature.created",
        "requirement.created",
        "feature.updated",
        "requirement.updated",
        "issue.reconciled",
        "send.warning",  # per issue too (an assignee Jira does not know), and never a failure
    }
)


def action_metrics(
    action: str, outcome: str, error_code: str | None, fields: dict[str, Any]
) -> list[tuple[dict[str, str], dict[str, float]]]:
    """(dimensions, {metric: value}) groups for one action; each group is one EMF object."""
    failed = outcome == "failed"
    common: dict[str, float] = {}
    if action not in DETAIL_ACTIONS:
        common.update({"Actions": 1, "FailedActions": 1 if failed else 0})
    groups: list[tuple[dict[str, str], dict[str, float]]] = [({}, common)]
    if action.endswith(".created") and action.partition(".")[0] in {"feature", "requirement"}:
        common["IssuesCreated"] = 1
    if action.endswith(".updated") and action.partition(".")[0] in {"feature", "requirement"}:
        common["IssuesUpdated"] = 1
    if action == "retry.dead_lettered":
        common["DeadLetters"] = 1
    if action == "roadmap.dead_lettered":
        common["RoadmapDeadLetters"] = 1
    if action == "feature.send":
        groups.append(({"outcome": outcome}, {"Sends": 1}))
    elif action.startswith("retry."):
        groups.append(({"outcome": action.removeprefix("retry.")}, {"Retries": 1}))
    elif action.startswith("roadmap."):
        groups.append(({"outcome": action.removeprefix("roadmap.")}, {"RoadmapDeliveries": 1}))
    elif action in {"jira.webhook", "jira.import"}:
        webhook_outcome = str(fields.get("webhook_outcome") or outcome)
        groups.append(({"outcome": webhook_outcome}, {"Webhooks": 1}))
    if failed:
        groups.append(({"error_code": error_code or "unknown"}, {"Failures": 1}))
    return [(dimensions, values) for dimensions, values in groups if values]


def emit_action_metrics(action: str, outcome: str, error_code: str | None, fields: dict[str, Any]) -> None:
    """Print the action's EMF objects (stdout: Lambda sends them to CloudWatch, which extracts the
    metrics). Never raises: a metric must not fail the action it counts."""
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit  # noqa: PLC0415 (cold start)

        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE_DEFAULT
        for dimensions, values in action_metrics(action, outcome, error_code, fields):
            metrics = EphemeralMetrics(namespace=namespace, service=SERVICE)
            for name, value in dimensions.items():
                metrics.add_dimension(name=name, value=value)
            for name, count in values.items():
                metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
            metrics.flush_metrics()
    except Exception:  # counting must never break the action
        _debug.debug("could not emit the metrics of %s", action, exc_info=True)
