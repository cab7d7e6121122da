"""Test connection in connect mode when the installation cannot sign for the integration."""

from __future__ import annotations

import time
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator
from tests.fixtures.api import Call
from tests.integration.connect.conftest import ConnectApp, Installed, connect_integration_body


def configure_and_test(call_api: Call, body: dict[str, Any]) -> dict[str, Any]:
    status, view = call_api("PUT", "/integrations/mob", body)
    assert status in (200, 201), view
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200, report
    return dict(report)


def auth_problem(report: dict[str, Any]) -> dict[str, Any]:
    assert report["ok"] is False
    problem = next(problem for problem in report["problems"] if problem["code"] == "auth_failed")
    return dict(problem)


def test_a_client_key_that_was_never_installed_is_auth_failed(
    connect_app: ConnectApp, call_api: Call, jira_sim: JiraSimulator
) -> None:
    report = configure_and_test(call_api, connect_integration_body(jira_sim, "jira:never-installed"))
    problem = auth_problem(report)
    assert "not installed" in problem["message"]
    assert [call for call in jira_sim.calls if not call["path"].startswith("/_sim")] == []


def test_an_installation_of_another_site_is_auth_failed(installed: Installed, call_api: Call) -> None:
    body = connect_integration_body(installed.app.sim, installed.client_key)
    body["jira"]["base_url"] = "http://127.0.0.1:9"  # not the installation's site
    problem = auth_problem(configure_and_test(call_api, body))
    assert installed.app.sim.base_url in problem["message"]


def test_after_an_uninstall_the_integration_can_no_longer_reach_jira(
    installed: Installed, call_api: Call
) -> None:
    body = connect_integration_body(installed.app.sim, installed.client_key)
    assert configure_and_test(call_api, body)["ok"] is True
    time.sleep(1.1)
    assert installed.app.sim.uninstall_app(installed.client_key).status == 200
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200
    auth_problem(report)
