"""Configuration reads: shapes against the reference responses and the OpenAPI response schemas."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator

from .helpers import Api, assert_matches_openapi, reference


def keys_of(items: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for item in items:
        out |= set(item)
    return out


@pytest.mark.parametrize(
    "path",
    [
        "myself",
        "serverInfo",
        "project/search?maxResults=5",
        "project/MOB",
        "issuetype/project?projectId=10000",
        "issue/createmeta/MOB/issuetypes",
        "issue/createmeta/REQ/issuetypes/10002",
        "project/MOB/statuses",
        "field",
        "issueLinkType",
        "project/MOB/versions",
        "user/search?query=engineer@acme.example",
        "issue/createmeta?projectKeys=MOB&expand=projects.issuetypes.fields",
        "configuration",
        "mypermissions?projectKey=MOB&permissions=BROWSE_PROJECTS,CREATE_ISSUES,LINK_ISSUES",
        "issue/createmeta/BIG/issuetypes",
        "issue/createmeta/BIG/issuetypes/10004?maxResults=100",
        "project/BIG/statuses",
    ],
)
def test_cloud_reads_match_the_openapi_response_schema(jira_sim: JiraSimulator, path: str) -> None:
    resp = Api(jira_sim).get(path)
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)


def test_server_info_per_mode(jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator) -> None:
    cloud = Api(jira_sim).get("serverInfo").json()
    dc = Api(jira_sim_dc, version=2).get("serverInfo").json()
    assert cloud["deploymentType"] == "Cloud"
    assert cloud["baseUrl"] == jira_sim.base_url
    assert dc["deploymentType"] in ("Server", "DataCenter")
    assert dc["versionNumbers"][0] == 9


def test_project_search_pages_like_the_reference(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    first = api.get("project/search", params={"startAt": 0, "maxResults": 50}).json()
    ref_first = reference("jira-responses/ahaservices-projects_page_1.json")
    assert set(first) == set(ref_first)
    assert first["isLast"] is False
    assert first["total"] == 62  # MOB, REQ, BIG, FLOW and P001..P058
    assert len(first["values"]) == 50
    assert keys_of(ref_first["values"]) <= keys_of(first["values"])
    second = api.get("project/search", params={"startAt": 50, "maxResults": 50}).json()
    ref_last = reference("jira-responses/ahaservices-projects_all.json")
    assert set(second) == set(ref_last)
    assert second["isLast"] is True
    keys = [p["key"] for p in first["values"] + second["values"]]
    assert len(keys) == len(set(keys)) == first["total"]
    assert {"MOB", "REQ", "BIG", "FLOW", "P001", "P058"} <= set(keys)
    assert len(second["values"]) == 12


def test_createmeta_issue_types_and_fields(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    types = api.get("issue/createmeta/MOB/issuetypes").json()
    assert {"maxResults", "startAt", "total", "issueTypes"} <= set(types)
    names = {t["name"]: t for t in types["issueTypes"]}
    assert {"Story", "Task", "Bug", "Epic", "Sub-task"} == set(names)
    assert names["Sub-task"]["subtask"] is True
    paged = api.get("issue/createmeta/MOB/issuetypes", params={"startAt": 1, "maxResults": 2}).json()
    assert (paged["startAt"], paged["maxResults"], paged["total"], len(paged["issueTypes"])) == (1, 2, 5, 2)

    fields = api.get("issue/createmeta/REQ/issuetypes/10002").json()
    by_id = {f["fieldId"]: f for f in fields["fields"]}
    assert by_id["summary"]["required"] is True
    assert by_id["customfield_10300"]["required"] is True
    assert [v["value"] for v in by_id["customfield_10300"]["allowedValues"]] == ["Platform", "Mobile", "Web"]
    assert by_id["customfield_10301"]["schema"]["type"] == "number"
    assert by_id["priority"]["hasDefaultValue"] is True
    assert "defaultValue" in by_id["priority"]
    # Shape of each field entry as in the real Cloud createmeta (mattermost reference)
    ref = reference("jira-responses/mattermost-cloud-get-create-issue-metadata-for-project.json")
    ref_fields = ref["projects"][0]["issuetypes"][0]["fields"]
    for fid in ("summary", "labels", "fixVersions", "assignee", "issuetype", "project"):
        assert set(ref_fields[fid]) - {"autoCompleteUrl"} <= set(by_id[fid]), fid
    page = api.get("issue/createmeta/REQ/issuetypes/10002", params={"maxResults": 3}).json()
    assert len(page["fields"]) == 3
    assert page["total"] == len(fields["fields"])


def test_createmeta_for_datacenter_uses_values(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    types = api.get("issue/createmeta/MOB/issuetypes").json()
    assert types["isLast"] is True
    assert {t["name"] for t in types["values"]} >= {"Story", "Sub-task"}
    fields = api.get("issue/createmeta/MOB/issuetypes/10003").json()
    parent = next(f for f in fields["values"] if f["fieldId"] == "parent")
    assert parent["required"] is True


def test_createmeta_legacy_form_matches_reference_shape(jira_sim: JiraSimulator) -> None:
    body = (
        Api(jira_sim)
        .get("issue/createmeta", params={"projectKeys": "MOB", "expand": "projects.issuetypes.fields"})
        .json()
    )
    ref = reference("jira-responses/ahaservices-jira_createmeta.json")
    assert set(body) == set(ref)
    assert set(ref["projects"][0]) <= set(body["projects"][0])
    ref_type_keys = set(ref["projects"][0]["issuetypes"][0]) - {"fields"}
    assert ref_type_keys <= set(body["projects"][0]["issuetypes"][0])
    assert "summary" in body["projects"][0]["issuetypes"][0]["fields"]


def test_project_statuses_match_reference_shape(jira_sim: JiraSimulator) -> None:
    body = Api(jira_sim).get("project/REQ/statuses").json()
    ref = reference("jira-responses/ahaservices-jira_project_statuses.json")
    assert set(ref[0]) <= set(body[0])
    assert set(ref[0]["statuses"][0]) <= set(body[0]["statuses"][0])
    names = [s["name"] for s in body[0]["statuses"]]
    assert names == ["Backlog", "In Progress", "In Review", "Done"]
    assert {s["statusCategory"]["key"] for s in body[0]["statuses"]} == {"new", "indeterminate", "done"}


def test_fields_include_reference_custom_fields(jira_sim: JiraSimulator) -> None:
    body = Api(jira_sim).get("field").json()
    ref = reference("jira-responses/ahaservices-jira_field.json")
    by_name = {f["name"]: f for f in body}
    for name in ("Epic Name", "Epic Link", "Story Points", "Team", "Risk Score"):
        assert name in by_name, name
    ref_summary = next(f for f in ref if f["id"] == "summary")
    assert set(ref_summary) <= set(by_name["Summary"])
    ref_points = next(f for f in ref if f["name"] == "Story Points")
    assert by_name["Story Points"]["schema"]["type"] == ref_points["schema"]["type"]
    assert by_name["Story Points"]["custom"] is True


def test_link_types(jira_sim: JiraSimulator) -> None:
    body = Api(jira_sim).get("issueLinkType").json()
    names = {lt["name"]: lt for lt in body["issueLinkTypes"]}
    assert {"Relates", "Blocks", "Cloners", "Duplicate"} <= set(names)
    assert names["Blocks"]["outward"] == "blocks"
    assert names["Blocks"]["inward"] == "is blocked by"


def test_versions_list_and_create(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    before = api.get("project/MOB/versions").json()
    assert [v["name"] for v in before] == ["1.0", "2.0"]
    created = api.post("version", json={"name": "3.0", "projectId": 10000, "releaseDate": "2027-01-31"})
    assert created.status_code == 201, created.text
    assert_matches_openapi(created)
    assert created.json()["name"] == "3.0"
    duplicate = api.post("version", json={"name": "3.0", "projectId": 10000})
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()["errors"]
    after = api.get("project/MOB/versions").json()
    assert [v["name"] for v in after] == ["1.0", "2.0", "3.0"]
    meta = api.get("issue/createmeta/MOB/issuetypes/10001").json()
    fix = next(f for f in meta["fields"] if f["fieldId"] == "fixVersions")
    assert "3.0" in [v["name"] for v in fix["allowedValues"]]


def test_user_search_by_email(jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator) -> None:
    cloud = Api(jira_sim).get("user/search", params={"query": "pm@acme.example"}).json()
    assert len(cloud) == 1
    assert "accountId" in cloud[0]
    dc = Api(jira_sim_dc, version=2).get("user/search", params={"username": "pm@acme.example"}).json()
    assert len(dc) == 1
    assert dc[0]["name"] == "pat"
    assert "accountId" not in dc[0]


def test_unknown_paths_and_project(jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim)
    missing = api.get("no/such/resource")
    assert missing.status_code == 404
    assert missing.json()["errorMessages"]
    assert api.get("project/NOPE").status_code == 404
    assert api.post("myself", json={}).status_code == 405
    assert Api(jira_sim_dc, version=3).get("myself").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "myself",
        "serverInfo",
        "project/search?maxResults=5",
        "issue/createmeta/REQ/issuetypes",
        "issue/createmeta/REQ/issuetypes/10002",
        "project/REQ/statuses",
        "field",
        "issueLinkType",
        "project/MOB/versions",
        "user/search?username=erin",
        "configuration",
        "mypermissions?projectKey=MOB",
        "issue/createmeta/BIG/issuetypes/10003?startAt=50",
        "project/BIG/statuses",
    ],
)
def test_datacenter_reads_match_the_openapi_response_schema(jira_sim_dc: JiraSimulator, path: str) -> None:
    resp = Api(jira_sim_dc, version=2).get(path)
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)


# --- BIG: the call-budget project -------------------------------------------------------------------------
BIG_TYPES = {
    "Epic": "10000",
    "Story": "10001",
    "Task": "10002",
    "Sub-task": "10003",
    "Bug": "10004",
    "Improvement": "10005",
    "New Feature": "10006",
    "Spike": "10007",
}


def all_create_fields(api: Api, type_id: str, key: str = "fields") -> list[dict[str, Any]]:
    """Every create-metadata field of a BIG issue type, page by page (50 a page)."""
    fields: list[dict[str, Any]] = []
    pages = 0
    while True:
        page = api.get(f"issue/createmeta/BIG/issuetypes/{type_id}", params={"startAt": len(fields)}).json()
        pages += 1
        fields += page[key]
        if len(fields) >= page["total"]:
            break
    assert pages == 2
    return fields


def test_big_has_eight_issue_types_and_sixty_fields_on_every_create_screen(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    types = api.get("issue/createmeta/BIG/issuetypes").json()
    assert types["total"] == 8
    assert {t["name"]: t["id"] for t in types["issueTypes"]} == BIG_TYPES
    assert [t["name"] for t in types["issueTypes"] if t["subtask"]] == ["Sub-task"]
    for name, type_id in BIG_TYPES.items():
        fields = all_create_fields(api, type_id)
        ids = [f["fieldId"] for f in fields]
        assert len(ids) == len(set(ids)) == 60, name
        by_id = {f["fieldId"]: f for f in fields}
        required_custom = {
            f["name"] for f in fields if f["required"] and f["fieldId"].startswith("customfield_")
        }
        expected = {"Customer Tier", "Product Area", "Target Quarter"} | (
            {"Severity"} if name == "Bug" else set()
        )
        assert required_custom == expected, name
        tier = by_id["customfield_10500"]
        assert [v["value"] for v in tier["allowedValues"]] == ["Enterprise", "Business", "Free"]
        assert tier["hasDefaultValue"] is False
        quarter = by_id["customfield_10502"]
        assert quarter["hasDefaultValue"] is True and quarter["defaultValue"]["value"] == "2027-Q1"
        assert by_id["customfield_10503"]["defaultValue"]["value"] == "Medium"
        assert by_id["parent"]["required"] is (name == "Sub-task")
    bug = {f["fieldId"]: f for f in all_create_fields(api, "10004")}
    assert bug["customfield_10504"]["defaultValue"]["value"] == "S3 - Minor"
    # The fields are in GET field too, with their schema.
    listed = {f["id"]: f for f in api.get("field").json()}
    assert listed["customfield_10500"]["schema"]["custom"].endswith(":select")
    assert sum(1 for f in listed if f.startswith("customfield_105")) == 42


def test_big_pages_create_metadata_on_data_center_too(jira_sim_dc: JiraSimulator) -> None:
    fields = all_create_fields(Api(jira_sim_dc, version=2), "10001", key="values")
    assert len(fields) == 60


def test_big_statuses_differ_per_issue_type(jira_sim: JiraSimulator) -> None:
    body = Api(jira_sim).get("project/BIG/statuses").json()
    statuses = {item["name"]: [s["name"] for s in item["statuses"]] for item in body}
    assert set(statuses) == set(BIG_TYPES)
    assert statuses["Story"] == ["Backlog", "Selected for Development", "In Progress", "In Review", "Done"]
    assert statuses["Bug"] == ["Triage", "In Progress", "Fixed", "Verified", "Won't Fix"]
    assert statuses["Sub-task"] == ["To Do", "In Progress", "Done"]
    assert statuses["Spike"] == ["To Do", "In Progress", "Concluded"]
    assert statuses["Improvement"] == statuses["New Feature"] == statuses["Epic"] == statuses["Story"]


def test_big_creates_with_required_fields_defaults_and_per_type_workflows(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    base = {"project": {"key": "BIG"}, "issuetype": {"name": "Bug"}, "summary": "Crash on launch"}
    missing = api.post("issue", json={"fields": base})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {
        "customfield_10500": "Customer Tier is required.",
        "customfield_10501": "Product Area is required.",
    }
    bad_option = api.post(
        "issue",
        json={
            "fields": {**base, "customfield_10500": {"value": "Gold"}, "customfield_10501": {"id": "10610"}}
        },
    )
    assert bad_option.json()["errors"] == {"customfield_10500": "Option value 'Gold' is not valid"}
    created = api.post(
        "issue",
        json={
            "fields": {
                **base,
                "customfield_10500": {"value": "Enterprise"},
                "customfield_10501": {"id": "10610"},
                "customfield_10510": "Acme Corp",
                "customfield_10512": 125000,
                "customfield_10519": "2027-03-01",
            }
        },
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key == "BIG-1"
    issue = api.get(f"issue/{key}").json()
    fields = issue["fields"]
    assert fields["customfield_10502"]["value"] == "2027-Q1"  # defaults applied
    assert fields["customfield_10504"]["value"] == "S3 - Minor"
    assert fields["customfield_10510"] == "Acme Corp"
    assert fields["status"]["name"] == "Triage"
    transitions = {t["name"]: t["id"] for t in api.get(f"issue/{key}/transitions").json()["transitions"]}
    assert transitions == {"Accept": "201", "Won't fix": "241"}
    assert api.post(f"issue/{key}/transitions", json={"transition": {"id": "201"}}).status_code == 204
    assert api.get(f"issue/{key}").json()["fields"]["status"]["name"] == "In Progress"
    story = api.post(
        "issue",
        json={
            "fields": {
                "project": {"key": "BIG"},
                "issuetype": {"name": "Story"},
                "summary": "Export",
                "customfield_10500": {"value": "Free"},
                "customfield_10501": {"value": "Data"},
            }
        },
    ).json()
    assert api.get(f"issue/{story['key']}").json()["fields"]["status"]["name"] == "Backlog"
