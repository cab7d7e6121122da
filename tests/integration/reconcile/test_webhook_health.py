"""`webhook.health` on the integration (the site's last delivery, the repairs of the last day) and test
connection's `webhook_silent` warning."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import boto3
import pytest

from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.reconcile.conftest import Sweep, settle_for_repair, site_of
from tests.integration.webhooks.conftest import Site, aha_feature

HEALTH_SK = "SITE"


def _health_item(aws: LocalResources, site_url: str) -> dict[str, Any]:
    answer = boto3.client("dynamodb").get_item(
        TableName=aws.table_name("IntegrationsTable"),
        Key={"pk": {"S": f"WEBHOOK_HEALTH#{site_url}"}, "sk": {"S": HEALTH_SK}},
        ConsistentRead=True,
    )
    return dict(answer.get("Item") or {})


def _seed_health(aws: LocalResources, site_url: str, **seconds_ago: float) -> None:
    """The site's stored health as if the webhook and the reconcile had seen these moments."""
    now = time.time()
    item: dict[str, Any] = {"pk": {"S": f"WEBHOOK_HEALTH#{site_url}"}, "sk": {"S": HEALTH_SK}}
    for name, ago in seconds_ago.items():
        item[name] = {"N": f"{now - ago:.3f}"}
    boto3.client("dynamodb").put_item(TableName=aws.table_name("IntegrationsTable"), Item=item)


def test_the_integration_shows_the_sites_last_delivery_and_the_repairs_of_the_day(
    site: Site, sweep: Sweep, call_api: Call
) -> None:
    status, view = call_api("GET", "/integrations/mob")
    assert status == 200 and view["webhook"]["health"] == {"last_delivery_at": None, "missed_last_24h": 0}
    before = time.time()
    sent = site.send(aha_feature())  # Jira's deliveries of the issues it created reach the webhook
    health = call_api("GET", "/integrations/mob")[1]["webhook"]["health"]
    assert datetime.fromisoformat(health["last_delivery_at"]).timestamp() >= int(before)

    site.sim.lose_webhooks(1.0)
    client = SimulatorClient(site.sim.base_url)
    client.engineer_transition(sent["jira"]["key"], "In Progress")
    client.engineer_edit(sent["requirements"][0]["jira"]["key"], {"summary": "Renamed in Jira"})
    site.settle()
    settle_for_repair()
    assert site_of(sweep())["repaired"] == 2
    assert call_api("GET", "/integrations/mob")[1]["webhook"]["health"]["missed_last_24h"] == 2
    [listed] = call_api("GET", "/integrations")[1]["integrations"]
    assert listed["webhook"]["health"]["missed_last_24h"] == 2

    # The counts are the integration's own: another integration on the site has none.
    site.add_integration("web", product="WEB")
    status, other = call_api("GET", "/integrations/web")
    assert other["webhook"]["health"]["missed_last_24h"] == 0
    assert other["webhook"]["health"]["last_delivery_at"] == health["last_delivery_at"]


def test_the_webhook_notes_a_sites_delivery_at_most_once_a_minute(site: Site, aws: LocalResources) -> None:
    updates: list[str] = []

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "UpdateItem" and params["Key"]["pk"]["S"].startswith("WEBHOOK_HEALTH#"):
            updates.append(params["Key"]["pk"]["S"])

    client = aws_clients.dynamodb()
    client.meta.events.register("provide-client-params.dynamodb.UpdateItem", count, unique_id="health")
    try:
        sent = site.send(aha_feature())  # two deliveries (the issues created)
        SimulatorClient(site.sim.base_url).engineer_transition(sent["jira"]["key"], "In Progress")
        site.settle()
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.UpdateItem", unique_id="health")
    assert len(site.sim.deliveries()) == 3
    assert updates == [f"WEBHOOK_HEALTH#{site.sim.base_url}"]
    assert "last_delivery_at" in _health_item(aws, site.sim.base_url)


def test_a_put_answer_shows_the_health_too(site: Site, call_api: Call) -> None:
    site.send(aha_feature())
    status, view = call_api("PUT", "/integrations/mob", integration_body(site.sim))
    assert (
        status == 200
        and view["webhook"]["health"] == call_api("GET", "/integrations/mob")[1]["webhook"]["health"]
    )
    assert view["webhook"]["health"]["last_delivery_at"] is not None


def test_the_sweep_notes_linked_changes_once_it_has_a_mark(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway, sweep: Sweep, aws: LocalResources
) -> None:
    # An integration whose webhook was never registered in Jira.
    status, _ = call_api("PUT", "/integrations/mob", integration_body(jira_sim))
    assert status == 201
    assert call_api("POST", "/integrations/mob/test-connection")[1]["ok"]
    assert site_of(sweep())["outcome"] == "swept"  # the site's first mark: what came before is no news
    status, sent = call_api(
        "POST", "/integrations/mob/features/PROD-2/send", {"feature": aha_feature(requirements=False)}
    )
    assert status == 200, sent
    issue = jira_sim.core.store.issue(sent["jira"]["key"])
    assert jira_sim.deliveries() == []
    result = site_of(sweep())
    assert result["linked_changed"] == 1 and result["repaired"] == 0, result
    item = _health_item(aws, jira_sim.base_url)
    assert "last_delivery_at" not in item
    assert float(item["last_linked_change_at"]["N"]) == pytest.approx(issue.updated.timestamp(), abs=0.002)


@pytest.fixture
def tested(call_api: Call, jira_sim: JiraSimulator) -> Call:
    status, _ = call_api("PUT", "/integrations/mob", integration_body(jira_sim))
    assert status == 201

    def test_connection(*_: Any) -> Any:
        status, report = call_api("POST", "/integrations/mob/test-connection")
        assert status == 200, report
        return report

    return test_connection


def _silent(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [problem for problem in report["problems"] if problem["code"] == "webhook_silent"]


def test_test_connection_warns_when_linked_issues_changed_and_no_delivery_ever_came(
    tested: Call, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    assert _silent(tested()) == []
    _seed_health(aws, jira_sim.base_url, last_linked_change_at=600)
    report = tested()
    [warning] = _silent(report)
    assert report["ok"] is True and warning["severity"] == "warning"
    assert "Register the webhook" in warning["hint"] and "webhook_url" in warning["hint"]
    assert warning["context"]["last_delivery_at"] is None and warning["context"]["silent_minutes"] == 15


def test_test_connection_warns_when_the_webhook_fell_silent_after_linked_changes(
    tested: Call, jira_sim: JiraSimulator, aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_health(aws, jira_sim.base_url, last_delivery_at=20 * 60, last_linked_change_at=10 * 60)
    [warning] = _silent(tested())
    assert "has not reached this API for 20 minutes" in warning["message"]
    monkeypatch.setenv("WEBHOOK_SILENT_MINUTES", "30")
    assert _silent(tested()) == []


@pytest.mark.parametrize(
    "seen",
    [
        {"last_delivery_at": 60, "last_linked_change_at": 600},  # a delivery a minute ago
        {"last_delivery_at": 20 * 60, "last_linked_change_at": 30 * 60},  # delivered after the change
        {"last_delivery_at": 20 * 60, "last_linked_change_at": 30},  # the change's delivery may be on its way
        {"last_delivery_at": 20 * 60},  # nothing changed in Jira
    ],
)
def test_test_connection_does_not_warn_while_the_webhook_keeps_up(
    tested: Call, jira_sim: JiraSimulator, aws: LocalResources, seen: dict[str, float]
) -> None:
    _seed_health(aws, jira_sim.base_url, **seen)
    assert _silent(tested()) == []
