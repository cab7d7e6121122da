"""Work logged in Jira becomes the record's time spent and remaining. Worklog events carry only the
worklog (with `issueId`): the record is found by the issue id, and the totals are kept without calling
Jira back (see aha_jira.webhooks.time_tracking)."""

from __future__ import annotations

from typing import Any

import requests

from aha_jira_dev.jira_sim import SimulatorClient
from tests.integration.webhooks.conftest import Site, aha_feature

HOUR = 3600


def estimated_feature() -> dict[str, Any]:
    feature = aha_feature(requirements=False)
    feature["original_estimate"] = 8 * 60  # minutes
    feature["remaining_estimate"] = 8 * 60
    feature["work_units"] = 10
    return feature


def engineer_api(site: Site, method: str, path: str, **kwargs: Any) -> requests.Response:
    credentials = site.sim.credentials
    answer = requests.request(
        method,
        f"{site.sim.base_url}/rest/api/3/{path}",
        auth=(credentials["engineer_email"], credentials["engineer_api_token"]),
        timeout=10,
        **kwargs,
    )
    assert answer.status_code < 300, answer.text
    return answer


def jira_time_tracking(site: Site, key: str) -> tuple[int, int | None]:
    tracking = SimulatorClient(site.sim.base_url).issue(key)["fields"]["timetracking"]
    return tracking.get("timeSpentSeconds", 0), tracking.get("remainingEstimateSeconds")


def test_worklogs_set_time_spent_and_remaining(site: Site) -> None:
    key = site.send(estimated_feature())["jira"]["key"]
    engineer = SimulatorClient(site.sim.base_url)

    first = engineer.engineer_worklog(key, HOUR)
    site.settle()
    feature = site.read("PROD-2")
    # Nothing has told us the issue's remaining estimate yet (worklog events do not carry it).
    assert feature["time_tracking"] == {"spent_seconds": HOUR, "remaining_seconds": None}

    engineer.engineer_transition(key, "In Progress")  # an issue event carries Jira's time tracking
    second = engineer.engineer_worklog(key, HOUR // 2)
    engineer_api(site, "PUT", f"issue/{key}/worklog/{first['id']}", json={"timeSpentSeconds": 2 * HOUR})
    site.settle()
    spent, remaining = jira_time_tracking(site, key)
    assert (spent, remaining) == (2 * HOUR + HOUR // 2, 8 * HOUR - 2 * HOUR - HOUR // 2)
    assert site.read("PROD-2")["time_tracking"] == {"spent_seconds": spent, "remaining_seconds": remaining}

    engineer_api(site, "DELETE", f"issue/{key}/worklog/{second['id']}")
    deliveries = site.settle()
    assert deliveries[-1]["event"] == "worklog_deleted" and deliveries[-1]["status"] == 200
    assert site.read("PROD-2")["time_tracking"] == dict(
        zip(("spent_seconds", "remaining_seconds"), jira_time_tracking(site, key), strict=True)
    )


def test_a_worklog_on_an_issue_no_record_is_linked_to_is_ignored(site: Site) -> None:
    site.send(estimated_feature())
    other = SimulatorClient(site.sim.base_url).engineer_create(
        {"project": {"key": "MOB"}, "issuetype": {"name": "Task"}, "summary": "Not on the roadmap"}
    )
    SimulatorClient(site.sim.base_url).engineer_worklog(other["key"], HOUR)
    deliveries = site.settle()
    assert [d["status"] for d in deliveries[-2:]] == [200, 200]
    assert site.read("PROD-2")["time_tracking"]["spent_seconds"] is None
