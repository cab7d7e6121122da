"""Test connection, send and a status change coming back behave the same whether the integration signs its
Jira calls with an API token (basic) or as the installed Connect app (HS256 JWT with qsh): the same tests,
run in both modes against the simulator (which checks each call's credentials)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.connect.conftest import ConnectApp, connect_integration_body

AHA_EVENTS = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-events"
WEBHOOK_SECRET = "admin-webhook-secret-for-both-modes-0123"


@dataclass
class Mode:
    name: str
    sim: JiraSimulator
    call_api: Call
    account_id: str  # whose name the integration's writes carry in Jira

    def feature(self) -> dict[str, Any]:
        event = json.loads((AHA_EVENTS / "create_feature_event.json").read_text())
        return copy.deepcopy(event["feature"])

    def jira_auth_kinds(self, since: int) -> set[str]:
        return {call["auth"] for call in self.sim.calls[since:] if not call["path"].startswith("/_sim")}

    def settle(self) -> list[dict[str, Any]]:
        return self.sim.wait_for_deliveries(len(self.sim.deliveries()), timeout=10)


@pytest.fixture(params=["basic", "connect"])
def mode(request: pytest.FixtureRequest, connect_app: ConnectApp, call_api: Call) -> Mode:
    sim = connect_app.sim
    if request.param == "basic":
        body = integration_body(sim)
        body["webhook"] = {"secret": WEBHOOK_SECRET}
        status, view = call_api("PUT", "/integrations/mob", body)
        assert status == 201, view
        token = view["webhook_url"].rsplit("/", 1)[-1]
        sim.configure_webhook(f"{connect_app.url}/webhooks/jira/{token}", WEBHOOK_SECRET)
        return Mode("basic", sim, call_api, sim.bot_account_id)
    installed = sim.install_app(connect_app.descriptor_url)
    assert installed.status == 200, installed.body
    status, view = call_api("PUT", "/integrations/mob", connect_integration_body(sim, installed.client_key))
    assert status == 201, view
    assert view["jira"]["auth"] == {
        "type": "connect",
        "email": None,
        "username": None,
        "client_key": installed.client_key,
        "credentials_stored": True,
    }
    app_user = next(user for user in sim.core.store.users.values() if user.account_type == "app")
    return Mode("connect", sim, call_api, app_user.account_id)


def test_test_connection_loads_the_site(mode: Mode) -> None:
    before = len(mode.sim.calls)
    status, report = mode.call_api("POST", "/integrations/mob/test-connection")
    assert status == 200
    assert report["ok"] is True, report["problems"]
    assert report["jira"]["deployment"] == "cloud" and report["jira"]["api_version"] == 3
    assert report["jira"]["account_id"] == mode.account_id
    assert report["jira"]["project"]["key"] == "MOB"
    assert mode.jira_auth_kinds(before) == {"jwt" if mode.name == "connect" else "basic"}


def test_send_creates_the_issues_and_a_resend_writes_nothing(mode: Mode) -> None:
    status, report = mode.call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    feature = mode.feature()
    before = len(mode.sim.calls)
    status, body = mode.call_api(
        "POST", f"/integrations/mob/features/{feature['reference_num']}/send", {"feature": feature}
    )
    assert status == 200, body
    assert body["status"] == "synced"
    assert body["jira"]["url"] == f"{mode.sim.base_url}/browse/{body['jira']['key']}"
    assert len(body["requirements"]) == len(feature["requirements"])
    assert mode.jira_auth_kinds(before) == {"jwt" if mode.name == "connect" else "basic"}
    issue = SimulatorClient(mode.sim.base_url).issue(body["jira"]["key"])
    assert issue["fields"]["creator"]["accountId"] == mode.account_id

    again = len(mode.sim.calls)
    status, second = mode.call_api(
        "POST", f"/integrations/mob/features/{feature['reference_num']}/send", {"feature": feature}
    )
    assert status == 200 and second["unchanged"], second
    assert [c for c in mode.sim.calls[again:] if c["method"] != "GET"] == []


def test_a_status_change_in_jira_comes_back(mode: Mode) -> None:
    status, report = mode.call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    feature = mode.feature()
    status, sent = mode.call_api(
        "POST", f"/integrations/mob/features/{feature['reference_num']}/send", {"feature": feature}
    )
    assert status == 200, sent
    mode.settle()
    SimulatorClient(mode.sim.base_url).engineer_transition(sent["jira"]["key"], "In Progress")
    deliveries = mode.settle()
    target = "connect" if mode.name == "connect" else "admin"
    ours = [delivery for delivery in deliveries if delivery["target"] == target]
    assert ours and all(delivery["status"] == 200 for delivery in ours), ours
    status, read = mode.call_api("GET", f"/integrations/mob/features/{feature['reference_num']}")
    assert status == 200
    assert read["status"] == "In development"
    assert read["jira"]["status"] == "In Progress"
