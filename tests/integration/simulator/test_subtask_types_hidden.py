"""Sub-tasks switched off in the site: like Jira, the simulator leaves the sub-task types out of every list of
issue types (create metadata, old and new, a project's types, every type) and refuses their create fields,
without deleting them: they are listed again once sub-tasks are back on."""

from __future__ import annotations

import pytest

from aha_jira_dev.jira_sim import JiraSimulator

from .helpers import Api, assert_matches_openapi

SUB_TASK_ID = "10003"  # the seeded "Sub-task" type of project MOB


def _listed(api: Api) -> dict[str, list[str]]:
    """The names each list of issue types gives for project MOB."""
    new_meta = api.get("issue/createmeta/MOB/issuetypes").json()
    legacy = api.get("issue/createmeta", params={"projectKeys": "MOB"}).json()["projects"][0]["issuetypes"]
    project_id = api.get("project/MOB").json()["id"]
    return {
        "createmeta": [t["name"] for t in new_meta.get("issueTypes", new_meta.get("values", []))],
        "createmeta (legacy)": [t["name"] for t in legacy],
        "project": [t["name"] for t in api.get("project/MOB").json()["issueTypes"]],
        "project search": [
            t["name"]
            for t in api.get("project/search", params={"keys": "MOB", "expand": "issueTypes"}).json()[
                "values"
            ][0]["issueTypes"]
        ],
        "issuetype/project": [
            t["name"] for t in api.get("issuetype/project", params={"projectId": project_id}).json()
        ],
        "issuetype": [t["name"] for t in api.get("issuetype").json()],
    }


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_sub_task_types_are_hidden_while_sub_tasks_are_off(
    mode: str, jira_sim: JiraSimulator, jira_sim_dc: JiraSimulator
) -> None:
    sim = jira_sim if mode == "cloud" else jira_sim_dc
    api = Api(sim, version=3 if mode == "cloud" else 2)
    before = _listed(api)
    assert all("Sub-task" in names for names in before.values()), before

    sim.set_site_settings(sub_tasks_enabled=False)
    hidden = _listed(api)
    for kind, names in hidden.items():
        assert "Sub-task" not in names, kind
        assert set(names) == set(before[kind]) - {"Sub-task"}, kind
    fields = api.get(f"issue/createmeta/MOB/issuetypes/{SUB_TASK_ID}")
    assert fields.status_code == 404
    if mode == "cloud":
        assert_matches_openapi(api.get("issue/createmeta/MOB/issuetypes"))

    sim.set_site_settings(sub_tasks_enabled=True)
    assert _listed(api) == before
    assert api.get(f"issue/createmeta/MOB/issuetypes/{SUB_TASK_ID}").status_code == 200
