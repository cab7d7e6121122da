"""The control API through SimulatorClient, the fixtures and the command line."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

from .helpers import Api, story


def test_info_and_credentials(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    info = client.info()
    assert info["mode"] == "cloud"
    assert info["base_url"] == jira_sim.base_url
    assert info["openapi_loaded"] is True
    assert client.credentials == jira_sim.credentials
    assert set(jira_sim.credentials) >= {
        "cloud_email",
        "cloud_api_token",
        "dc_username",
        "dc_password",
        "dc_pat",
    }


def test_reset_restores_the_seed(jira_sim: JiraSimulator, webhook_receiver: object) -> None:
    client = SimulatorClient(jira_sim.base_url)
    api = Api(jira_sim)
    api.post("issue", json=story())
    api.post("version", json={"name": "9.9", "projectId": 10000})
    client.add_fault(path="/field", status=500)
    client.configure_webhook("http://127.0.0.1:9/x")
    client.reset()
    assert client.issues() == []
    assert client.faults() == []
    assert jira_sim.calls == []
    assert requests.get(f"{jira_sim.base_url}/_sim/webhook", timeout=5).json() == {"configured": False}
    assert [v["name"] for v in api.get("project/MOB/versions").json()] == ["1.0", "2.0"]
    assert api.post("issue", json=story()).json()["key"] == "MOB-1"


def test_engineer_actions(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    created = client.engineer_create(
        {"project": {"key": "MOB"}, "issuetype": {"name": "Bug"}, "summary": "By hand"}
    )
    issue = client.issue(created["key"])
    assert issue["fields"]["reporter"]["accountId"] == jira_sim.engineer_account_id
    assert issue["fields"]["creator"]["accountId"] == jira_sim.engineer_account_id
    client.engineer_transition(created["key"], "Done")
    client.engineer_edit(created["key"], {"summary": "Renamed"}, user="pm@acme.example")
    client.engineer_worklog(created["key"], 600)
    issue = client.issue(created["key"])
    assert issue["fields"]["status"]["name"] == "Done"
    assert issue["fields"]["summary"] == "Renamed"
    authors = [h["author"]["accountId"] for h in issue["changelog"]["histories"]]
    assert authors[-1] != jira_sim.engineer_account_id
    with pytest.raises(RuntimeError):
        client.engineer_transition(created["key"], "No Such Status")
    client.engineer_delete(created["key"])
    assert client.issues() == []


def test_engineer_transition_follows_the_workflow(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    created = client.engineer_create(
        {
            "project": {"key": "REQ"},
            "issuetype": {"name": "Task"},
            "summary": "x",
            "customfield_10300": {"id": "10400"},
            "customfield_10301": 1,
        }
    )
    with pytest.raises(RuntimeError):
        client.engineer_transition(created["key"], "Done")  # Backlog -> Done is not a transition in REQ
    for status in ("In Progress", "In Review", "Done"):
        assert client.engineer_transition(created["key"], status)["status"] == status


def test_control_api_is_not_in_the_call_log(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    client.info()
    client.issues()
    assert client.calls() == []


def test_unknown_control_endpoint(jira_sim: JiraSimulator) -> None:
    assert requests.get(f"{jira_sim.base_url}/_sim/nope", timeout=5).status_code == 404


def test_context_manager_and_datacenter_info() -> None:
    with JiraSimulator(mode="datacenter") as sim:
        info = SimulatorClient(sim.base_url).info()
        assert info["mode"] == "datacenter"
        assert info["api_version"] == 2
    with pytest.raises(RuntimeError):
        _ = sim.base_url


def test_invalid_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        JiraSimulator(mode="server")


def test_command_line_runs_the_simulator() -> None:
    with JiraSimulator() as probe:  # find a free port the CLI can bind
        port = probe.port
    proc = subprocess.Popen(
        [sys.executable, "-m", "aha_jira_dev.jira_sim", "--port", str(port), "--mode", "datacenter"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/rest/api/2/serverInfo", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        assert resp.json()["deploymentType"] == "Server"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
