"""Lost webhooks: a seeded share of deliveries is dropped and recorded (so a self-healing test can check that
every change still arrived), and ``GET /rest/api/3/webhook/failed`` lists the deliveries that ran out of
retries, for the Connect app they were for."""

from __future__ import annotations

import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.fixtures.jira import WebhookReceiver

from .helpers import Api, assert_matches_openapi, connect_token, story

APP_SECRET = "a-connect-shared-secret-for-the-failed-webhook-tests"


def create_issues(sim: JiraSimulator, count: int) -> list[str]:
    api = Api(sim)
    return [api.post("issue", json=story(f"S{n}")).json()["key"] for n in range(count)]


def dropped_keys(sim: JiraSimulator) -> list[str]:
    return [d["issue_key"] for d in sim.dropped_webhooks()]


def test_a_share_of_deliveries_is_dropped_and_recorded(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    jira_sim.configure_webhook(webhook_receiver.url)
    jira_sim.lose_webhooks(0.4, seed=11)
    keys = create_issues(jira_sim, 30)
    dropped = jira_sim.dropped_webhooks()
    assert 0 < len(dropped) < 30
    delivered = jira_sim.wait_for_deliveries(30 - len(dropped))
    assert len(delivered) == 30 - len(dropped)
    received = webhook_receiver.wait_for(30 - len(dropped))
    arrived = {r.json()["issue"]["key"] for r in received}
    lost = set(dropped_keys(jira_sim))
    assert arrived | lost == set(keys) and not arrived & lost  # every change either arrived or is listed
    first = dropped[0]
    assert first["event"] == "jira:issue_created"
    assert first["target"] == "admin"
    assert first["payload"]["issue"]["key"] == first["issue_key"]
    assert first["identifier"] not in {r.headers["X-Atlassian-Webhook-Identifier"] for r in received}


def test_the_same_seed_drops_the_same_deliveries(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    runs = []
    for _ in range(2):
        jira_sim.reset()
        jira_sim.configure_webhook(webhook_receiver.url)
        jira_sim.lose_webhooks(0.5, seed=3)
        create_issues(jira_sim, 20)
        runs.append(dropped_keys(jira_sim))
    assert runs[0] == runs[1]
    assert runs[0]


def test_loss_can_target_some_events_and_be_switched_off(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    client = SimulatorClient(jira_sim.base_url)
    client.configure_webhook(webhook_receiver.url)
    client.lose_webhooks(1.0, events=["jira:issue_updated"])
    (key,) = create_issues(jira_sim, 1)
    client.engineer_transition(key, "Done")
    assert [d["event"] for d in client.dropped_webhooks()] == ["jira:issue_updated"]
    assert [r.json()["webhookEvent"] for r in webhook_receiver.wait_for(1)] == ["jira:issue_created"]
    client.stop_losing_webhooks()
    client.engineer_transition(key, "To Do")
    assert webhook_receiver.wait_for(2)[1].json()["webhookEvent"] == "jira:issue_updated"
    assert (
        requests.put(f"{jira_sim.base_url}/_sim/webhook/loss", json={"share": 2}, timeout=5).status_code
        == 400
    )


def test_reset_stops_the_loss(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    jira_sim.lose_webhooks(1.0)
    jira_sim.reset()
    jira_sim.configure_webhook(webhook_receiver.url)
    create_issues(jira_sim, 2)
    assert len(webhook_receiver.wait_for(2)) == 2
    assert jira_sim.dropped_webhooks() == []


def app_get(sim: JiraSimulator, path: str, query: str = "") -> requests.Response:
    token = connect_token(APP_SECRET, "GET", path, query, iss="jira:failing-app")
    url = f"{sim.base_url}{path}" + (f"?{query}" if query else "")
    return requests.get(url, headers={"Authorization": f"JWT {token}"}, timeout=5)


def test_failed_webhooks_lists_what_ran_out_of_retries(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    app_base = webhook_receiver.url.rsplit("/webhooks/", 1)[0]
    jira_sim.register_connect_installation("jira:failing-app", APP_SECRET, app_base_url=app_base)
    jira_sim.configure_webhook(webhook_receiver.url, retry_delays=(0.01, 0.01))
    assert app_get(jira_sim, "/rest/api/3/webhook/failed").json()["values"] == []
    # one worker delivers in order: the admin webhook first, then the app's (each with two retries)
    webhook_receiver.statuses = [200, 500, 500, 500]
    (key,) = create_issues(jira_sim, 1)
    deliveries = jira_sim.wait_for_deliveries(2, timeout=10)
    (failed,) = [d for d in deliveries if not d["delivered"]]
    assert (failed["target"], len(failed["attempts"])) == ("connect", 3)
    resp = app_get(jira_sim, "/rest/api/3/webhook/failed")
    assert resp.status_code == 200
    assert_matches_openapi(resp)
    (failure,) = resp.json()["values"]
    assert failure["id"] == failed["identifier"]
    assert failure["url"].endswith("/connect/webhooks/jira:issue_created")
    assert key in failure["body"]
    assert failure["failureTime"] == int(failed["attempts"][-1]["at"] * 1000)
    assert resp.json()["next"].endswith(f"failedAfter={failure['failureTime']}&maxResults=100")
    later = app_get(jira_sim, "/rest/api/3/webhook/failed", f"after={failure['failureTime']}")
    assert later.json()["values"] == []
    webhook_receiver.statuses = [500, 500, 500, 200]  # now the admin webhook runs out of retries
    create_issues(jira_sim, 1)
    jira_sim.wait_for_deliveries(4, timeout=10)
    assert len(app_get(jira_sim, "/rest/api/3/webhook/failed").json()["values"]) == 1  # the app's only
    (admin,) = SimulatorClient(jira_sim.base_url).failed_webhooks()
    assert admin["url"] == webhook_receiver.url


def test_failed_webhooks_is_for_apps_only(jira_sim: JiraSimulator) -> None:
    resp = Api(jira_sim).get("webhook/failed")
    assert resp.status_code == 403
    assert_matches_openapi(resp)
