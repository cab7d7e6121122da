"""Status changes made in Jira come back onto the roadmap records, through the real webhook handler."""

from __future__ import annotations

import io
import json
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from tests.builders import DEFAULT_STATUSES
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import Site, aha_feature, configure_site


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_an_engineer_transition_sets_the_mapped_roadmap_status(site: Site) -> None:
    sent = site.send(aha_feature())
    key = sent["jira"]["key"]
    requirement_key = sent["requirements"][0]["jira"]["key"]
    engineer = SimulatorClient(site.sim.base_url)

    engineer.engineer_transition(key, "In Progress")
    engineer.engineer_transition(requirement_key, "Done")
    deliveries = site.settle()

    assert all(delivery["status"] == 200 for delivery in deliveries), deliveries
    feature = site.read("PROD-2")
    assert feature["status"] == "In development"
    assert feature["jira"]["status"] == "In Progress"
    assert feature["jira"]["resolution"] is None
    assert feature["jira"]["updated_at"]
    requirement = feature["requirements"][0]
    assert requirement["status"] == "Shipped"
    assert requirement["jira"]["status"] == "Done"
    assert requirement["jira"]["resolution"] == "Done"


def test_resolution_is_kept_and_cleared_when_the_issue_is_reopened(site: Site) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    engineer = SimulatorClient(site.sim.base_url)
    engineer.engineer_transition(key, "Done")
    site.settle()
    assert site.read("PROD-2")["jira"]["resolution"] == "Done"
    engineer.engineer_transition(key, "In Progress")
    site.settle()
    feature = site.read("PROD-2")
    assert feature["jira"]["resolution"] is None
    assert feature["status"] == "In development"


def test_an_unmapped_status_keeps_the_raw_jira_status_and_logs_a_warning(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway, log_output: io.StringIO
) -> None:
    statuses = {name: value for name, value in DEFAULT_STATUSES.items() if name != "Done"}
    site = configure_site(call_api, jira_sim, gateway, statuses=statuses)
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    engineer = SimulatorClient(jira_sim.base_url)
    engineer.engineer_transition(key, "In Progress")
    engineer.engineer_transition(key, "Done")
    site.settle()

    feature = site.read("PROD-2")
    assert feature["jira"]["status"] == "Done"
    assert feature["status"] == "In development"  # the last mapped status stays
    warnings = [
        line
        for line in log_lines(log_output)
        if line.get("action") == "jira.webhook" and line.get("level") == "WARNING"
    ]
    assert len(warnings) == 1
    assert warnings[0]["reference"] == "PROD-2" and warnings[0]["jira_issue_status"] == "Done"
    assert "not mapped" in warnings[0]["message"] and warnings[0]["hint"]


def test_statuses_map_by_id_or_name_case_insensitively(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway
) -> None:
    # "3" is the simulator's id of In Progress; "DONE" differs from "Done" only in case.
    site = configure_site(call_api, jira_sim, gateway, statuses={"3": "Building", "DONE": "Released"})
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    engineer = SimulatorClient(jira_sim.base_url)
    engineer.engineer_transition(key, "In Progress")
    site.settle()
    assert site.read("PROD-2")["status"] == "Building"
    engineer.engineer_transition(key, "Done")
    site.settle()
    assert site.read("PROD-2")["status"] == "Released"


def test_data_center_deliveries_are_applied(
    call_api: Call, jira_sim_dc: JiraSimulator, gateway: LocalApiGateway
) -> None:
    """Data Center: REST v2, users by name and key (no account id), changelog items without fieldId."""
    credentials = jira_sim_dc.credentials
    body = {
        "name": "Mobile app (Data Center)",
        "product": "MOB",
        "jira": {
            "base_url": jira_sim_dc.base_url,
            "auth": {"type": "bearer", "token": credentials["dc_pat"]},
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": dict(DEFAULT_STATUSES),
        },
        "webhook": {"secret": "dc-webhook-secret-0123456789"},
    }
    status, view = call_api("PUT", "/integrations/dc", body)
    assert status == 201, view
    status, report = call_api("POST", "/integrations/dc/test-connection")
    assert status == 200 and report["ok"], report
    token = view["webhook_url"].rsplit("/", 1)[-1]
    jira_sim_dc.configure_webhook(f"{gateway.url}/webhooks/jira/{token}", "dc-webhook-secret-0123456789")
    site = Site(call_api=call_api, sim=jira_sim_dc, token=token, secret="dc-webhook-secret-0123456789")

    key = site.send(aha_feature(requirements=False), integration="dc")["jira"]["key"]
    SimulatorClient(jira_sim_dc.base_url).engineer_transition(key, "Done")
    deliveries = site.settle()
    assert all(delivery["status"] == 200 for delivery in deliveries)
    feature = site.read("PROD-2", integration="dc")
    assert feature["status"] == "Shipped" and feature["jira"]["status"] == "Done"
