"""Test connection against a Jira site whose settings or permissions are in the way, one problem at a time.

Each problem is staged in the Jira simulator (site settings, per-account permissions, a slow answer) and
tested through the real handler: the report must carry the problem's own code and severity, a hint that
names what to change, and the integration log must say the same.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.connection.test_test_connection import cloud_config, codes, configure_and_test

# The statuses of MOB's workflow, all mapped, so no status_unmapped warning gets in the way.
MOB_STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}


def problem(report: dict[str, Any], code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [item for item in report["problems"] if item["code"] == code]
    assert len(found) == 1, report["problems"]
    return found[0]


def logged_problem_codes(log_output: io.StringIO) -> list[str]:
    """The problem codes of the last test-connection entry of the integration log."""
    entries = [json.loads(line) for line in log_output.getvalue().splitlines() if line.strip()]
    tests = [entry for entry in entries if entry.get("action") == "integration.test_connection"]
    assert tests, "test connection wrote no integration log entry"
    return list(tests[-1].get("problem_codes") or [])


def datacenter_config(sim: JiraSimulator, **mapping: Any) -> dict[str, Any]:
    body = cloud_config(sim, **mapping)
    body["jira"]["auth"] = {"type": "bearer", "token": sim.credentials["dc_pat"]}
    return body


# --- sub-tasks ------------------------------------------------------------------------------------------
def test_subtasks_disabled_with_a_subtask_requirement_type(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    jira_sim.set_site_settings(sub_tasks_enabled=False)
    report = configure_and_test(call_api, cloud_config(jira_sim))  # requirements map to Sub-task
    assert report["ok"] is False
    assert codes(report) == ["subtasks_disabled"]
    found = problem(report, "subtasks_disabled")
    assert found["severity"] == "error"
    assert "Sub-task" in found["message"]
    hint = found["hint"]
    assert "sub-tasks" in hint.lower()  # the Jira setting to switch on...
    assert "mapping.requirement_issue_type" in hint  # ...or the mapping key to change instead
    assert logged_problem_codes(log_output) == ["subtasks_disabled"]


def test_subtasks_disabled_is_detected_on_data_center(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator
) -> None:
    jira_sim_dc.set_site_settings(sub_tasks_enabled=False)
    report = configure_and_test(call_api, datacenter_config(jira_sim_dc), "dc")
    assert report["jira"]["deployment"] == "datacenter"
    assert codes(report) == ["subtasks_disabled"]
    assert problem(report, "subtasks_disabled")["severity"] == "error"


def test_subtasks_disabled_does_not_matter_for_linked_requirements(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    jira_sim.set_site_settings(sub_tasks_enabled=False)
    report = configure_and_test(call_api, cloud_config(jira_sim, requirement_issue_type="Task"))
    assert report["ok"] is True, report["problems"]
    assert report["problems"] == []
    assert report["jira"]["requirement_mode"] == "link"


# --- issue linking --------------------------------------------------------------------------------------
def test_linking_disabled_with_a_standard_requirement_type(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    jira_sim.set_site_settings(issue_linking_enabled=False)
    report = configure_and_test(call_api, cloud_config(jira_sim, requirement_issue_type="Task"))
    assert report["ok"] is False
    assert codes(report) == ["linking_disabled"]
    found = problem(report, "linking_disabled")
    assert found["severity"] == "error"
    hint = found["hint"]
    assert "issue linking" in hint.lower()  # the Jira setting to switch on...
    assert "mapping.requirement_issue_type" in hint  # ...or the mapping key to change instead
    assert logged_problem_codes(log_output) == ["linking_disabled"]


def test_linking_disabled_does_not_matter_for_subtask_requirements(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    jira_sim.set_site_settings(issue_linking_enabled=False)
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert report["ok"] is True, report["problems"]
    assert report["problems"] == []


# --- permissions ----------------------------------------------------------------------------------------
def test_create_issues_revoked_is_permission_missing(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["CREATE_ISSUES"])
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert report["ok"] is False
    # Jira's create metadata lists no issue types to an account that may not create issues: the cause is
    # the permission, not the mapping, so the mapping must not be blamed.
    assert codes(report) == ["permission_missing"]
    found = problem(report, "permission_missing")
    assert found["severity"] == "error"
    assert found["context"]["permissions"] == ["CREATE_ISSUES"]
    assert "CREATE_ISSUES" in found["hint"]
    assert "MOB" in found["message"]
    assert logged_problem_codes(log_output) == ["permission_missing"]


@pytest.mark.parametrize("permission", ["EDIT_ISSUES", "TRANSITION_ISSUES"])
def test_other_write_permissions_revoked_are_permission_missing(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, permission: str
) -> None:
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=[permission])
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert codes(report) == ["permission_missing"]
    found = problem(report, "permission_missing")
    assert found["severity"] == "error"
    assert found["context"]["permissions"] == [permission]
    assert permission in found["hint"]


def test_link_issues_revoked_matters_only_for_linked_requirements(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["LINK_ISSUES"])

    subtasks = configure_and_test(call_api, cloud_config(jira_sim), "subtasks")
    assert subtasks["ok"] is True, subtasks["problems"]
    assert subtasks["problems"] == []

    linked = configure_and_test(call_api, cloud_config(jira_sim, requirement_issue_type="Task"), "linked")
    assert linked["ok"] is False
    assert codes(linked) == ["permission_missing"]
    found = problem(linked, "permission_missing")
    assert found["severity"] == "error"
    assert found["context"]["permissions"] == ["LINK_ISSUES"]
    assert "LINK_ISSUES" in found["hint"]
    assert logged_problem_codes(log_output) == ["permission_missing"]


def test_a_project_the_account_cannot_browse_is_not_found(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["BROWSE_PROJECTS"])
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert codes(report) == ["project_not_found"]
    found = problem(report, "project_not_found")
    assert found["severity"] == "error"
    assert "jira.project" in found["hint"] and "Browse" in found["hint"]


# --- a slow Jira ----------------------------------------------------------------------------------------
def test_a_jira_that_does_not_answer_in_time_is_timeout(
    call_api: Call,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    log_output: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Depends on the transport reading JIRA_READ_TIMEOUT_SECONDS on every client it builds.
    monkeypatch.setenv("JIRA_READ_TIMEOUT_SECONDS", "0.25")
    jira_sim.add_fault(method="GET", path=r"/myself$", delay=1.0, times=None)  # every attempt, retries too
    report = configure_and_test(call_api, cloud_config(jira_sim, statuses=MOB_STATUSES))
    assert report["ok"] is False
    assert codes(report) == ["timeout"]
    found = problem(report, "timeout")
    assert found["severity"] == "error"
    assert "jira.base_url" in found["hint"]
    # Identity never came back, so nothing past it was asked.
    assert all(call["path"].endswith(("/serverInfo", "/myself")) for call in jira_sim.calls)
    assert logged_problem_codes(log_output) == ["timeout"]
