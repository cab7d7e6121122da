"""Test connection against a site with sub-tasks switched off, where Jira lists no sub-task type at all (the
Jira simulator behaves so): the report names the Jira setting (`subtasks_disabled`, with its hint), not an
unknown issue type, and still lists the types the mapping could use instead."""

from __future__ import annotations

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.connection.test_site_problems import datacenter_config, problem
from tests.integration.connection.test_test_connection import cloud_config, codes, configure_and_test


def test_a_hidden_sub_task_type_is_reported_as_sub_tasks_disabled(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    jira_sim.set_site_settings(sub_tasks_enabled=False)
    report = configure_and_test(call_api, cloud_config(jira_sim))  # requirements map to Sub-task
    assert codes(report) == ["subtasks_disabled"]
    found = problem(report, "subtasks_disabled")
    assert found["severity"] == "error"
    assert "'Sub-task'" in found["message"] and "sub-tasks are disabled" in found["message"]
    # The Jira setting to switch on, or the mapping key to change and the types Jira does list.
    assert "Settings > Issues > Sub-tasks" in found["hint"]
    assert "mapping.requirement_issue_type" in found["hint"]
    assert "Story" in found["hint"] and "Task" in found["hint"] and "Sub-task," not in found["hint"]
    assert found["context"] == {"mapping_key": "mapping.requirement_issue_type", "issue_type": "Sub-task"}
    assert "Sub-task" not in report["jira"]["issue_types"]


def test_data_center_with_sub_tasks_off_is_reported_the_same_way(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator
) -> None:
    jira_sim_dc.set_site_settings(sub_tasks_enabled=False)
    report = configure_and_test(call_api, datacenter_config(jira_sim_dc), "dc")
    assert codes(report) == ["subtasks_disabled"]


def test_a_feature_type_jira_does_not_list_is_still_an_unknown_type(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    """A feature is never a sub-task, so hidden sub-task types do not explain a missing feature type."""
    jira_sim.set_site_settings(sub_tasks_enabled=False)
    report = configure_and_test(
        call_api, cloud_config(jira_sim, feature_issue_type="Storey", requirement_issue_type="Task")
    )
    assert codes(report) == ["issue_type_not_found"]
    assert problem(report, "issue_type_not_found")["context"]["mapping_key"] == "mapping.feature_issue_type"


def test_with_sub_tasks_on_an_unknown_requirement_type_is_an_unknown_type(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim, requirement_issue_type="Sub-tsak"))
    assert codes(report) == ["issue_type_not_found"]
    assert "Sub-task" in problem(report, "issue_type_not_found")["hint"]  # listed while sub-tasks are on
