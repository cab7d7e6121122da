"""The test-connection report's lists: what a client (the admin console) fills its choices from, so that no
Jira name is typed by hand — projects, sub-task types, link types, statuses per issue type and the required
fields with their allowed values. Through the real handler, against the Jira simulator and moto."""

from __future__ import annotations

from aha_jira.models.jira_payloads import CreateMetaField, ProjectRef
from aha_jira.models.jira_snapshot import IssueTypeSnapshot, JiraSnapshot, ProjectSnapshot
from aha_jira.models.test_report import MAX_ALLOWED_VALUES, MAX_PROJECTS, jira_summary
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.connection.test_test_connection import cloud_config, codes, configure_and_test


def test_the_lists_of_a_healthy_project(call_api: Call, aws: LocalResources, jira_sim: JiraSimulator) -> None:
    jira = configure_and_test(call_api, cloud_config(jira_sim))["jira"]
    keys = [project["key"] for project in jira["projects"]]
    assert {"MOB", "REQ", "BIG", "P058"} <= set(keys) and keys == sorted(keys)
    assert {"key": "MOB", "name": "Mobile App"} in jira["projects"]
    assert jira["projects_truncated"] is False
    assert jira["subtask_issue_types"] == ["Sub-task"]
    # Requirements are sub-tasks here, yet the link types are loaded for a client to offer.
    assert {"Relates", "Blocks"} <= set(jira["link_types"])
    assert jira["statuses_by_issue_type"]["Story"] == ["To Do", "In Progress", "Done"]
    assert set(jira["statuses_by_issue_type"]) == set(jira["issue_types"])
    assert jira["required_fields"] == []


def test_required_fields_with_their_allowed_values(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim, project="REQ"), "req")
    assert "required_field_unmapped" in codes(report)
    fields = {item["id"]: item for item in report["jira"]["required_fields"]}
    assert set(fields) == {"customfield_10300", "customfield_10301"}
    team = fields["customfield_10300"]
    assert team["name"] == "Team" and team["type"] == "option"
    assert sorted(team["issue_types"]) == ["Story", "Sub-task"]
    assert [value["value"] for value in team["allowed_values"]] == ["Platform", "Mobile", "Web"]
    assert fields["customfield_10301"]["type"] == "number"
    assert fields["customfield_10301"]["allowed_values"] is None
    assert report["jira"]["statuses_by_issue_type"]["Story"] == [
        "Backlog",
        "In Progress",
        "In Review",
        "Done",
    ]

    # Mapped, they are still listed (a client shows the mapping beside them), and the problem is gone.
    mapped = cloud_config(
        jira_sim,
        project="REQ",
        fields={
            "customfield_10300": {"value": "Mobile"},
            "customfield_10301": {"from": "custom_fields.risk"},
        },
    )
    again = configure_and_test(call_api, mapped, "req")
    assert "required_field_unmapped" not in codes(again)
    assert {item["id"] for item in again["jira"]["required_fields"]} == set(fields)


def test_a_project_not_found_still_lists_the_projects(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim, project="NOPE"), "nope")
    assert codes(report) == ["project_not_found"]
    assert {"MOB", "REQ"} <= {project["key"] for project in report["jira"]["projects"]}
    assert "issue_types" not in report["jira"]


def test_bad_credentials_list_nothing(call_api: Call, aws: LocalResources, jira_sim: JiraSimulator) -> None:
    body = cloud_config(jira_sim)
    body["jira"]["auth"]["api_token"] = "not-the-token"
    report = configure_and_test(call_api, body, "bad")
    assert codes(report) == ["auth_failed"] and report["jira"] == {}


def test_the_lists_are_capped_for_the_stored_report() -> None:
    projects = [ProjectRef(id=str(n), key=f"K{n:04d}", name=f"Project {n}") for n in range(MAX_PROJECTS + 3)]
    summary = jira_summary(None, projects=projects)
    assert len(summary["projects"]) == MAX_PROJECTS and summary["projects_truncated"] is True
    assert summary["projects"][0]["key"] == "K0000"
    meta = CreateMetaField.model_validate(
        {
            "fieldId": "customfield_1",
            "name": "Many",
            "required": True,
            "schema": {"type": "option"},
            "allowedValues": [{"id": "off", "value": "Retired", "disabled": True}]
            + [{"id": str(n), "value": f"v{n}"} for n in range(MAX_ALLOWED_VALUES + 5)],
        }
    )
    snapshot = JiraSnapshot(
        loaded_at="2026-12-01T00:00:00.000+00:00",
        base_url="https://acme.atlassian.net",
        deployment="cloud",
        api_version=3,
        rich_text="adf",
        account_id="bot",
        project=ProjectSnapshot(id="1", key="K0000", name="Project 0"),
        issue_types=[IssueTypeSnapshot(id="1", name="Story", create_fields={"customfield_1": meta})],
    )
    (field,) = jira_summary(snapshot)["required_fields"]
    values = field["allowed_values"]
    assert len(values) == MAX_ALLOWED_VALUES and values[0] == {"id": "0", "value": "v0"}
    assert all(value["value"] != "Retired" for value in values)
