"""JQL search: Cloud search/jql with token paging and properties, Data Center search with startAt."""

from __future__ import annotations

import pytest

from aha_jira_dev.jira_sim import JiraSimulator

from .helpers import Api, assert_matches_openapi, story


def seed(api: Api, count: int, project: str = "MOB") -> list[str]:
    resp = api.post(
        "issue/bulk", json={"issueUpdates": [story(f"s{i}", project=project) for i in range(count)]}
    )
    assert resp.status_code == 201
    return [i["key"] for i in resp.json()["issues"]]


def test_token_paging_returns_every_issue_once(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    keys = seed(api, 23)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"jql": "project = MOB ORDER BY key ASC", "maxResults": 10, "fields": "summary"}
        if token:
            params["nextPageToken"] = token
        resp = api.get("search/jql", params=params)
        assert resp.status_code == 200
        assert_matches_openapi(resp)
        body = resp.json()
        pages += 1
        seen += [i["key"] for i in body["issues"]]
        if body["isLast"]:
            assert "nextPageToken" not in body
            break
        token = body["nextPageToken"]
    assert pages == 3
    assert seen == keys


def test_search_jql_post_with_properties(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    keys = seed(api, 3)
    assert (
        api.put(f"issue/{keys[1]}/properties/aha.reference", json={"reference": "MOB-7"}).status_code == 201
    )
    resp = api.post(
        "search/jql",
        json={
            "jql": 'issue.property[aha.reference].reference = "MOB-7"',
            "properties": ["aha.reference"],
            "fields": ["summary", "status"],
        },
    )
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    issues = resp.json()["issues"]
    assert [i["key"] for i in issues] == [keys[1]]
    assert issues[0]["properties"] == {"aha.reference": {"reference": "MOB-7"}}
    assert set(issues[0]["fields"]) == {"summary", "status"}


def test_search_default_fields_is_id_only(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    seed(api, 2)
    issues = api.get("search/jql", params={"jql": "project = MOB"}).json()["issues"]
    assert all("fields" not in i and i["id"] for i in issues)


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("key in (MOB-1, MOB-3)", ["MOB-3", "MOB-1"]),
        ("id in (10001, 10002) ORDER BY created ASC", ["MOB-1", "MOB-2"]),
        ('project = MOB AND updated >= "-5m" ORDER BY key ASC', ["MOB-1", "MOB-2", "MOB-3"]),
        ("project = MOB AND updated >= -1h AND key != MOB-2 ORDER BY key", ["MOB-1", "MOB-3"]),
        ('project = MOB AND created < "2000-01-01"', []),
        ("project = MOB AND status = 'To Do' ORDER BY key DESC", ["MOB-3", "MOB-2", "MOB-1"]),
        ("project in (MOB, REQ) AND (key = MOB-1 OR key = MOB-2) ORDER BY key", ["MOB-1", "MOB-2"]),
    ],
)
def test_supported_jql_forms(jira_sim: JiraSimulator, jql: str, expected: list[str]) -> None:
    api = Api(jira_sim)
    seed(api, 3)
    resp = api.get("search/jql", params={"jql": jql, "fields": "key"})
    assert resp.status_code == 200, resp.text
    assert [i["key"] for i in resp.json()["issues"]] == expected


@pytest.mark.parametrize(
    "jql",
    [
        "",
        "ORDER BY created",
        "project = ",
        "projekt = MOB",
        "project = MOB AND",
        "project ~~ MOB",
        "project = NOPE",
    ],
)
def test_bad_or_unbounded_jql_is_400(jira_sim: JiraSimulator, jql: str) -> None:
    resp = Api(jira_sim).get("search/jql", params={"jql": jql})
    assert resp.status_code == 400
    assert resp.json()["errorMessages"]


def test_bad_page_token_is_400(jira_sim: JiraSimulator) -> None:
    resp = Api(jira_sim).get("search/jql", params={"jql": "project = MOB", "nextPageToken": "garbage"})
    assert resp.status_code == 400


def test_cloud_legacy_search_is_gone(jira_sim: JiraSimulator) -> None:
    assert Api(jira_sim).get("search", params={"jql": "project = MOB"}).status_code == 410
    assert Api(jira_sim, version=2).post("search", json={"jql": "project = MOB"}).status_code == 410


def test_search_lag_hides_fresh_changes_except_reconciled(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    keys = seed(api, 2)
    jira_sim.core.search_lag_seconds = 60
    hidden = api.post("search/jql", json={"jql": "project = MOB", "fields": ["key"]}).json()["issues"]
    assert hidden == []
    issue_id = api.get(f"issue/{keys[0]}").json()["id"]
    reconciled = api.post(
        "search/jql", json={"jql": "project = MOB", "fields": ["key"], "reconcileIssues": [int(issue_id)]}
    ).json()["issues"]
    assert [i["key"] for i in reconciled] == [keys[0]]


def test_datacenter_search_with_start_at(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    keys = seed(api, 5)
    page = api.get("search", params={"jql": "project = MOB ORDER BY key ASC", "startAt": 2, "maxResults": 2})
    assert page.status_code == 200
    body = page.json()
    assert (body["startAt"], body["maxResults"], body["total"]) == (2, 2, 5)
    assert [i["key"] for i in body["issues"]] == keys[2:4]
    assert "summary" in body["issues"][0]["fields"]
    posted = api.post("search", json={"jql": "key = MOB-1", "fields": ["summary"]}).json()
    assert [i["key"] for i in posted["issues"]] == ["MOB-1"]
    assert api.get("search/jql", params={"jql": "project = MOB"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('summary ~ "\\"login with sso\\""', ["Login with SSO (beta)"]),  # a phrase: its words in a row
        ('summary ~ "\\"with login\\""', []),  # its words, not in a row
        ('summary ~ "sso login"', ["Login with SSO (beta)", "SSO: login, and logout"]),  # every word
        ('summary ~ "log*"', ["Login with SSO (beta)", "SSO: login, and logout"]),  # a word's prefix
        ('summary ~ "logi"', []),  # words, not characters
    ],
)
def test_text_search_matches_words_as_jira_does(
    jira_sim: JiraSimulator, query: str, expected: list[str]
) -> None:
    api = Api(jira_sim)
    for summary in ("Login with SSO (beta)", "SSO: login, and logout", "Reset a password"):
        body = story("x")
        body["fields"]["summary"] = summary
        assert api.post("issue", json=body).status_code == 201
    resp = api.get(
        "search/jql", params={"jql": f"project = MOB AND {query} ORDER BY key ASC", "fields": "summary"}
    )
    assert resp.status_code == 200, resp.text
    assert [issue["fields"]["summary"] for issue in resp.json()["issues"]] == expected
