"""Jira Software epics: a feature's Aha! epic (or initiative) is sent as a Jira epic, once, and the feature's
issue becomes its child."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.builders import integration_body
from tests.fixtures.api import Call

EPIC = {
    "id": "999605892",
    "name": "Checkout v2",
    "reference_num": "PROD-E-1",
    "url": "https://acme.aha.io/epics/PROD-E-1",
}
INITIATIVE = {
    "id": "423077122",
    "name": "Grow mobile revenue",
    "reference_num": "PROD-S-1",
    "url": "https://acme.aha.io/initiatives/PROD-S-1",
    "description": {"body": "<p>Double <strong>mobile</strong> revenue this year.</p>", "attachments": []},
}


def configured(call_api: Call, sim: JiraSimulator, **epics: Any) -> None:
    body = integration_body(sim, epics=epics or {"issue_type": "Epic"})
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report


def feature(reference: str, epic: dict[str, Any] | None = EPIC, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"reference_num": reference, "name": f"Feature {reference}", "requirements": []}
    if epic is not None:
        body["epic"] = epic
    return {**body, **extra}


def send(call_api: Call, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = call_api(
        "POST", f"/integrations/mob/features/{body['reference_num']}/send", {"feature": body}
    )
    assert status == 200, answer
    return dict(answer)


def test_the_epic_is_created_once_and_its_features_are_its_children(
    call_api: Call, jira_sim: JiraSimulator
) -> None:
    configured(call_api, jira_sim)
    client = SimulatorClient(jira_sim.base_url)
    first = send(call_api, feature("PROD-1"))
    epic_key = first["epic"]["jira"]["key"]
    assert first["epic"]["reference"] == "PROD-E-1"
    epic = client.issue(epic_key)
    assert epic["fields"]["issuetype"]["name"] == "Epic" and epic["fields"]["summary"] == "Checkout v2"
    assert "https://acme.aha.io/epics/PROD-E-1" in str(epic["fields"]["description"])
    assert client.issue(first["jira"]["key"])["fields"]["parent"]["key"] == epic_key

    before = len(jira_sim.calls)
    second = send(call_api, feature("PROD-3"))
    assert second["epic"]["jira"]["key"] == epic_key
    assert client.issue(second["jira"]["key"])["fields"]["parent"]["key"] == epic_key
    created = [c for c in jira_sim.calls[before:] if c["method"] == "POST" and c["path"].endswith("/issue")]
    assert len(created) == 1  # the feature's issue only: the epic exists
    epics = [issue for issue in client.issues() if issue["fields"]["issuetype"]["name"] == "Epic"]
    assert len(epics) == 1

    # Unchanged: nothing written, the epic included.
    before = len(jira_sim.calls)
    again = send(call_api, feature("PROD-1"))
    assert again["unchanged"] == ["PROD-E-1", "PROD-1"]
    assert [c for c in jira_sim.calls[before:] if c["method"] != "GET"] == []


def test_a_feature_moved_to_another_epic_follows_it(call_api: Call, jira_sim: JiraSimulator) -> None:
    configured(call_api, jira_sim)
    first = send(call_api, feature("PROD-1"))
    other = {
        **EPIC,
        "reference_num": "PROD-E-2",
        "name": "Loyalty",
        "url": "https://acme.aha.io/epics/PROD-E-2",
    }
    moved = send(call_api, feature("PROD-1", epic=other))
    assert moved["updated"] == ["PROD-1"]
    parent = SimulatorClient(jira_sim.base_url).issue(first["jira"]["key"])["fields"]["parent"]["key"]
    assert parent == moved["epic"]["jira"]["key"] != first["epic"]["jira"]["key"]


def test_initiatives_become_epics_by_mapping(call_api: Call, jira_sim: JiraSimulator) -> None:
    configured(call_api, jira_sim, issue_type="Epic", source="initiative")
    answer = send(call_api, feature("PROD-1", epic=EPIC, initiative=INITIATIVE))
    assert answer["epic"]["reference"] == "PROD-S-1"
    epic = SimulatorClient(jira_sim.base_url).issue(answer["epic"]["jira"]["key"])
    assert epic["fields"]["summary"] == "Grow mobile revenue"
    assert "revenue this year" in str(epic["fields"]["description"])


def test_without_the_mapping_a_features_epic_is_not_sent(call_api: Call, jira_sim: JiraSimulator) -> None:
    assert call_api("PUT", "/integrations/mob", integration_body(jira_sim))[0] == 201
    assert call_api("POST", "/integrations/mob/test-connection")[1]["ok"]
    answer = send(call_api, feature("PROD-1"))
    assert answer["epic"] is None and answer["created"] == ["PROD-1"]
    assert SimulatorClient(jira_sim.base_url).issue(answer["jira"]["key"])["fields"].get("parent") is None


def test_an_epic_type_the_project_lacks_is_reported_by_test_connection(
    call_api: Call, jira_sim: JiraSimulator
) -> None:
    body = integration_body(jira_sim, epics={"issue_type": "Saga"})
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and not report["ok"]
    problem = next(p for p in report["problems"] if p["code"] == "issue_type_not_found")
    assert "mapping.epics.issue_type" in problem["message"]
