"""How a sweep works a site: Data Center's search, the site's request budget, one sweep per site at a time,
a failed search that keeps the mark, and no record detached when Jira merely hides its issues."""

from __future__ import annotations

import io
import json
import time

import boto3

from aha_jira import wiring
from aha_jira.jira.rate_budget import jira_site_key
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.reconcile.conftest import Sweep, settle_for_repair, site_of
from tests.integration.webhooks.conftest import SECRET, Site, aha_feature, token_of


def _lost_transition(site: Site, key: str, status: str = "In Progress") -> None:
    site.sim.lose_webhooks(1.0)
    SimulatorClient(site.sim.base_url).engineer_transition(key, status)
    site.settle()
    site.sim.lose_webhooks(0.0)


def test_a_data_center_site_is_swept_with_its_search(
    call_api: Call, jira_sim_dc: JiraSimulator, gateway: LocalApiGateway, sweep: Sweep
) -> None:
    body = integration_body(jira_sim_dc)
    credentials = jira_sim_dc.credentials
    body["jira"]["auth"] = {
        "type": "basic",
        "username": credentials["dc_username"],
        "password": credentials["dc_password"],
    }
    body["webhook"] = {"secret": SECRET}
    status, view = call_api("PUT", "/integrations/mob", body)
    assert status == 201, view
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"] and report["jira"]["api_version"] == 2, report
    jira_sim_dc.configure_webhook(f"{gateway.url}/webhooks/jira/{token_of(view['webhook_url'])}", SECRET)
    site = Site(call_api=call_api, sim=jira_sim_dc, token=token_of(view["webhook_url"]), secret=SECRET)
    sent = site.send(aha_feature())
    key, requirement = sent["jira"]["key"], sent["requirements"][0]["jira"]["key"]
    _lost_transition(site, key)
    site.sim.lose_webhooks(1.0)
    SimulatorClient(site.sim.base_url).engineer_delete(requirement)
    site.settle()

    settle_for_repair()
    result = site_of(sweep())
    assert result["repaired"] == 2 and result["deleted"] == 1, result
    assert result["fetch_calls"] == 0  # Data Center: the search brings the fields itself
    feature = site.read("PROD-2")
    assert feature["jira"]["status"] == "In Progress" and feature["requirements"][0]["detached"] is True
    searched = [call for call in jira_sim_dc.calls if call["path"].endswith("/rest/api/2/search")]
    assert any("validateQuery" in (call.get("query") or "") for call in searched), searched


def test_the_sweep_calls_jira_within_the_sites_request_budget(
    site: Site, sweep: Sweep, aws: LocalResources
) -> None:
    sent = site.send(aha_feature())
    _lost_transition(site, sent["jira"]["key"])
    # Jira allows one read a second: the sweep's reads meet 429s, which the site's shared budget learns.
    site.sim.set_rate_limits(burst={"read": {"rate": 1, "capacity": 1}})
    settle_for_repair()
    result = site_of(sweep())
    assert result["repaired"] == 1, result
    assert site.sim.rate_limits()["counters"]["throttled"]["jira-burst-based"] >= 1
    budget = boto3.client("dynamodb").get_item(
        TableName=aws.table_name("RateBudgetTable"),
        Key={"pk": {"S": f"SITE#{jira_site_key(site.sim.base_url)}"}, "sk": {"S": "BUDGET"}},
    )["Item"]
    assert int(float(budget["throttled#jira-burst-based"]["N"])) >= 1
    assert "learned_rate" in budget


def test_one_sweep_works_a_site_at_a_time(site: Site, sweep: Sweep) -> None:
    sent = site.send(aha_feature())
    _lost_transition(site, sent["jira"]["key"])
    settle_for_repair()
    marks = wiring.webhook_health()
    held = marks.claim(site.sim.base_url, now=time.time(), lease_seconds=60)
    assert held is not None
    busy = site_of(sweep())
    assert busy["outcome"] == "busy" and busy["repaired"] == 0
    assert site.read("PROD-2")["jira"]["status"] is None
    marks.finish(held, swept_to=None, audit_after=None)
    assert site_of(sweep())["repaired"] == 1


def test_a_search_jira_fails_keeps_the_window_for_the_next_sweep(
    site: Site, sweep: Sweep, log_output: io.StringIO
) -> None:
    sent = site.send(aha_feature())
    assert site_of(sweep())["outcome"] == "swept"  # the site's mark
    _lost_transition(site, sent["jira"]["key"])
    settle_for_repair()
    site.sim.add_fault(method="POST", path=r"/search/jql$", status=503, times=None)
    failed = site_of(sweep())
    assert failed["outcome"] == "partial" and failed["repaired"] == 0, failed
    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    [failure] = [
        line for line in lines if line.get("action") == "reconcile.sweep" and line["outcome"] == "failed"
    ]
    assert failure["integration_id"] == "mob" and failure["error_code"] and failure["hint"]
    site.sim.clear_faults()
    assert site_of(sweep())["repaired"] == 1
    assert site.read("PROD-2")["jira"]["status"] == "In Progress"


def test_issues_jira_stops_showing_are_not_taken_for_deleted(
    site: Site, sweep: Sweep, log_output: io.StringIO
) -> None:
    for number in range(2, 5):
        site.send(aha_feature(f"PROD-{number}"))
    # The account loses sight of the project: every linked issue "does not exist", none is detached.
    site.sim.set_permissions(site.sim.bot_account_id, "MOB", revoked=["BROWSE_PROJECTS"])
    result = site_of(sweep())
    assert result["deleted"] == 0 and result["doubted"] == 6, result
    site.sim.set_permissions(site.sim.bot_account_id, "MOB", revoked=[])
    assert all(site.read(f"PROD-{number}")["detached"] is False for number in range(2, 5))
    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    assert [
        line["error_code"]
        for line in lines
        if line.get("action") == "reconcile.sweep" and line["outcome"] == "failed"
    ] == ["issues_unreadable"]


def test_a_few_issues_hidden_with_their_project_are_not_taken_for_deleted(site: Site, sweep: Sweep) -> None:
    site.send(aha_feature())  # two linked issues: too few for the share of missing ones to tell
    site.sim.set_permissions(site.sim.bot_account_id, "MOB", revoked=["BROWSE_PROJECTS"])
    result = site_of(sweep())
    assert result["deleted"] == 0 and result["doubted"] == 2, result
    site.sim.set_permissions(site.sim.bot_account_id, "MOB", revoked=[])
    assert site.read("PROD-2")["detached"] is False
