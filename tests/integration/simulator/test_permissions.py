"""``GET mypermissions`` and per-account project permissions: revoked through the control API, reported,
and enforced on the operations that need them."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

from .helpers import Api, assert_matches_openapi, story

WANTED = "BROWSE_PROJECTS,CREATE_ISSUES,EDIT_ISSUES,TRANSITION_ISSUES,LINK_ISSUES"


def create(api: Api, body: dict[str, Any]) -> str:
    resp = api.post("issue", json=body)
    assert resp.status_code == 201, resp.text
    key: str = resp.json()["key"]
    return key


def have(api: Api, project: str = "MOB", permissions: str = WANTED) -> dict[str, bool]:
    resp = api.get("mypermissions", params={"projectKey": project, "permissions": permissions})
    assert resp.status_code == 200, resp.text
    return {key: value["havePermission"] for key, value in resp.json()["permissions"].items()}


def link_body(inward: str, outward: str) -> dict[str, Any]:
    return {"type": {"name": "Relates"}, "inwardIssue": {"key": inward}, "outwardIssue": {"key": outward}}


# --- mypermissions --------------------------------------------------------------------------------------
def test_mypermissions_answers_like_jira(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    resp = api.get("mypermissions", params={"projectKey": "MOB", "permissions": WANTED + ",ADMINISTER"})
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    permissions = resp.json()["permissions"]
    assert set(permissions) == {*WANTED.split(","), "ADMINISTER"}
    create_issues = permissions["CREATE_ISSUES"]
    assert create_issues == {
        "id": "11",
        "key": "CREATE_ISSUES",
        "name": "Create Issues",
        "type": "PROJECT",
        "description": "Ability to create issues.",
        "havePermission": True,
    }
    assert all(permissions[key]["havePermission"] for key in WANTED.split(","))
    assert permissions["ADMINISTER"]["type"] == "GLOBAL"
    assert permissions["ADMINISTER"]["havePermission"] is False  # the bot is no Jira administrator


def test_mypermissions_refusals(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    missing = api.get("mypermissions", params={"projectKey": "MOB"})
    assert missing.status_code == 400  # Cloud requires the permissions parameter
    assert_matches_openapi(missing)
    unknown = api.get("mypermissions", params={"projectKey": "MOB", "permissions": "CREATE_ISSUES,FLY"})
    assert unknown.status_code == 400
    assert "FLY" in unknown.json()["errorMessages"][0]
    no_project = api.get("mypermissions", params={"projectKey": "NOPE", "permissions": "CREATE_ISSUES"})
    assert no_project.status_code == 404
    assert_matches_openapi(no_project)
    no_issue = api.get("mypermissions", params={"issueKey": "MOB-999", "permissions": "EDIT_ISSUES"})
    assert no_issue.status_code == 404
    anonymous = requests.get(
        f"{jira_sim.base_url}/rest/api/3/mypermissions", params={"permissions": "CREATE_ISSUES"}, timeout=5
    )
    assert anonymous.status_code == 200  # Jira answers anonymously: nothing proves who asked
    assert anonymous.json()["permissions"]["CREATE_ISSUES"]["havePermission"] is False


def test_mypermissions_on_data_center(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    everything = api.get("mypermissions", params={"projectKey": "MOB"})
    assert everything.status_code == 200  # Data Center answers every permission without the parameter
    assert_matches_openapi(everything)
    assert {"CREATE_ISSUES", "LINK_ISSUES", "BROWSE_PROJECTS"} <= set(everything.json()["permissions"])
    jira_sim_dc.set_permissions("aha-bot", "MOB", revoked=["EDIT_ISSUES"])
    assert have(api)["EDIT_ISSUES"] is False


# --- revocation through the control API ----------------------------------------------------------------
def test_revocations_through_the_client_and_reset(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    api = Api(jira_sim)
    entry = client.set_permissions("bot@acme.example", "MOB", revoked=["LINK_ISSUES", "CREATE_ISSUES"])
    assert entry == {
        "account_id": jira_sim.bot_account_id,
        "project": "MOB",
        "revoked": ["CREATE_ISSUES", "LINK_ISSUES"],
    }
    assert client.permissions() == [entry]
    assert jira_sim.permissions() == [entry]
    assert have(api) == {key: key not in ("LINK_ISSUES", "CREATE_ISSUES") for key in WANTED.split(",")}
    assert all(have(api, "REQ").values())  # other projects keep every permission
    assert all(have(Api(jira_sim, auth=("engineer@acme.example", "sim-cloud-api-token-engineer"))).values())

    client.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["EDIT_ISSUES"])  # replaces
    assert have(api)["CREATE_ISSUES"] is True and have(api)["EDIT_ISSUES"] is False
    client.restore_permissions()
    assert client.permissions() == []
    jira_sim.set_permissions("aha-bot", None, revoked=["CREATE_ISSUES"])  # every project
    assert have(api, "MOB")["CREATE_ISSUES"] is False and have(api, "REQ")["CREATE_ISSUES"] is False
    global_context = api.get("mypermissions", params={"permissions": "CREATE_ISSUES"}).json()
    assert global_context["permissions"]["CREATE_ISSUES"]["havePermission"] is False
    client.reset()
    assert client.permissions() == []
    assert all(have(api).values())


def test_control_api_refuses_bad_revocations(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    with pytest.raises(RuntimeError, match="400"):
        client.set_permissions("bot@acme.example", "MOB", revoked=["FLY"])
    with pytest.raises(RuntimeError, match="400"):
        client.set_permissions("nobody@acme.example", "MOB", revoked=["LINK_ISSUES"])
    with pytest.raises(RuntimeError, match="400"):
        client.set_permissions("bot@acme.example", "NOPE", revoked=["LINK_ISSUES"])
    with pytest.raises(ValueError, match="ADMINISTER"):
        jira_sim.set_permissions("bot@acme.example", "MOB", revoked=["ADMINISTER"])  # global, not per project
    assert client.permissions() == []


# --- enforcement ----------------------------------------------------------------------------------------
def test_create_issues_revoked(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["CREATE_ISSUES"])
    refused = api.post("issue", json=story())
    assert refused.status_code == 400
    assert_matches_openapi(refused)
    assert refused.json()["errors"] == {
        "project": "You do not have permission to create issues in this project."
    }
    bulk = api.post("issue/bulk", json={"issueUpdates": [story("a"), story("b")]})
    assert bulk.status_code == 400
    assert [e["elementErrors"]["errors"] for e in bulk.json()["errors"]] == [refused.json()["errors"]] * 2
    # Create metadata only shows what the caller may create.
    types = api.get("issue/createmeta/MOB/issuetypes").json()
    assert (types["total"], types["issueTypes"]) == (0, [])
    assert api.get("issue/createmeta/MOB/issuetypes/10001").json()["fields"] == []
    legacy = api.get("issue/createmeta", params={"projectKeys": "MOB,REQ"}).json()
    assert [p["key"] for p in legacy["projects"]] == ["REQ"]
    # The project is still visible, and others may still create in it.
    assert api.get("project/MOB").status_code == 200
    engineer = Api(jira_sim, auth=("engineer@acme.example", "sim-cloud-api-token-engineer"))
    assert engineer.post("issue", json=story()).status_code == 201
    assert SimulatorClient(jira_sim.base_url).engineer_create(story("By hand")["fields"])["key"] == "MOB-2"


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_link_issues_revoked(jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator, mode: str) -> None:
    sim, api = (jira_sim, Api(jira_sim)) if mode == "cloud" else (jira_sim_dc, Api(jira_sim_dc, version=2))
    first, second = create(api, story("First")), create(api, story("Second"))
    sim.set_permissions(sim.bot_account_id, "MOB", revoked=["LINK_ISSUES"])
    refused = api.post("issueLink", json=link_body(first, second))
    assert refused.status_code == (404 if mode == "cloud" else 401)  # as each deployment documents it
    assert refused.json()["errorMessages"] == [f"No Link Issue Permission for issue '{first}'."]
    update = {"issuelinks": [{"add": {"type": {"name": "Relates"}, "outwardIssue": {"key": first}}}]}
    in_create = api.post("issue", json={**story("Linked"), "update": update})
    assert in_create.status_code == 400
    assert "permission to link" in in_create.json()["errors"]["issuelinks"]
    # Sub-tasks need no link permission.
    sub = {
        "project": {"key": "MOB"},
        "issuetype": {"name": "Sub-task"},
        "parent": {"key": first},
        "summary": "s",
    }
    assert api.post("issue", json={"fields": sub}).status_code == 201
    assert not api.get(f"issue/{first}", params={"fields": "issuelinks"}).json()["fields"]["issuelinks"]


def test_edit_transition_delete_work_and_attach_revoked(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story("Guarded"))
    jira_sim.set_permissions(
        "bot@acme.example",
        "MOB",
        revoked=["EDIT_ISSUES", "TRANSITION_ISSUES", "DELETE_ISSUES", "WORK_ON_ISSUES", "CREATE_ATTACHMENTS"],
    )
    edit = api.put(f"issue/{key}", json={"fields": {"summary": "Renamed"}})
    assert edit.status_code == 400
    assert edit.json()["errorMessages"] == ["You do not have permission to edit issues in this project."]
    assert api.get(f"issue/{key}/transitions").json()["transitions"] == []
    transition = api.post(f"issue/{key}/transitions", json={"transition": {"id": "31"}})
    assert transition.status_code == 400
    assert api.delete(f"issue/{key}").status_code == 403
    assert api.post(f"issue/{key}/worklog", json={"timeSpentSeconds": 600}).status_code == 400
    attach = api.post(
        f"issue/{key}/attachments",
        files={"file": ("a.txt", b"hi", "text/plain")},
        headers={"X-Atlassian-Token": "no-check"},
    )
    assert attach.status_code == 403
    issue = api.get(f"issue/{key}").json()
    assert issue["fields"]["summary"] == "Guarded"
    assert issue["fields"]["status"]["name"] == "To Do"

    client = SimulatorClient(jira_sim.base_url)
    client.engineer_transition(key, "Done")  # the engineer keeps every permission
    client.set_permissions("engineer@acme.example", "MOB", revoked=["TRANSITION_ISSUES"])
    with pytest.raises(RuntimeError, match="400"):
        client.engineer_transition(key, "To Do")


def test_browse_projects_revoked_hides_the_project(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = create(api, story("Hidden soon"))
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["BROWSE_PROJECTS"])
    keys = [p["key"] for p in api.get("project/search", params={"maxResults": 100}).json()["values"]]
    assert "MOB" not in keys and "REQ" in keys
    assert "MOB" not in [p["key"] for p in api.get("project").json()]
    for path in (
        "project/MOB",
        "project/MOB/statuses",
        "project/MOB/versions",
        "issue/createmeta/MOB/issuetypes",
    ):
        assert api.get(path).status_code == 404, path
    assert api.get(f"issue/{key}").status_code == 404
    assert api.post("issue", json=story()).json()["errors"] == {
        "project": "Specify a valid project ID or key"
    }
    found = api.post("search/jql", json={"jql": "project = MOB", "fields": ["summary"]}).json()
    assert found["issues"] == []
    assert (
        api.get("mypermissions", params={"projectKey": "MOB", "permissions": "BROWSE_PROJECTS"}).status_code
        == 404
    )
