"""Admin webhooks: payload shapes, signature, retries, redelivery, users, ordering."""

from __future__ import annotations

import json

import jwt
import pytest

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.jira_sim.auth import hub_signature, query_string_hash
from tests.fixtures.jira import WebhookReceiver

from .helpers import Api, reference, story

SECRET = "It's a Secret to Everybody"


def test_issue_created_webhook_with_signature(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    jira_sim.configure_webhook(webhook_receiver.url, SECRET)
    created = Api(jira_sim).post("issue", json=story("hooked", labels=["x"]))
    assert created.status_code == 201
    (received,) = webhook_receiver.wait_for(1)
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-Hub-Signature"] == hub_signature(SECRET, received.body)
    assert received.headers["X-Atlassian-Webhook-Retry"] == "0"
    identifier = received.headers["X-Atlassian-Webhook-Identifier"]
    payload = received.json()
    ref = reference("jira-webhooks/webhook-issue-created.json")
    assert set(ref) <= set(payload)
    assert payload["webhookEvent"] == "jira:issue_created"
    assert payload["issue_event_type_name"] == "issue_created"
    assert payload["user"]["accountId"] == jira_sim.bot_account_id
    assert payload["issue"]["key"] == created.json()["key"]
    assert payload["issue"]["self"].endswith("/rest/api/2/issue/" + created.json()["id"])
    assert set(ref["issue"]["fields"]) & set(payload["issue"]["fields"]) >= {
        "summary",
        "status",
        "labels",
        "project",
    }
    assert isinstance(payload["timestamp"], int)
    deliveries = jira_sim.wait_for_deliveries(1)
    assert deliveries[0]["identifier"] == identifier
    assert deliveries[0]["status"] == 200
    assert deliveries[0]["delivered"] is True


def test_no_signature_without_secret(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    jira_sim.configure_webhook(webhook_receiver.url)
    Api(jira_sim).post("issue", json=story())
    (received,) = webhook_receiver.wait_for(1)
    assert "X-Hub-Signature" not in received.headers


def test_engineer_transition_fires_status_changelog(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    client = SimulatorClient(jira_sim.base_url)
    key = Api(jira_sim).post("issue", json=story()).json()["key"]
    client.configure_webhook(webhook_receiver.url, SECRET)
    result = client.engineer_transition(key, "In Progress")
    assert result["status"] == "In Progress"
    (received,) = webhook_receiver.wait_for(1)
    payload = received.json()
    ref = reference("jira-webhooks/webhook-issue-updated-started-working.json")
    assert set(ref) <= set(payload)
    assert payload["webhookEvent"] == "jira:issue_updated"
    assert payload["user"]["accountId"] == jira_sim.engineer_account_id
    (item,) = [i for i in payload["changelog"]["items"] if i["field"] == "status"]
    assert set(ref["changelog"]["items"][0]) <= set(item) | {"tmpFromAccountId", "tmpToAccountId"}
    assert (item["from"], item["fromString"], item["to"], item["toString"]) == (
        "10000",
        "To Do",
        "3",
        "In Progress",
    )
    assert payload["issue"]["fields"]["status"]["name"] == "In Progress"


def test_engineer_edit_and_delete(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    client = SimulatorClient(jira_sim.base_url)
    key = Api(jira_sim).post("issue", json=story("old")).json()["key"]
    client.configure_webhook(webhook_receiver.url)
    client.engineer_edit(key, {"summary": "new"}, {"labels": [{"add": "eng"}]})
    client.engineer_delete(key)
    first, second = webhook_receiver.wait_for(2)
    edit = first.json()
    items = {i["field"]: i for i in edit["changelog"]["items"]}
    assert (items["summary"]["fromString"], items["summary"]["toString"]) == ("old", "new")
    assert items["labels"]["toString"] == "eng"
    deleted = second.json()
    assert deleted["webhookEvent"] == "jira:issue_deleted"
    assert deleted["issue"]["key"] == key
    assert deleted["user"]["accountId"] == jira_sim.engineer_account_id
    assert client.issues("MOB") == []


def test_worklog_events_carry_issue_id_and_no_issue(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    created = Api(jira_sim).post("issue", json=story(timetracking={"originalEstimate": "2h"})).json()
    jira_sim.configure_webhook(webhook_receiver.url)
    SimulatorClient(jira_sim.base_url).engineer_worklog(created["key"], 1800)
    (received,) = webhook_receiver.wait_for(1)
    payload = received.json()
    assert payload["webhookEvent"] == "worklog_created"
    assert "issue" not in payload
    assert payload["worklog"]["issueId"] == created["id"]
    assert payload["worklog"]["timeSpentSeconds"] == 1800
    tracking = Api(jira_sim).get(f"issue/{created['key']}").json()["fields"]["timetracking"]
    assert tracking["timeSpentSeconds"] == 1800
    assert tracking["remainingEstimateSeconds"] == 5400


def test_retries_keep_the_identifier(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.statuses = [503, 429]
    jira_sim.configure_webhook(webhook_receiver.url, retry_delays=(0.01, 0.01, 0.01))
    Api(jira_sim).post("issue", json=story())
    received = webhook_receiver.wait_for(3)
    assert len({r.headers["X-Atlassian-Webhook-Identifier"] for r in received}) == 1
    assert [r.headers["X-Atlassian-Webhook-Retry"] for r in received] == ["0", "1", "2"]
    (delivery,) = jira_sim.wait_for_deliveries(1)
    assert [a["status"] for a in delivery["attempts"]] == [503, 429, 200]
    assert delivery["delivered"] is True


def test_retries_are_bounded(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.statuses = [500] * 10
    jira_sim.configure_webhook(webhook_receiver.url, retry_delays=(0.01, 0.01))
    Api(jira_sim).post("issue", json=story())
    (delivery,) = jira_sim.wait_for_deliveries(1)
    assert len(delivery["attempts"]) == 3
    assert delivery["delivered"] is False
    assert len(webhook_receiver.requests) == 3


def test_client_errors_are_not_retried(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.statuses = [401]
    jira_sim.configure_webhook(webhook_receiver.url, retry_delays=(0.01,))
    Api(jira_sim).post("issue", json=story())
    (delivery,) = jira_sim.wait_for_deliveries(1)
    assert [a["status"] for a in delivery["attempts"]] == [401]


def test_redelivery_keeps_identifier_and_increments_retry(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    client = SimulatorClient(jira_sim.base_url)
    client.configure_webhook(webhook_receiver.url, SECRET)
    Api(jira_sim).post("issue", json=story())
    (first,) = client.wait_for_deliveries(1)
    client.redeliver(first["identifier"])
    original, again = webhook_receiver.wait_for(2)
    assert (
        again.headers["X-Atlassian-Webhook-Identifier"] == original.headers["X-Atlassian-Webhook-Identifier"]
    )
    assert again.headers["X-Atlassian-Webhook-Retry"] == "1"
    assert again.body == original.body
    assert again.headers["X-Hub-Signature"] == original.headers["X-Hub-Signature"]


def test_events_arrive_in_order(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    client = SimulatorClient(jira_sim.base_url)
    jira_sim.configure_webhook(webhook_receiver.url)
    key = Api(jira_sim).post("issue", json=story()).json()["key"]
    for status in ("In Progress", "Done", "To Do"):
        client.engineer_transition(key, status)
    received = webhook_receiver.wait_for(4)
    events = [r.json() for r in received]
    assert events[0]["webhookEvent"] == "jira:issue_created"
    statuses = [
        next(i["toString"] for i in e["changelog"]["items"] if i["field"] == "status") for e in events[1:]
    ]
    assert statuses == ["In Progress", "Done", "To Do"]


def test_event_filter(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    client = SimulatorClient(jira_sim.base_url)
    client.configure_webhook(webhook_receiver.url, events=["jira:issue_updated"])
    key = Api(jira_sim).post("issue", json=story()).json()["key"]
    client.engineer_transition(key, "Done")
    (received,) = webhook_receiver.wait_for(1)
    assert received.json()["webhookEvent"] == "jira:issue_updated"
    assert len(client.wait_for_deliveries(1)) == 1


def test_unreachable_receiver_is_recorded(jira_sim: JiraSimulator) -> None:
    jira_sim.configure_webhook("http://127.0.0.1:9/unreachable", retry_delays=(0.01,))
    Api(jira_sim).post("issue", json=story())
    (delivery,) = jira_sim.wait_for_deliveries(1, timeout=10)
    assert delivery["status"] is None
    assert delivery["attempts"][0]["error"]
    assert delivery["delivered"] is False


def test_datacenter_webhook_user_has_name(
    jira_sim_dc: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    jira_sim_dc.configure_webhook(webhook_receiver.url)
    Api(jira_sim_dc, version=2).post("issue", json=story(description="wiki *text*"))
    (received,) = webhook_receiver.wait_for(1)
    payload = received.json()
    assert payload["user"]["name"] == "aha-bot"
    assert "accountId" not in payload["user"]
    assert payload["issue"]["fields"]["description"] == "wiki *text*"


@pytest.mark.parametrize("field", ["summary", "status", "issuetype", "project"])
def test_webhook_issue_fields_shaped_like_reference(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver, field: str
) -> None:
    jira_sim.configure_webhook(webhook_receiver.url)
    Api(jira_sim).post("issue", json=story())
    (received,) = webhook_receiver.wait_for(1)
    ours = received.json()["issue"]["fields"][field]
    theirs = reference("jira-webhooks/webhook-cloud-issue-updated-custom-field.json")["issue"]["fields"][
        field
    ]
    if isinstance(theirs, dict):
        assert set(theirs) - {"entityId", "scope"} <= set(ours) | {"avatarId"}, json.dumps(ours)
    else:
        assert type(ours) is type(theirs)


def test_connect_webhooks_are_jwt_signed(jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver) -> None:
    app_base = webhook_receiver.url.rsplit("/webhooks/", 1)[0]
    secret = "connect-shared-secret-for-the-webhook-test-0123"
    jira_sim.register_connect_installation("jira:site-9", secret, app_base_url=app_base)
    key = Api(jira_sim).post("issue", json=story()).json()["key"]
    (received,) = webhook_receiver.wait_for(1)
    assert received.path == "/connect/webhooks/jira:issue_created"
    assert "X-Hub-Signature" not in received.headers
    scheme, token = received.headers["Authorization"].split(" ", 1)
    assert scheme == "JWT"
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims["iss"] == "jira:site-9"
    assert claims["qsh"] == query_string_hash("POST", "/connect/webhooks/jira:issue_created", "")
    assert received.json()["issue"]["key"] == key
    (delivery,) = jira_sim.wait_for_deliveries(1)
    assert delivery["target"] == "connect"
