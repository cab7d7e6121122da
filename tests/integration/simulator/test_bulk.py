"""Jira Cloud's bulk reads (``issue/bulkfetch``, ``changelog/bulkfetch``, ``search/approximate-count``) and
``search/jql`` used as a reconcile sweep (``updated >= ...`` ordered, with entity properties)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

from .helpers import Api, assert_matches_openapi, story


def make_issues(api: Api, count: int, project: str = "MOB") -> list[dict[str, Any]]:
    created = []
    for n in range(count):
        body = story(f"Issue {n}", project=project)
        body["properties"] = [{"key": "aha.link", "value": {"ref": f"F-{n}"}}]
        resp = api.post("issue", json=body)
        assert resp.status_code == 201, resp.text
        created.append(resp.json())
    return created


def test_bulk_fetch_answers_known_issues_in_id_order(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    issues = make_issues(api, 3)
    refs = [issues[2]["key"], "MOB-999", issues[0]["id"], issues[1]["key"].lower()]
    resp = api.post(
        "issue/bulkfetch",
        json={"issueIdsOrKeys": refs, "fields": ["summary", "status"], "properties": ["aha.link"]},
    )
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    body = resp.json()
    assert [i["key"] for i in body["issues"]] == [i["key"] for i in issues]  # ascending id, unknown left out
    assert body["issueErrors"] == []
    assert set(body["issues"][0]["fields"]) == {"summary", "status"}
    assert body["issues"][1]["properties"] == {"aha.link": {"ref": "F-1"}}


def test_bulk_fetch_defaults_to_navigable_fields_and_limits_to_100(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    (issue,) = make_issues(api, 1)
    fields = api.post("issue/bulkfetch", json={"issueIdsOrKeys": [issue["key"]]}).json()["issues"][0][
        "fields"
    ]
    assert "summary" in fields and "comment" not in fields and "worklog" not in fields
    too_many = api.post("issue/bulkfetch", json={"issueIdsOrKeys": [f"MOB-{n}" for n in range(101)]})
    assert too_many.status_code == 400
    assert "at most 100" in too_many.json()["errorMessages"][0]
    assert api.post("issue/bulkfetch", json={"fields": ["summary"]}).status_code == 400


def test_bulk_fetch_skips_issues_the_caller_cannot_browse(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    (mob,) = make_issues(api, 1)
    (req_issue,) = make_issues(api, 1, project="FLOW")
    jira_sim.set_permissions(jira_sim.bot_account_id, "FLOW", revoked=["BROWSE_PROJECTS"])
    body = api.post("issue/bulkfetch", json={"issueIdsOrKeys": [mob["key"], req_issue["key"]]}).json()
    assert [i["key"] for i in body["issues"]] == [mob["key"]]


def test_changelog_bulk_fetch_pages_oldest_first_and_filters_fields(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    first, second = make_issues(api, 2)
    client = SimulatorClient(jira_sim.base_url)
    client.engineer_transition(second["key"], "In Progress")
    client.engineer_edit(first["key"], {"summary": "renamed"})
    client.engineer_transition(first["key"], "Done")
    resp = api.post("changelog/bulkfetch", json={"issueIdsOrKeys": [first["key"], second["id"]]})
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    logs = resp.json()["issueChangeLogs"]
    order = [
        (log["issueId"], [i["field"] for i in h["items"]]) for log in logs for h in log["changeHistories"]
    ]
    assert order == [
        (second["id"], ["status"]),
        (first["id"], ["summary"]),
        (first["id"], ["resolution", "status"]),
    ]
    histories = [h for log in logs for h in log["changeHistories"]]
    assert len(histories) == 3
    assert "nextPageToken" not in resp.json()
    only_status = api.post(
        "changelog/bulkfetch", json={"issueIdsOrKeys": [first["key"], second["key"]], "fieldIds": ["status"]}
    ).json()["issueChangeLogs"]
    items = [i for log in only_status for h in log["changeHistories"] for i in h["items"]]
    assert {i["fieldId"] for i in items} == {"status"}
    assert len(items) == 2


def test_changelog_bulk_fetch_token_paging(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    (issue,) = make_issues(api, 1)
    client = SimulatorClient(jira_sim.base_url)
    for status in ("In Progress", "Done", "To Do", "In Progress", "Done"):
        client.engineer_transition(issue["key"], status)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        body: dict[str, Any] = {"issueIdsOrKeys": [issue["key"]], "maxResults": 2}
        if token:
            body["nextPageToken"] = token
        page = api.post("changelog/bulkfetch", json=body).json()
        pages += 1
        seen += [h["id"] for log in page["issueChangeLogs"] for h in log["changeHistories"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, key=int)
    bad = api.post("changelog/bulkfetch", json={"issueIdsOrKeys": [issue["key"]], "nextPageToken": "%%%"})
    assert bad.status_code == 400


def test_approximate_count_needs_bounded_jql(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    make_issues(api, 3)
    make_issues(api, 2, project="FLOW")
    resp = api.post("search/approximate-count", json={"jql": "project = MOB"})
    assert resp.status_code == 200
    assert_matches_openapi(resp)
    assert resp.json() == {"count": 3}
    assert api.post("search/approximate-count", json={"jql": "project in (MOB, FLOW)"}).json() == {"count": 5}
    assert api.post("search/approximate-count", json={"jql": ""}).status_code == 400
    assert api.post("search/approximate-count", json={"jql": "order by created"}).status_code == 400


def test_bulk_reads_do_not_exist_on_data_center(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    assert api.post("issue/bulkfetch", json={"issueIdsOrKeys": ["MOB-1"]}).status_code == 404
    assert api.post("changelog/bulkfetch", json={"issueIdsOrKeys": ["MOB-1"]}).status_code == 404
    assert api.post("search/approximate-count", json={"jql": "project = MOB"}).status_code == 404


def test_a_reconcile_sweep_with_search_jql(jira_sim: JiraSimulator) -> None:
    """Issues updated since a moment, oldest change first, with their properties: what a sweep asks."""
    api = Api(jira_sim)
    issues = make_issues(api, 4)
    client = SimulatorClient(jira_sim.base_url)
    client.engineer_transition(issues[1]["key"], "Done")
    client.engineer_edit(issues[0]["key"], {"summary": "changed last"})
    since = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    jql = f'project = MOB AND updated >= "{since}" ORDER BY updated ASC'
    resp = api.post(
        "search/jql",
        json={"jql": jql, "fields": ["status", "updated"], "properties": ["aha.link"], "maxResults": 2},
    )
    assert resp.status_code == 200
    assert_matches_openapi(resp)
    page = resp.json()
    rest = api.post(
        "search/jql",
        json={
            "jql": jql,
            "fields": ["status", "updated"],
            "properties": ["aha.link"],
            "nextPageToken": page["nextPageToken"],
        },
    ).json()
    found = page["issues"] + rest["issues"]
    assert [i["key"] for i in found][-2:] == [issues[1]["key"], issues[0]["key"]]  # the latest changes last
    updated = [i["fields"]["updated"] for i in found]
    assert updated == sorted(updated)
    assert found[-1]["properties"] == {"aha.link": {"ref": "F-0"}}
    assert found[-2]["fields"]["status"]["name"] == "Done"
    future = (datetime.now(UTC) + timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M")
    later = api.post("search/jql", json={"jql": f'project = MOB AND updated >= "{future}"'}).json()
    assert later["issues"] == []
