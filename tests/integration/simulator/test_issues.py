"""Issue writes and reads: OpenAPI body validation, create-metadata validation, bulk create, edit, transitions,
links, entity properties, delete."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator

from .helpers import Api, adf, assert_matches_openapi, req_fields, story


def create(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    resp = api.post("issue", json=body)
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()
    return result


def test_create_issue_with_everything_the_integration_sends(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    epic = create(
        api, {"fields": {"project": {"key": "MOB"}, "issuetype": {"name": "Epic"}, "summary": "Epic"}}
    )
    body = story(
        "Checkout v2",
        description=adf("From the roadmap"),
        labels=["mobile", "q3-goal"],
        fixVersions=[{"id": "10001"}],
        assignee={"accountId": jira_sim.engineer_account_id},
        timetracking={"originalEstimate": "1d 2h"},
        parent={"key": epic["key"]},
        customfield_10004=5,
        customfield_10024="https://acme.aha.io/features/MOB-12",
    )
    body["properties"] = [{"key": "aha.reference", "value": {"reference": "MOB-12", "token": "t-1"}}]
    resp = api.post("issue", json=body)
    assert resp.status_code == 201
    assert_matches_openapi(resp)
    created = resp.json()
    assert created["key"] == "MOB-2"
    assert created["self"].endswith(f"/rest/api/3/issue/{created['id']}")

    got = api.get(f"issue/{created['key']}", params={"properties": "aha.reference", "expand": "changelog"})
    assert got.status_code == 200
    assert_matches_openapi(got)
    issue = got.json()
    fields = issue["fields"]
    assert fields["summary"] == "Checkout v2"
    assert fields["description"] == adf("From the roadmap")
    assert fields["labels"] == ["mobile", "q3-goal"]
    assert [v["name"] for v in fields["fixVersions"]] == ["2.0"]
    assert fields["assignee"]["accountId"] == jira_sim.engineer_account_id
    assert fields["reporter"]["accountId"] == jira_sim.bot_account_id
    assert fields["parent"]["key"] == epic["key"]
    assert fields["status"]["name"] == "To Do"
    assert fields["status"]["statusCategory"]["key"] == "new"
    assert fields["timetracking"]["originalEstimateSeconds"] == 10 * 3600
    assert fields["timeoriginalestimate"] == 10 * 3600
    assert fields["customfield_10004"] == 5
    assert issue["properties"] == {"aha.reference": {"reference": "MOB-12", "token": "t-1"}}


def test_field_selection_on_get(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story())["key"]
    only = api.get(f"issue/{key}", params={"fields": "summary,status"}).json()
    assert set(only["fields"]) == {"summary", "status"}
    without = api.get(f"issue/{key}", params={"fields": "*all,-description"}).json()
    assert "description" not in without["fields"]
    assert "summary" in without["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"fields": "not an object"},
        {"fields": {"summary": "x"}, "update": ["not", "an", "object"]},
        {"update": {"labels": "not an array"}},
        {"properties": {"key": "not an array"}},
    ],
)
def test_bodies_the_openapi_description_rejects_get_400(
    jira_sim: JiraSimulator, body: dict[str, Any]
) -> None:
    resp = Api(jira_sim).post("issue", json=body)
    assert resp.status_code == 400
    assert resp.json()["errorMessages"][0].startswith("Invalid request payload")
    assert jira_sim.calls[-1]["status"] == 400


def test_malformed_json_gets_400(jira_sim: JiraSimulator) -> None:
    resp = Api(jira_sim).post("issue", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["errorMessages"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (req_fields(customfield_10300=None) | {}, "customfield_10300", "Team is required."),
        (
            {"fields": {"project": {"key": "REQ"}, "issuetype": {"name": "Task"}, "summary": "x"}},
            "customfield_10301",
            "Risk Score is required.",
        ),
        (
            req_fields(customfield_10300={"value": "Sales"}),
            "customfield_10300",
            "Option value 'Sales' is not valid",
        ),
        (req_fields(customfield_10301="high"), "customfield_10301", "Operation value must be a number"),
        (story(labels=["two words"]), "labels", "The label 'two words' contains spaces which is invalid."),
        (story(description="plain text in v3"), "description", "Atlassian Document"),
        (
            story(description={"type": "doc", "version": 1, "content": [{"type": "blink"}]}),
            "description",
            "ADF",
        ),
        (story(fixVersions=[{"id": "99999"}]), "fixVersions", "99999"),
        (story(customfield_10300={"value": "Mobile"}), "customfield_10300", "cannot be set"),
        (story(nonsense_field="x"), "nonsense_field", "It is not on the appropriate screen, or unknown."),
        (story(summary=""), "summary", "You must specify a summary of the issue."),
        (
            {"fields": {"project": {"key": "MOB"}, "issuetype": {"name": "Sub-task"}, "summary": "orphan"}},
            "issuetype",
            "Issue type is a sub-task but parent issue key or id not specified.",
        ),
        (story(assignee={"accountId": "no-such-account"}), "assignee", "assignee"),
        (
            {"fields": {"project": {"key": "NOPE"}, "issuetype": {"name": "Story"}, "summary": "x"}},
            "project",
            "",
        ),
    ],
)
def test_create_metadata_errors(
    jira_sim: JiraSimulator, body: dict[str, Any], field: str, message: str
) -> None:
    if field == "customfield_10300" and message == "Team is required.":
        body = req_fields()
        del body["fields"]["customfield_10300"]
    resp = Api(jira_sim).post("issue", json=body)
    assert resp.status_code == 400, resp.text
    errors = resp.json()["errors"]
    assert field in errors, errors
    assert message in errors[field]
    assert jira_sim.core.store.issues == {}


def test_required_custom_fields_satisfied(jira_sim: JiraSimulator) -> None:
    created = create(Api(jira_sim), req_fields(customfield_10302=adf("Given/when/then")))
    assert created["key"] == "REQ-1"
    issue = Api(jira_sim).get("issue/REQ-1").json()
    assert issue["fields"]["customfield_10300"]["value"] == "Mobile"
    assert issue["fields"]["customfield_10301"] == 3
    assert issue["fields"]["status"]["name"] == "Backlog"


def test_unknown_link_type_in_create(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    target = create(api, story("target"))
    body = story("linked")
    body["update"] = {
        "issuelinks": [{"add": {"type": {"name": "Mentions"}, "outwardIssue": {"key": target["key"]}}}]
    }
    resp = api.post("issue", json=body)
    assert resp.status_code == 400
    assert "No issue link type with name 'Mentions' found." in resp.json()["errors"]["issuelinks"]
    body["update"]["issuelinks"][0]["add"]["type"] = {"name": "Relates"}
    ok = create(api, body)
    links = api.get(f"issue/{ok['key']}").json()["fields"]["issuelinks"]
    assert links[0]["type"]["name"] == "Relates"
    assert links[0]["outwardIssue"]["key"] == target["key"]
    back = api.get(f"issue/{target['key']}").json()["fields"]["issuelinks"]
    assert back[0]["inwardIssue"]["key"] == ok["key"]


def test_subtask_with_parent(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    parent = create(api, story("parent"))
    sub = create(
        api,
        {
            "fields": {
                "project": {"key": "MOB"},
                "issuetype": {"name": "Sub-task"},
                "summary": "child",
                "parent": {"key": parent["key"]},
            }
        },
    )
    subtasks = api.get(f"issue/{parent['key']}").json()["fields"]["subtasks"]
    assert [s["key"] for s in subtasks] == [sub["key"]]
    nested = api.post(
        "issue",
        json={
            "fields": {
                "project": {"key": "MOB"},
                "issuetype": {"name": "Sub-task"},
                "summary": "grandchild",
                "parent": {"key": sub["key"]},
            }
        },
    )
    assert nested.status_code == 400
    assert "parent" in nested.json()["errors"]


def test_bulk_create_with_mixed_elements(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    updates = [
        story("ok 1"),
        story("bad", labels=["has space"]),
        story("ok 2"),
        req_fields(customfield_10301=None),
    ]
    resp = api.post("issue/bulk", json={"issueUpdates": updates})
    assert resp.status_code == 201
    assert_matches_openapi(resp)
    body = resp.json()
    assert [i["key"] for i in body["issues"]] == ["MOB-1", "MOB-2"]
    assert [e["failedElementNumber"] for e in body["errors"]] == [1, 3]
    assert body["errors"][0]["status"] == 400
    assert "labels" in body["errors"][0]["elementErrors"]["errors"]
    assert "customfield_10301" in body["errors"][1]["elementErrors"]["errors"]


def test_bulk_create_all_failed_is_400(jira_sim: JiraSimulator) -> None:
    resp = Api(jira_sim).post("issue/bulk", json={"issueUpdates": [story(labels=["a b"]), story(summary="")]})
    assert resp.status_code == 400
    assert len(resp.json()["errors"]) == 2
    assert resp.json()["issues"] == []


def test_bulk_create_over_50_is_refused(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    resp = api.post("issue/bulk", json={"issueUpdates": [story(f"s{i}") for i in range(51)]})
    assert resp.status_code == 400
    assert resp.json()["errorMessages"]
    assert jira_sim.core.store.issues == {}
    ok = api.post("issue/bulk", json={"issueUpdates": [story(f"s{i}") for i in range(50)]})
    assert ok.status_code == 201
    assert len(ok.json()["issues"]) == 50


def test_edit_with_fields_and_update(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story("before", labels=["one"]))["key"]
    resp = api.put(
        f"issue/{key}",
        json={
            "fields": {"summary": "after", "description": adf("new text")},
            "update": {
                "labels": [{"add": "two"}, {"remove": "one"}],
                "fixVersions": [{"add": {"name": "1.0"}}],
            },
        },
    )
    assert resp.status_code == 204, resp.text
    fields = api.get(f"issue/{key}").json()["fields"]
    assert fields["summary"] == "after"
    assert fields["labels"] == ["two"]
    assert [v["name"] for v in fields["fixVersions"]] == ["1.0"]
    changelog = api.get(f"issue/{key}", params={"expand": "changelog"}).json()["changelog"]
    changed = {i["fieldId"] for h in changelog["histories"] for i in h["items"]}
    assert {"summary", "description", "labels", "fixVersions"} <= changed
    bad = api.put(f"issue/{key}", json={"fields": {"labels": ["no good"]}})
    assert bad.status_code == 400
    returned = api.put(f"issue/{key}", params={"returnIssue": "true"}, json={"fields": {"summary": "again"}})
    assert returned.status_code == 200
    assert returned.json()["fields"]["summary"] == "again"


def test_transitions_list_and_do(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, req_fields())["key"]
    listed = api.get(f"issue/{key}/transitions")
    assert listed.status_code == 200
    assert_matches_openapi(listed)
    transitions = listed.json()["transitions"]
    assert [(t["id"], t["to"]["name"]) for t in transitions] == [("41", "In Progress")]
    refused = api.post(f"issue/{key}/transitions", json={"transition": {"id": "71"}})
    assert refused.status_code == 400
    done = api.post(f"issue/{key}/transitions", json={"transition": {"id": "41"}})
    assert done.status_code == 204
    issue = api.get(f"issue/{key}").json()
    assert issue["fields"]["status"]["name"] == "In Progress"
    assert issue["fields"]["status"]["statusCategory"]["key"] == "indeterminate"


def test_done_sets_resolution(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story())["key"]
    assert api.post(f"issue/{key}/transitions", json={"transition": {"id": "31"}}).status_code == 204
    fields = api.get(f"issue/{key}").json()["fields"]
    assert fields["resolution"]["name"] == "Done"
    assert fields["resolutiondate"]


def test_issue_link_endpoint(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    a = create(api, story("a"))["key"]
    b = create(api, story("b"))["key"]
    resp = api.post(
        "issueLink", json={"type": {"name": "Blocks"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}}
    )
    assert resp.status_code == 201
    links = api.get(f"issue/{a}").json()["fields"]["issuelinks"]
    assert links[0]["type"]["name"] == "Blocks"
    assert links[0]["outwardIssue"]["key"] == b
    unknown = api.post(
        "issueLink", json={"type": {"name": "Nope"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}}
    )
    assert unknown.status_code == 404


def test_entity_properties(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story())["key"]
    assert api.get(f"issue/{key}/properties/aha.ref").status_code == 404
    assert api.put(f"issue/{key}/properties/aha.ref", json={"ref": "MOB-1"}).status_code == 201
    assert api.put(f"issue/{key}/properties/aha.ref", json={"ref": "MOB-2"}).status_code == 200
    got = api.get(f"issue/{key}/properties/aha.ref")
    assert got.json() == {"key": "aha.ref", "value": {"ref": "MOB-2"}}
    keys = api.get(f"issue/{key}/properties")
    assert_matches_openapi(keys)
    assert [k["key"] for k in keys.json()["keys"]] == ["aha.ref"]
    assert api.delete(f"issue/{key}/properties/aha.ref").status_code == 204
    assert api.get(f"issue/{key}/properties").json()["keys"] == []


def test_delete_issue(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    parent = create(api, story("parent"))["key"]
    create(
        api,
        {
            "fields": {
                "project": {"key": "MOB"},
                "issuetype": {"name": "Sub-task"},
                "summary": "c",
                "parent": {"key": parent},
            }
        },
    )
    assert api.delete(f"issue/{parent}").status_code == 400
    assert api.delete(f"issue/{parent}", params={"deleteSubtasks": "true"}).status_code == 204
    assert api.get(f"issue/{parent}").status_code == 404
    assert api.get("issue/MOB-2").status_code == 404
    missing = api.get("issue/MOB-999")
    assert missing.json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]


# --- Data Center -------------------------------------------------------------------------------------------


def test_datacenter_v2_accepts_wiki_description_and_refuses_adf(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    ok = api.post(
        "issue", json=story("DC story", description="h1. Title\n\n*bold* text", assignee={"name": "erin"})
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["self"].startswith(f"{jira_sim_dc.base_url}/rest/api/2/issue/")
    fields = api.get(f"issue/{ok.json()['key']}").json()["fields"]
    assert fields["description"] == "h1. Title\n\n*bold* text"
    assert fields["assignee"]["name"] == "erin"
    refused = api.post("issue", json=story("ADF in DC", description=adf("nope")))
    assert refused.status_code == 400
    assert refused.json()["errors"]["description"] == "Operation value must be a string"


def test_datacenter_with_pat(jira_sim_dc: JiraSimulator) -> None:
    api = Api(
        jira_sim_dc,
        version=2,
        auth=False,
        headers={"Authorization": f"Bearer {jira_sim_dc.credentials['dc_pat']}"},
    )
    api.auth = None
    resp = api.post("issue", json=story("via PAT"))
    assert resp.status_code == 201
    assert jira_sim_dc.calls[-1]["auth"] == "bearer"


def test_cloud_v2_reads_wiki_and_v3_reads_adf(jira_sim: JiraSimulator) -> None:
    key = create(Api(jira_sim), story(description=adf("Hello")))["key"]
    v2 = Api(jira_sim, version=2).get(f"issue/{key}").json()
    assert v2["fields"]["description"] == "Hello"
    v2_key = Api(jira_sim, version=2).post("issue", json=story(description="from v2")).json()["key"]
    v3 = Api(jira_sim).get(f"issue/{v2_key}").json()
    assert v3["fields"]["description"] == adf("from v2")


def test_non_json_body_is_415(jira_sim: JiraSimulator) -> None:
    resp = Api(jira_sim).post("issue", data=b'{"fields": {}}', headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415
    assert jira_sim.core.store.issues == {}
