"""Test connection through the real handler, against the Jira simulator over HTTP and moto."""

from __future__ import annotations

import io
import json
import socket
from typing import Any

import pytest

from aha_jira.settings import get_settings
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call


def cloud_config(sim: JiraSimulator, **mapping: Any) -> dict[str, Any]:
    return integration_body(sim, **mapping)


def configure_and_test(
    call_api: Call, body: dict[str, Any], integration_id: str = "mobile"
) -> dict[str, Any]:
    status, answer = call_api("PUT", f"/integrations/{integration_id}", body)
    assert status in (200, 201), answer
    status, report = call_api("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200, report
    return report


def codes(report: dict[str, Any]) -> list[str]:
    return [problem["code"] for problem in report["problems"]]


def test_healthy_cloud_project_is_ok_and_stored(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert report["ok"] is True, report["problems"]
    assert report["problems"] == []
    jira = report["jira"]
    assert jira["deployment"] == "cloud" and jira["api_version"] == 3 and jira["rich_text"] == "adf"
    assert jira["account_id"] == jira_sim.bot_account_id
    assert jira["project"]["key"] == "MOB"
    assert jira["requirement_mode"] == "subtask"
    assert {"Story", "Sub-task", "Epic"} <= set(jira["issue_types"])

    _, integration = call_api("GET", "/integrations/mobile")
    assert integration["last_test"] == report
    snapshot = DynamoIntegrationRepository().get_snapshot("mobile")
    assert snapshot is not None
    story = snapshot.issue_type(snapshot.feature_issue_type_id)
    assert story is not None and story.name == "Story"
    assert "summary" in story.create_fields and story.create_fields["summary"].required
    assert [status.name for status in story.statuses] == ["To Do", "In Progress", "Done"]
    assert any(field.id.startswith("customfield_") for field in snapshot.fields)
    assert snapshot.versions, "the project's versions are part of the snapshot"


def test_every_project_page_is_read(call_api: Call, aws: LocalResources, jira_sim: JiraSimulator) -> None:
    # MOB is on the first page; P058 only on the second (the simulator holds 60 projects, 50 a page).
    report = configure_and_test(call_api, cloud_config(jira_sim, project="P058"), "last-page")
    assert "project_not_found" not in codes(report)
    searches = [call for call in jira_sim.calls if call["path"].endswith("/project/search")]
    assert len(searches) == 2


def test_data_center_is_detected_as_v2_and_wiki(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator
) -> None:
    credentials = jira_sim_dc.credentials
    for integration_id, auth in (
        ("dc-pat", {"type": "bearer", "token": credentials["dc_pat"]}),
        (
            "dc-basic",
            {"type": "basic", "username": credentials["dc_username"], "password": credentials["dc_password"]},
        ),
    ):
        body = cloud_config(jira_sim_dc)
        body["jira"]["auth"] = auth
        report = configure_and_test(call_api, body, integration_id)
        assert report["ok"] is True, report["problems"]
        assert report["jira"]["deployment"] == "datacenter"
        assert report["jira"]["api_version"] == 2 and report["jira"]["rich_text"] == "wiki"
        snapshot = DynamoIntegrationRepository().get_snapshot(integration_id)
        assert snapshot is not None and snapshot.api_version == 2
    assert all(call["path"].startswith("/rest/api/2/") for call in jira_sim_dc.calls)


def test_bad_credentials_are_auth_failed(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    body = cloud_config(jira_sim)
    body["jira"]["auth"]["api_token"] = "not-the-token"
    report = configure_and_test(call_api, body)
    assert report["ok"] is False
    assert codes(report) == ["auth_failed"]
    assert "token" in report["problems"][0]["hint"].lower()
    # Nothing past identity is asked: anonymous endpoints would answer and prove nothing.
    assert all(call["path"].endswith(("/serverInfo", "/myself")) for call in jira_sim.calls)


def test_unknown_project_names_the_visible_ones(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim, project="NOPE"))
    assert codes(report) == ["project_not_found"]
    assert "MOB" in report["problems"][0]["hint"]


def test_missing_issue_type_names_the_mapping_key(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim, feature_issue_type="Feature"))
    assert "issue_type_not_found" in codes(report)
    problem = next(p for p in report["problems"] if p["code"] == "issue_type_not_found")
    assert "mapping.feature_issue_type" in problem["hint"] and "Story" in problem["hint"]


def test_missing_link_type(call_api: Call, aws: LocalResources, jira_sim: JiraSimulator) -> None:
    report = configure_and_test(
        call_api, cloud_config(jira_sim, requirement_issue_type="Task", link_type="Implements")
    )
    assert codes(report) == ["link_type_missing"]
    assert "Relates" in report["problems"][0]["hint"]
    good = configure_and_test(
        call_api, cloud_config(jira_sim, requirement_issue_type="Task", link_type="relates")
    )
    assert good["ok"] is True and good["jira"]["requirement_mode"] == "link"


def test_required_custom_fields_must_be_mapped(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(
        call_api,
        cloud_config(
            jira_sim,
            project="REQ",
            statuses={"Backlog": "a", "In Progress": "b", "In Review": "c", "Done": "d"},
        ),
        "req",
    )
    assert report["ok"] is False
    problems = [p for p in report["problems"] if p["code"] == "required_field_unmapped"]
    named = {p["context"]["field_name"] for p in problems}
    assert {"Team", "Risk Score"} <= named
    for problem in problems:
        assert problem["context"]["field_id"] in problem["message"]
        assert "mapping.fields" in problem["hint"]

    fields = {p["context"]["field_id"]: {"value": 1} for p in problems}
    fixed = configure_and_test(
        call_api,
        cloud_config(
            jira_sim,
            project="REQ",
            statuses={"Backlog": "a", "In Progress": "b", "In Review": "c", "Done": "d"},
            fields=fields,
        ),
        "req",
    )
    assert "required_field_unmapped" not in codes(fixed)


def test_unmapped_statuses_are_a_warning(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim, statuses={"To Do": "Ready"}))
    assert report["ok"] is True
    assert codes(report) == ["status_unmapped"]
    problem = report["problems"][0]
    assert problem["severity"] == "warning"
    assert problem["context"]["statuses"] == ["Done", "In Progress"]


def test_nothing_listening_is_site_unreachable(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    body = cloud_config(jira_sim)
    body["jira"]["base_url"] = f"http://127.0.0.1:{port}"
    report = configure_and_test(call_api, body)
    assert codes(report) == ["site_unreachable"]


def test_tls_failure_is_named(call_api: Call, aws: LocalResources, jira_sim: JiraSimulator) -> None:
    body = cloud_config(jira_sim)
    body["jira"]["base_url"] = jira_sim.base_url.replace("http://", "https://")  # plain HTTP server
    report = configure_and_test(call_api, body)
    assert codes(report) == ["tls_failed"]


def test_unresolvable_host_is_dns_failed(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    body = cloud_config(jira_sim)
    body["jira"]["base_url"] = "https://no-such-jira.invalid"
    report = configure_and_test(call_api, body)
    assert codes(report) == ["dns_failed"]


def test_a_site_that_is_not_jira(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, gateway: Any
) -> None:
    body = cloud_config(jira_sim)
    body["jira"]["base_url"] = gateway.url  # our own API: answers, but it is no Jira
    report = configure_and_test(call_api, body)
    assert codes(report) == ["not_jira"]


def test_private_addresses_are_refused_in_production(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_api("PUT", "/integrations/mobile", cloud_config(jira_sim))
    monkeypatch.setenv("ALLOW_HTTP_LOOPBACK", "false")
    get_settings.cache_clear()
    try:
        status, report = call_api("POST", "/integrations/mobile/test-connection")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert status == 200
    assert codes(report) == ["site_unreachable"]
    assert "https" in report["problems"][0]["message"] or "private" in report["problems"][0]["message"]
    assert jira_sim.calls == []


def test_rate_limited_reads_are_retried_briefly(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    jira_sim.add_fault(method="GET", path=r"/rest/api/3/field$", status=429, retry_after=1, times=1)
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert report["ok"] is True, report["problems"]
    statuses = [call["status"] for call in jira_sim.calls if call["path"].endswith("/field")]
    assert statuses == [429, 200]


def test_changing_the_mapping_clears_the_report(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    configure_and_test(call_api, cloud_config(jira_sim))
    body = cloud_config(jira_sim)
    body["name"] = "Renamed"
    del body["jira"]["auth"]["api_token"]
    _, renamed = call_api("PUT", "/integrations/mobile", body)
    assert renamed["last_test"] is not None  # nothing the test checked changed
    body["mapping"]["requirement_issue_type"] = "Task"
    _, remapped = call_api("PUT", "/integrations/mobile", body)
    assert remapped["last_test"] is None
    assert DynamoIntegrationRepository().get_snapshot("mobile") is None


def test_call_budget_and_no_secret_in_logs(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    report = configure_and_test(call_api, cloud_config(jira_sim))
    assert report["jira_calls"] == len(jira_sim.calls)
    assert report["jira_calls"] <= 16
    text = log_output.getvalue()
    assert jira_sim.credentials["cloud_api_token"] not in text
    entries = [json.loads(line) for line in text.splitlines()]
    assert any(
        entry.get("action") == "integration.test_connection" and entry["outcome"] == "ok" for entry in entries
    )


def test_unknown_integration_is_404(call_api: Call, aws: LocalResources) -> None:
    status, body = call_api("POST", "/integrations/missing/test-connection")
    assert status == 404
    assert body["error"]["code"] == "integration_not_found"
