"""The FLOW project's linear workflow: "Done" is three transitions from "To Do", no transition is global, and
the "Approve" transition screen requires "Review Outcome" (refused with create's error shape without it)."""

from __future__ import annotations

from typing import Any

import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.fixtures.jira import WebhookReceiver

from .helpers import Api, assert_matches_openapi, story

START, SUBMIT, APPROVE, REQUEST_CHANGES, REOPEN = "401", "411", "421", "431", "441"
OUTCOME = "customfield_10303"


def flow_issue(api: Api) -> str:
    resp = api.post("issue", json=story("Linear", project="FLOW"))
    assert resp.status_code == 201, resp.text
    key: str = resp.json()["key"]
    return key


def available(api: Api, key: str, **params: Any) -> list[dict[str, Any]]:
    resp = api.get(f"issue/{key}/transitions", params=params)
    assert resp.status_code == 200
    assert_matches_openapi(resp)
    transitions: list[dict[str, Any]] = resp.json()["transitions"]
    return transitions


def status_of(api: Api, key: str) -> str:
    name: str = api.get(f"issue/{key}", params={"fields": "status"}).json()["fields"]["status"]["name"]
    return name


def transition(api: Api, key: str, transition_id: str, **body: Any) -> requests.Response:
    return api.post(f"issue/{key}/transitions", json={"transition": {"id": transition_id}, **body})


def test_flow_statuses_and_only_the_transitions_from_the_current_status(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    statuses = api.get("project/FLOW/statuses").json()[0]["statuses"]
    assert [s["name"] for s in statuses] == ["To Do", "In Progress", "In Review", "Done"]
    key = flow_issue(api)
    assert status_of(api, key) == "To Do"
    from_todo = available(api, key)
    assert [(t["id"], t["to"]["name"], t["isGlobal"]) for t in from_todo] == [(START, "In Progress", False)]
    refused = transition(api, key, APPROVE)
    assert refused.status_code == 400
    assert refused.json()["errorMessages"] == [f"Transition id '{APPROVE}' is not valid for this issue."]
    assert transition(api, key, START).status_code == 204
    assert [t["id"] for t in available(api, key)] == [SUBMIT]
    assert transition(api, key, SUBMIT).status_code == 204
    assert [t["id"] for t in available(api, key)] == [APPROVE, REQUEST_CHANGES]


def test_transition_screen_fields_are_listed_with_their_requirement(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = flow_issue(api)
    transition(api, key, START)
    transition(api, key, SUBMIT)
    plain = {t["id"]: t for t in available(api, key)}
    assert plain[APPROVE]["hasScreen"] is True and "fields" not in plain[APPROVE]
    assert plain[REQUEST_CHANGES]["hasScreen"] is False
    expanded = {t["id"]: t for t in available(api, key, expand="transitions.fields")}
    fields = expanded[APPROVE]["fields"]
    assert set(fields) == {OUTCOME, "customfield_10004"}
    assert fields[OUTCOME]["required"] is True
    assert fields[OUTCOME]["name"] == "Review Outcome"
    assert [v["value"] for v in fields[OUTCOME]["allowedValues"]] == ["Approved", "Approved with follow-ups"]
    assert fields["customfield_10004"]["required"] is False
    assert expanded[REQUEST_CHANGES]["fields"] == {}


def test_a_required_screen_field_missing_is_refused_like_create(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    api = Api(jira_sim)
    key = flow_issue(api)
    transition(api, key, START)
    transition(api, key, SUBMIT)
    jira_sim.configure_webhook(webhook_receiver.url)
    refused = transition(api, key, APPROVE)
    assert refused.status_code == 400
    assert refused.json() == {"errorMessages": [], "errors": {OUTCOME: "Review Outcome is required."}}
    assert status_of(api, key) == "In Review"
    off_screen = transition(api, key, APPROVE, fields={OUTCOME: {"value": "Approved"}, "summary": "renamed"})
    assert off_screen.status_code == 400
    assert "summary" in off_screen.json()["errors"]
    bad_option = transition(api, key, APPROVE, fields={OUTCOME: {"value": "Maybe"}})
    assert bad_option.json()["errors"] == {OUTCOME: "Option value 'Maybe' is not valid"}
    done = transition(api, key, APPROVE, fields={OUTCOME: {"value": "Approved"}, "customfield_10004": 3})
    assert done.status_code == 204, done.text
    issue = api.get(f"issue/{key}").json()["fields"]
    assert issue["status"]["name"] == "Done"
    assert issue["resolution"]["name"] == "Done"
    assert issue[OUTCOME]["value"] == "Approved"
    assert issue["customfield_10004"] == 3
    (received,) = webhook_receiver.wait_for(1)
    items = {i["field"]: i for i in received.json()["changelog"]["items"]}
    assert items["status"]["toString"] == "Done"
    assert items["Review Outcome"]["toString"] == "Approved"


def test_a_value_already_on_the_issue_satisfies_the_screen(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = flow_issue(api)
    transition(api, key, START)
    transition(api, key, SUBMIT)
    assert transition(api, key, APPROVE, fields={OUTCOME: {"id": "10411"}}).status_code == 204
    assert transition(api, key, REOPEN).status_code == 204
    transition(api, key, START)
    transition(api, key, SUBMIT)
    assert transition(api, key, APPROVE).status_code == 204  # Review Outcome is still set


def test_engineer_transitions_go_through_the_screen_too(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    key = flow_issue(Api(jira_sim))
    refused = requests.post(
        f"{jira_sim.base_url}/_sim/engineer/issues/{key}/transition", json={"status": "Done"}, timeout=5
    )
    assert refused.status_code == 400  # no direct way from To Do
    client.engineer_transition(key, "In Progress")
    client.engineer_transition(key, "In Review")
    refused = requests.post(
        f"{jira_sim.base_url}/_sim/engineer/issues/{key}/transition", json={"status": "Done"}, timeout=5
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {OUTCOME: "Review Outcome is required."}
    assert client.engineer_transition_with(key, "Done", {OUTCOME: {"value": "Approved"}})["status"] == "Done"


def test_flow_sub_tasks_keep_the_simple_workflow(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    parent = flow_issue(api)
    sub = api.post(
        "issue",
        json={
            "fields": {
                "project": {"key": "FLOW"},
                "issuetype": {"name": "Sub-task"},
                "summary": "part",
                "parent": {"key": parent},
            }
        },
    ).json()["key"]
    assert {t["to"]["name"] for t in available(api, sub)} == {"In Progress", "Done"}
