"""Connect webhooks: verified with the installation's shared secret (HS256, qsh, expiry, a known issuer),
then handled exactly like admin webhooks. Forgeries are refused before anything is recorded."""

from __future__ import annotations

import io
import json
import secrets
import time
from typing import Any

import boto3
import requests

from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.connect.conftest import Installed, connect_integration_body

PATH = "/connect/webhooks/jira:issue_updated"


def deliveries(aws: LocalResources) -> list[dict[str, Any]]:
    table = aws.table_name("WebhookDeliveriesTable")
    return list(boto3.client("dynamodb").scan(TableName=table).get("Items", []))


def event_body() -> dict[str, Any]:
    return {
        "webhookEvent": "jira:issue_updated",
        "timestamp": int(time.time() * 1000),
        "issue": {"id": "99999", "key": "MOB-999", "fields": {"status": {"id": "3", "name": "In Progress"}}},
        "changelog": {"id": "1", "items": []},
    }


def post(
    installed: Installed, token: str | None, body: dict[str, Any] | None = None, path: str = PATH
) -> requests.Response:
    headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": secrets.token_hex(8)}
    if token is not None:
        headers["Authorization"] = f"JWT {token}"
    return requests.post(
        f"{installed.app.url}{path}", data=json.dumps(body or event_body()), headers=headers, timeout=10
    )


def test_a_signed_connect_webhook_is_handled_like_an_admin_webhook(
    installed: Installed, aws: LocalResources
) -> None:
    answer = post(installed, installed.site_token("POST", PATH))
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "ignored"  # no roadmap record is linked to MOB-999
    assert len(deliveries(aws)) == 1


def test_forged_expired_or_mismatched_webhooks_are_401_and_not_recorded(
    installed: Installed, aws: LocalResources, log_output: io.StringIO
) -> None:
    now = int(time.time())
    cases = {
        "unsigned": None,
        "forged": installed.site_token("POST", PATH, secret="a-forger-does-not-know-the-shared-secret-0123"),
        "expired": installed.site_token("POST", PATH, iat=now - 3600, exp=now - 1800),
        "bad qsh": installed.site_token("POST", "/connect/webhooks/jira:issue_deleted"),
        "context qsh": installed.site_token("POST", PATH, qsh="context-qsh"),
        "unknown issuer": installed.site_token("POST", PATH, iss="jira:not-installed"),
        "garbage": "a.b.c",
    }
    for case, token in cases.items():
        answer = post(installed, token)
        assert answer.status_code == 401, (case, answer.text)
        assert installed.shared_secret not in answer.text
    assert deliveries(aws) == []
    assert installed.shared_secret not in log_output.getvalue()


def test_webhooks_of_an_uninstalled_site_are_refused(installed: Installed, aws: LocalResources) -> None:
    token = installed.site_token("POST", PATH)
    time.sleep(1.1)
    assert installed.app.sim.uninstall_app(installed.client_key).status == 200
    assert post(installed, token).status_code == 401
    assert deliveries(aws) == []


def test_a_reinstall_makes_the_old_shared_secret_useless(installed: Installed, aws: LocalResources) -> None:
    old = installed.site_token("POST", PATH)
    assert post(installed, old).status_code == 200  # caches the secret in the warm container
    time.sleep(1.1)
    rotated = installed.app.lifecycle(
        "installed",
        client_key=installed.client_key,
        shared_secret="the-new-shared-secret-after-reinstall-0123",
    )
    assert rotated.status_code == 200, rotated.text
    assert post(installed, installed.site_token("POST", PATH)).status_code == 401
    fresh = installed.site_token("POST", PATH, secret="the-new-shared-secret-after-reinstall-0123")
    assert post(installed, fresh).status_code == 200


def test_the_simulators_own_connect_webhooks_reach_the_app_and_apply(
    installed: Installed, call_api: Call, log_output: io.StringIO
) -> None:
    sim = installed.app.sim
    status, _ = call_api("PUT", "/integrations/mob", connect_integration_body(sim, installed.client_key))
    assert status == 201
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    feature = json.loads(
        (
            __import__("pathlib").Path(__file__).resolve().parents[3].parent
            / "shared/reference/aha-events/create_feature_event.json"
        ).read_text()
    )["feature"]
    feature["requirements"] = []
    status, sent = call_api(
        "POST", f"/integrations/mob/features/{feature['reference_num']}/send", {"feature": feature}
    )
    assert status == 200, sent
    SimulatorClient(sim.base_url).engineer_transition(sent["jira"]["key"], "Done")
    done = sim.wait_for_deliveries(len(sim.deliveries()), timeout=10)
    connect_deliveries = [d for d in done if d["target"] == "connect"]
    assert connect_deliveries and all(d["status"] == 200 for d in connect_deliveries), connect_deliveries
    _, read = call_api("GET", f"/integrations/mob/features/{feature['reference_num']}")
    assert read["status"] == "Shipped" and read["jira"]["status"] == "Done"
    assert installed.shared_secret not in log_output.getvalue()
