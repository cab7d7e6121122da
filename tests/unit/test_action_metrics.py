"""Metrics (EMF through Powertools Metrics) counted from the integration-log lines, and the alarm on them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aha_jira.integration_log import Outcome, record_action
from aha_jira_dev.local_stack.template import Template, load_template
from tests.fixtures.aws import TEMPLATE_PATH


def emitted(capsys: pytest.CaptureFixture[str]) -> dict[str, list[tuple[dict[str, str], float]]]:
    """metric name → [(dimensions, value)] of the EMF objects printed."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        blob: dict[str, Any] = json.loads(line)
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "AhaJira"
        (dimension_names,) = directive["Dimensions"]
        dimensions = {name: blob[name] for name in dimension_names}
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            value = blob[metric["Name"]]
            out.setdefault(metric["Name"], []).append(
                (dimensions, value[0] if isinstance(value, list) else value)
            )
    return out


SERVICE = {"service": "aha-jira"}


def test_a_failed_send_counts_a_send_a_failure_by_code_and_a_failed_action(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    record_action(
        "feature.send", Outcome.FAILED, integration_id="mob", message="m", error_code="jira_refused"
    )
    metrics = emitted(capsys)
    assert metrics["Actions"] == [(SERVICE, 1.0)]
    assert metrics["FailedActions"] == [(SERVICE, 1.0)]
    assert metrics["Sends"] == [({**SERVICE, "outcome": "failed"}, 1.0)]
    assert metrics["Failures"] == [({**SERVICE, "error_code": "jira_refused"}, 1.0)]


def test_creates_updates_webhooks_retries_and_dead_letters(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    record_action("feature.created", Outcome.OK, integration_id="mob", message="m")
    record_action("requirement.created", Outcome.OK, integration_id="mob", message="m")
    record_action("requirement.updated", Outcome.OK, integration_id="mob", message="m")
    record_action(
        "jira.webhook", Outcome.SKIPPED, integration_id=None, message="m", webhook_outcome="duplicate"
    )
    record_action("retry.queued", Outcome.QUEUED, integration_id="mob", message="m")
    record_action("retry.dead_lettered", Outcome.FAILED, integration_id="mob", message="m", error_code="x")
    metrics = emitted(capsys)
    assert sum(value for _, value in metrics["IssuesCreated"]) == 2
    assert sum(value for _, value in metrics["IssuesUpdated"]) == 1
    assert metrics["Webhooks"] == [({**SERVICE, "outcome": "duplicate"}, 1.0)]
    assert metrics["Retries"] == [
        ({**SERVICE, "outcome": "queued"}, 1.0),
        ({**SERVICE, "outcome": "dead_lettered"}, 1.0),
    ]
    assert metrics["DeadLetters"] == [(SERVICE, 1.0)]
    # The per-issue lines of a send are not actions of their own (the send's line counts it).
    assert sum(value for _, value in metrics["Actions"]) == 3
    assert sum(value for _, value in metrics["FailedActions"]) == 1
    assert "Sends" not in metrics


def test_roadmap_deliveries_by_outcome_and_their_dead_letters(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    record_action("roadmap.delivered", Outcome.OK, integration_id="mob", message="m")
    record_action("roadmap.superseded", Outcome.SKIPPED, integration_id="mob", message="m")
    record_action(
        "roadmap.dead_lettered",
        Outcome.FAILED,
        integration_id="mob",
        message="m",
        error_code="roadmap_unavailable",
    )
    metrics = emitted(capsys)
    assert metrics["RoadmapDeliveries"] == [
        ({**SERVICE, "outcome": "delivered"}, 1.0),
        ({**SERVICE, "outcome": "superseded"}, 1.0),
        ({**SERVICE, "outcome": "dead_lettered"}, 1.0),
    ]
    assert metrics["RoadmapDeadLetters"] == [(SERVICE, 1.0)]
    assert metrics["Failures"] == [({**SERVICE, "error_code": "roadmap_unavailable"}, 1.0)]


def test_the_failure_rate_alarm_reads_the_metrics_emitted() -> None:
    template: Template = load_template(TEMPLATE_PATH)
    alarm = template.resources["FailureRateAlarm"]["Properties"]
    stats = {query["Id"]: query["MetricStat"] for query in alarm["Metrics"] if "MetricStat" in query}
    assert {stat["Metric"]["MetricName"] for stat in stats.values()} == {"Actions", "FailedActions"}
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AhaJira"
        assert stat["Metric"]["Dimensions"] == [{"Name": "service", "Value": "aha-jira"}]
        assert stat["Stat"] == "Sum"
    (expression,) = [query for query in alarm["Metrics"] if "Expression" in query]
    assert expression["ReturnData"] is True and "failed / actions" in expression["Expression"]
    assert alarm["Threshold"] == {"Ref": "FailureRateAlarmPercent"}
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    variables = template.document["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "AhaJira"
