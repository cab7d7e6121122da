"""The FailureRateAlarm of template.yaml evaluated over the EMF documents the real handlers print.

The alarm divides `FailedActions` by `Actions` (namespace AhaJira, dimension service=aha-jira). Both are
emitted once per integration-log *line*, and a successful send writes one line per Jira issue it creates
(`feature.created`, `requirement.created`...) besides its `feature.send` summary, whereas a refused send
writes a single failed line. So the denominator grows with the size of the features that succeed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import aha_feature

THRESHOLD_PERCENT = 20  # the template's FailureRateAlarmPercent default


def _emf_documents(text: str) -> list[dict[str, Any]]:
    documents = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            documents.append(document)
    return documents


def _alarm_sum(documents: list[dict[str, Any]], metric: str) -> float:
    """Sum of `metric` as the alarm's MetricStat sees it: namespace AhaJira, dimensions exactly {service}."""
    total = 0.0
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            names = {item["Name"] for item in directive["Metrics"]}
            if directive["Namespace"] != "AhaJira" or metric not in names:
                continue
            for dimension_set in directive["Dimensions"]:
                if dimension_set == ["service"] and document.get("service") == "aha-jira":
                    value = document[metric]
                    total += sum(value) if isinstance(value, list) else float(value)
    return total


def _feature(reference: str, requirements: int) -> dict[str, Any]:
    feature = aha_feature(reference)
    template = feature["requirements"][0]
    feature["requirements"] = []
    for index in range(1, requirements + 1):
        requirement = copy.deepcopy(template)
        requirement["reference_num"] = f"{reference}-{index}"
        requirement["name"] = f"Requirement {index}"
        requirement["id"] = f"{reference}-{index}-id"
        feature["requirements"].append(requirement)
    return feature


@pytest.fixture
def configured(call_api: Call, jira_sim: JiraSimulator) -> JiraSimulator:
    status, view = call_api("PUT", "/integrations/mob", integration_body(jira_sim))
    assert status == 201, view
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    return jira_sim


def test_the_alarm_reads_metrics_that_are_emitted_with_its_namespace_and_dimensions(
    configured: JiraSimulator, call_api: Call, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    status, body = call_api(
        "POST", "/integrations/mob/features/PROD-2/send", {"feature": _feature("PROD-2", 1)}
    )
    assert status == 200, body
    documents = _emf_documents(capsys.readouterr().out)
    assert _alarm_sum(documents, "Actions") >= 1
    assert _alarm_sum(documents, "FailedActions") == 0


def test_half_of_the_sends_refused_by_jira_raises_the_failure_rate_alarm(
    configured: JiraSimulator, call_api: Call, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    outcomes = []
    for number in range(2, 6):  # four sends of a feature with 10 requirements: synced
        reference = f"PROD-{number}"
        status, _ = call_api(
            "POST", f"/integrations/mob/features/{reference}/send", {"feature": _feature(reference, 10)}
        )
        outcomes.append(status)
    for number in range(6, 10):  # four sends Jira refuses for a required field: 422
        configured.add_fault(
            method="POST",
            path=r"/rest/api/3/issue$",
            status=400,
            body={"errorMessages": [], "errors": {"customfield_10004": "Story Points is required."}},
            times=1,
        )
        reference = f"PROD-{number}"
        status, _ = call_api(
            "POST", f"/integrations/mob/features/{reference}/send", {"feature": _feature(reference, 10)}
        )
        outcomes.append(status)
    assert outcomes == [200] * 4 + [422] * 4

    documents = _emf_documents(capsys.readouterr().out)
    actions = _alarm_sum(documents, "Actions")
    failed = _alarm_sum(documents, "FailedActions")
    rate = 100 * failed / actions  # the alarm's expression (actions >= 10 here)
    # Half of the sends failed; the alarm sees about 4 / (4 x 12 + 4) = 7.7 %, under its 20 % threshold.
    assert rate > THRESHOLD_PERCENT, (
        f"failure rate the alarm computes: {rate:.1f} % ({failed:.0f}/{actions:.0f})"
    )
