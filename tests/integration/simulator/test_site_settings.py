"""Site settings: ``GET configuration`` and what switching sub-tasks, issue linking, time tracking and
attachments off does to the REST API."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

from .helpers import Api, assert_matches_openapi, story

CONFIGURATION_KEYS = {
    "votingEnabled",
    "watchingEnabled",
    "unassignedIssuesAllowed",
    "subTasksEnabled",
    "issueLinkingEnabled",
    "timeTrackingEnabled",
    "attachmentsEnabled",
    "timeTrackingConfiguration",
}
NOT_ON_SCREEN = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."


def create(api: Api, body: dict[str, Any]) -> str:
    resp = api.post("issue", json=body)
    assert resp.status_code == 201, resp.text
    key: str = resp.json()["key"]
    return key


def subtask(parent: str, summary: str = "A sub-task") -> dict[str, Any]:
    return {
        "fields": {
            "project": {"key": "MOB"},
            "issuetype": {"name": "Sub-task"},
            "parent": {"key": parent},
            "summary": summary,
        }
    }


def linked_task(other: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fields": {"project": {"key": "MOB"}, "issuetype": {"name": "Task"}, "summary": "Linked"}
    }
    body["update"] = {"issuelinks": [{"add": {"type": {"name": "Relates"}, "outwardIssue": {"key": other}}}]}
    return body


def create_meta_field_ids(api: Api, project: str, type_id: str) -> set[str]:
    body = api.get(f"issue/createmeta/{project}/issuetypes/{type_id}", params={"maxResults": 200}).json()
    return {f["fieldId"] for f in body.get("fields", body.get("values", []))}


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_configuration_reports_every_option(
    jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator, mode: str
) -> None:
    sim, version = (jira_sim, 3) if mode == "cloud" else (jira_sim_dc, 2)
    resp = Api(sim, version=version).get("configuration")
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    body = resp.json()
    assert set(body) == CONFIGURATION_KEYS
    assert body["subTasksEnabled"] is True and body["issueLinkingEnabled"] is True
    assert body["timeTrackingConfiguration"]["workingHoursPerDay"] == 8.0


def test_configuration_needs_authentication(jira_sim: JiraSimulator) -> None:
    assert requests.get(f"{jira_sim.base_url}/rest/api/3/configuration", timeout=5).status_code == 401
    assert Api(jira_sim, auth=("bot@acme.example", "wrong")).get("configuration").status_code == 401


def test_settings_change_through_the_control_api_and_reset_restores_them(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    api = Api(jira_sim)
    assert client.site_settings()["sub_tasks_enabled"] is True
    changed = client.set_site_settings(sub_tasks_enabled=False, issue_linking_enabled=False)
    assert changed["sub_tasks_enabled"] is False and changed["issue_linking_enabled"] is False
    assert changed["time_tracking_enabled"] is True  # the ones not named keep their value
    body = api.get("configuration").json()
    assert (body["subTasksEnabled"], body["issueLinkingEnabled"]) == (False, False)
    assert jira_sim.site_settings() == client.site_settings()

    jira_sim.set_site_settings(voting_enabled=False, unassigned_issues_allowed=False)
    body = api.get("configuration").json()
    assert (body["votingEnabled"], body["unassignedIssuesAllowed"]) == (False, False)

    client.reset()
    body = api.get("configuration").json()
    assert all(body[key] is True for key in CONFIGURATION_KEYS - {"timeTrackingConfiguration"})


def test_control_api_refuses_unknown_or_non_boolean_settings(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    with pytest.raises(RuntimeError, match="400"):
        client.set_site_settings(subtasks=False)
    with pytest.raises(RuntimeError, match="400"):
        client._call("PUT", "/site-settings", json={"sub_tasks_enabled": "no"})
    assert client.site_settings()["sub_tasks_enabled"] is True


def test_subtasks_disabled_refuses_subtask_creation(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    parent = create(api, story("Parent"))
    jira_sim.set_site_settings(sub_tasks_enabled=False)

    refused = api.post("issue", json=subtask(parent))
    assert refused.status_code == 400
    assert_matches_openapi(refused)
    assert "Sub-tasks are disabled" in refused.json()["errors"]["issuetype"]
    bulk = api.post("issue/bulk", json={"issueUpdates": [subtask(parent), story("Still fine")]})
    assert bulk.status_code == 201
    result = bulk.json()
    assert len(result["issues"]) == 1
    assert result["errors"][0]["failedElementNumber"] == 0
    assert "issuetype" in result["errors"][0]["elementErrors"]["errors"]
    # As in Jira, the switch hides the sub-task types from the lists (create metadata included) without
    # deleting them: they are listed again once sub-tasks are back on (tests/integration/simulator/
    # test_subtask_types_hidden.py).
    types = api.get("issue/createmeta/MOB/issuetypes").json()["issueTypes"]
    assert not any(t["subtask"] for t in types)

    jira_sim.set_site_settings(sub_tasks_enabled=True)
    assert api.post("issue", json=subtask(parent)).status_code == 201


def test_linking_disabled_refuses_every_way_to_link(
    jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator
) -> None:
    api = Api(jira_sim)
    first = create(api, story("First"))
    second = create(api, story("Second"))
    assert "issuelinks" in create_meta_field_ids(api, "MOB", "10002")
    jira_sim.set_site_settings(issue_linking_enabled=False)

    link = {"type": {"name": "Relates"}, "inwardIssue": {"key": first}, "outwardIssue": {"key": second}}
    refused = api.post("issueLink", json=link)
    assert refused.status_code == 404
    assert refused.json()["errorMessages"] == ["Issue linking is currently disabled."]
    # The Linked Issues field leaves every screen, as Jira does with the fields of switched-off features.
    assert "issuelinks" not in create_meta_field_ids(api, "MOB", "10002")
    in_create = api.post("issue", json=linked_task(first))
    assert in_create.status_code == 400
    assert in_create.json()["errors"] == {"issuelinks": NOT_ON_SCREEN.format("issuelinks")}
    in_edit = api.put(
        f"issue/{second}",
        json={
            "update": {"issuelinks": [{"add": {"type": {"name": "Relates"}, "outwardIssue": {"key": first}}}]}
        },
    )
    assert in_edit.status_code == 400
    assert not api.get(f"issue/{first}", params={"fields": "issuelinks"}).json()["fields"]["issuelinks"]

    jira_sim.set_site_settings(issue_linking_enabled=True)
    assert api.post("issueLink", json=link).status_code == 201
    assert api.post("issue", json=linked_task(first)).status_code == 201

    dc = Api(jira_sim_dc, version=2)
    a, b = create(dc, story("A")), create(dc, story("B"))
    jira_sim_dc.set_site_settings(issue_linking_enabled=False)
    assert dc.get("configuration").json()["issueLinkingEnabled"] is False
    dc_link = {"type": {"name": "Relates"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}}
    assert dc.post("issueLink", json=dc_link).status_code == 404


def test_time_tracking_disabled_takes_the_field_off_the_screens(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    jira_sim.set_site_settings(time_tracking_enabled=False)
    body = api.get("configuration").json()
    assert body["timeTrackingEnabled"] is False
    assert "timeTrackingConfiguration" not in body
    assert_matches_openapi(api.get("configuration"))
    assert "timetracking" not in create_meta_field_ids(api, "MOB", "10001")
    refused = api.post("issue", json=story("Estimated", timetracking={"originalEstimate": "1h"}))
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"timetracking": NOT_ON_SCREEN.format("timetracking")}


def test_attachments_disabled_refuses_uploads(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story("With a file"))
    jira_sim.set_site_settings(attachments_enabled=False)
    refused = api.post(
        f"issue/{key}/attachments",
        files={"file": ("a.txt", b"hello", "text/plain")},
        headers={"X-Atlassian-Token": "no-check"},
    )
    assert refused.status_code == 403
    assert api.get("configuration").json()["attachmentsEnabled"] is False
