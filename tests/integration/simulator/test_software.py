"""Jira Software on issues: the Sprint field (customfield_10020), the Rank field (customfield_10019), the
engineer's sprint moves and re-ranking with the webhooks Jira sends for them, and epics with children."""

from __future__ import annotations

from typing import Any

import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.fixtures.jira import WebhookReceiver

from .helpers import Api, assert_matches_openapi, story

RANK, SPRINT = "customfield_10019", "customfield_10020"


def keys(api: Api, count: int, project: str = "MOB") -> list[str]:
    return [api.post("issue", json=story(f"S{n}", project=project)).json()["key"] for n in range(count)]


def field(api: Api, key: str, name: str) -> Any:
    return api.get(f"issue/{key}", params={"fields": name}).json()["fields"][name]


def test_sprint_and_rank_fields_are_listed_once_with_cloud_ids(jira_sim: JiraSimulator) -> None:
    fields = Api(jira_sim).get("field").json()
    by_name: dict[str, list[dict[str, Any]]] = {}
    for f in fields:
        by_name.setdefault(f["name"], []).append(f)
    (sprint,) = by_name["Sprint"]
    (rank,) = by_name["Rank"]
    assert (sprint["id"], sprint["schema"]["custom"], sprint["schema"]["type"]) == (
        SPRINT,
        "com.pyxis.greenhopper.jira:gh-sprint",
        "array",
    )
    assert (rank["id"], rank["schema"]["custom"]) == (RANK, "com.pyxis.greenhopper.jira:gh-lexo-rank")


def test_every_issue_has_a_rank_and_no_sprint_at_first(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    first, second = keys(api, 2)
    issue = api.get(f"issue/{first}")
    assert_matches_openapi(issue)
    ranks = [field(api, k, RANK) for k in (first, second)]
    assert all(r.startswith("0|") and r.endswith(":") for r in ranks)
    assert ranks[0] < ranks[1]  # new issues go to the bottom
    assert field(api, first, SPRINT) is None


def test_moving_to_a_sprint_fires_the_sprint_changelog(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    api = Api(jira_sim)
    (key,) = keys(api, 1)
    client = SimulatorClient(jira_sim.base_url)
    jira_sim.configure_webhook(webhook_receiver.url)
    client.engineer_move_to_sprint(key, 2)
    client.engineer_move_to_sprint(key, "MOB Sprint 3")
    client.engineer_move_to_sprint(key, None)
    into, moved, out = (r.json() for r in webhook_receiver.wait_for(3))
    assert into["webhookEvent"] == "jira:issue_updated"
    assert into["issue_event_type_name"] == "issue_updated"
    assert into["user"]["accountId"] == jira_sim.engineer_account_id
    (item,) = into["changelog"]["items"]
    assert item == {
        "field": "Sprint",
        "fieldtype": "custom",
        "fieldId": SPRINT,
        "from": "",
        "fromString": "",
        "to": "2",
        "toString": "MOB Sprint 2",
    }
    assert into["issue"]["fields"][SPRINT][0]["name"] == "MOB Sprint 2"
    assert (moved["changelog"]["items"][0]["from"], moved["changelog"]["items"][0]["to"]) == ("2", "3")
    assert (out["changelog"]["items"][0]["fromString"], out["changelog"]["items"][0]["to"]) == (
        "MOB Sprint 3",
        "",
    )
    assert field(api, key, SPRINT) is None


def test_the_sprint_field_shows_sprint_objects(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    (key,) = keys(api, 1)
    SimulatorClient(jira_sim.base_url).engineer_move_to_sprint(key, 2)
    (sprint,) = field(api, key, SPRINT)
    assert sprint == {
        "id": 2,
        "name": "MOB Sprint 2",
        "state": "active",
        "boardId": 1,
        "goal": "Checkout v2",
        "startDate": "2026-05-18T09:00:00.000Z",
        "endDate": "2026-06-01T09:00:00.000Z",
    }


def test_closed_sprints_stay_and_cannot_be_entered(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    (key,) = keys(api, 1)
    issue = jira_sim.core.store.issue(key)
    assert issue is not None
    issue.values[SPRINT] = [1]  # carried over from a closed sprint
    SimulatorClient(jira_sim.base_url).engineer_move_to_sprint(key, 2)
    assert [s["id"] for s in field(api, key, SPRINT)] == [1, 2]
    refused = requests.post(
        f"{jira_sim.base_url}/_sim/engineer/issues/{key}/sprint", json={"sprint": 1}, timeout=5
    )
    assert refused.status_code == 400
    unknown = requests.post(
        f"{jira_sim.base_url}/_sim/engineer/issues/{key}/sprint", json={"sprint": 77}, timeout=5
    )
    assert unknown.status_code == 400


def test_jql_finds_issues_by_sprint(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    a, b, c = keys(api, 3)
    client = SimulatorClient(jira_sim.base_url)
    client.engineer_move_to_sprint(a, 2)
    client.engineer_move_to_sprint(b, 3)

    def found(jql: str) -> list[str]:
        return sorted(
            i["key"]
            for i in api.post("search/jql", json={"jql": jql, "fields": ["summary"]}).json()["issues"]
        )

    assert found("sprint = 2") == [a]
    assert found('sprint = "MOB Sprint 3"') == [b]
    assert found("project = MOB AND sprint in openSprints()") == [a, b]
    assert found("project = MOB AND sprint is EMPTY") == [c]


def test_ranking_reorders_and_fires_the_rank_changelog(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    api = Api(jira_sim)
    a, b, c = keys(api, 3)
    client = SimulatorClient(jira_sim.base_url)
    jira_sim.configure_webhook(webhook_receiver.url)
    client.engineer_rank(c, before=a)
    client.engineer_rank(a, after=b)

    def by_rank() -> list[str]:
        return [
            i["key"]
            for i in api.post("search/jql", json={"jql": "project = MOB ORDER BY rank"}).json()["issues"]
        ]

    assert by_rank() == [c, b, a]
    higher, lower = (r.json() for r in webhook_receiver.wait_for(2))
    assert higher["changelog"]["items"] == [
        {
            "field": "Rank",
            "fieldtype": "custom",
            "fieldId": RANK,
            "from": "",
            "fromString": "",
            "to": "",
            "toString": "Ranked higher",
        }
    ]
    assert lower["changelog"]["items"][0]["toString"] == "Ranked lower"
    assert field(api, c, RANK) < field(api, b, RANK) < field(api, a, RANK)


def test_ranking_between_neighbours_many_times_keeps_the_order(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    a, b, *rest = keys(api, 12)
    client = SimulatorClient(jira_sim.base_url)
    for key in rest:  # each lands between a and the one ranked just after a
        client.engineer_rank(key, after=a)
    order = [
        i["key"]
        for i in api.post(
            "search/jql", json={"jql": "project = MOB ORDER BY rank ASC", "maxResults": 50}
        ).json()["issues"]
    ]
    assert order == [a, *reversed(rest), b]


def test_bad_rank_requests(jira_sim: JiraSimulator) -> None:
    a, b = keys(Api(jira_sim), 2)
    url = f"{jira_sim.base_url}/_sim/engineer/issues/{a}/rank"
    assert requests.post(url, json={}, timeout=5).status_code == 400
    assert requests.post(url, json={"before": b, "after": b}, timeout=5).status_code == 400
    assert requests.post(url, json={"before": a}, timeout=5).status_code == 400
    assert requests.post(url, json={"before": "MOB-999"}, timeout=5).status_code == 404


def test_a_feature_becomes_a_child_of_an_epic(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    api = Api(jira_sim)
    epic = api.post(
        "issue",
        json={"fields": {"project": {"key": "MOB"}, "issuetype": {"name": "Epic"}, "summary": "Checkout"}},
    ).json()
    types = {t["name"]: t for t in api.get("issue/createmeta/MOB/issuetypes").json()["issueTypes"]}
    assert types["Epic"]["hierarchyLevel"] == 1 and types["Story"]["hierarchyLevel"] == 0
    child = api.post("issue", json=story("Pay with card", parent={"key": epic["key"]})).json()
    assert field(api, child["key"], "parent")["key"] == epic["key"]
    (later,) = keys(api, 1)
    jira_sim.configure_webhook(webhook_receiver.url)
    SimulatorClient(jira_sim.base_url).engineer_edit(later, {"parent": {"key": epic["key"]}})
    (received,) = webhook_receiver.wait_for(1)
    (item,) = received.json()["changelog"]["items"]
    assert (item["fieldId"], item["to"], item["toString"]) == ("parent", epic["id"], epic["key"])
    children = api.post("search/jql", json={"jql": f"parent = {epic['key']}"}).json()["issues"]
    assert sorted(i["id"] for i in children) == sorted([child["id"], api.get(f"issue/{later}").json()["id"]])
    refused = api.post(
        "issue",
        json={
            "fields": {
                "project": {"key": "MOB"},
                "issuetype": {"name": "Epic"},
                "summary": "x",
                "parent": {"key": child["key"]},
            }
        },
    )
    assert refused.status_code == 400
    assert "parent" in refused.json()["errors"]
