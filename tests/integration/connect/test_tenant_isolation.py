"""A Connect installation reaches only its own tenant: an `installed` callback cannot take over a Jira site that
another clientKey holds (409 `connect_site_taken`, nothing written), and a Connect webhook signed with one
installation's shared secret changes only the records of the integrations that chose that installation
(`jira.auth.client_key`): not another site's, and not an API-token integration's on the same site."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import boto3
import requests

from aha_jira.jira.connect_jwt import query_string_hash
from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.connect.conftest import (
    ConnectApp,
    Installed,
    connect_integration_body,
    installation_item,
    stored_shared_secret,
)
from tests.integration.webhooks.conftest import aha_feature

WEBHOOK_PATH = "/connect/webhooks/jira:issue_updated"
ADMIN_SECRET = "admin-webhook-secret-of-tenant-b-0123456789"


@dataclass
class Record:
    integration_id: str
    reference: str
    issue_id: str
    issue_key: str


def send(call_api: Call, integration_id: str, reference: str, sim: JiraSimulator) -> Record:
    feature = aha_feature(reference, requirements=False)
    status, sent = call_api(
        "POST", f"/integrations/{integration_id}/features/{reference}/send", {"feature": feature}
    )
    assert status == 200, sent
    sim.wait_for_deliveries(len(sim.deliveries()), timeout=10)
    return Record(integration_id, reference, sent["jira"]["id"], sent["jira"]["key"])


def read(call_api: Call, record: Record) -> dict[str, Any]:
    status, body = call_api("GET", f"/integrations/{record.integration_id}/features/{record.reference}")
    assert status == 200, body
    return dict(body)


def configure(call_api: Call, integration_id: str, body: dict[str, Any]) -> dict[str, Any]:
    status, view = call_api("PUT", f"/integrations/{integration_id}", body)
    assert status == 201, view
    status, report = call_api("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200 and report["ok"], report
    return dict(view)


def status_change(record: Record, status: str = "Done", status_id: str = "10002") -> dict[str, Any]:
    return {
        "webhookEvent": "jira:issue_updated",
        "timestamp": int(time.time() * 1000),
        "user": {"accountId": "557058:stranger", "displayName": "Stranger"},
        "issue": {
            "id": record.issue_id,
            "key": record.issue_key,
            "fields": {"status": {"id": status_id, "name": status}},
        },
        "changelog": {
            "id": str(secrets.randbelow(10**9)),
            "items": [{"field": "status", "fieldId": "status", "to": status_id, "toString": status}],
        },
    }


def connect_webhook(
    app: ConnectApp, client_key: str, shared_secret: str, body: dict[str, Any]
) -> requests.Response:
    now = int(time.time())
    token = _hs256(
        {"iss": client_key, "iat": now, "exp": now + 180, "qsh": query_string_hash("POST", WEBHOOK_PATH, "")},
        shared_secret,
    )
    return requests.post(
        f"{app.url}{WEBHOOK_PATH}",
        data=json.dumps(body),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"JWT {token}",
            "X-Atlassian-Webhook-Identifier": secrets.token_hex(8),
        },
        timeout=10,
    )


def _hs256(claims: dict[str, Any], secret: str) -> str:
    import jwt  # noqa: PLC0415 (PyJWT: the test plays Jira, independent of our own signer)

    return jwt.encode(claims, secret, algorithm="HS256")


def connect_secrets() -> list[str]:
    client = boto3.client("secretsmanager")
    return sorted(
        entry["Name"] for entry in client.list_secrets()["SecretList"] if "/connect/" in entry["Name"]
    )


def test_a_second_client_key_cannot_take_over_an_installed_site(
    installed: Installed, call_api: Call, aws: LocalResources
) -> None:
    app = installed.app
    configure(call_api, "victim", connect_integration_body(app.sim, installed.client_key))
    victim = send(call_api, "victim", "PROD-2", app.sim)
    before = read(call_api, victim)
    secrets_before = connect_secrets()

    # The site signs a genuine install of a second clientKey whose body names the victim's site URL.
    intruder = app.sim.install_app(app.descriptor_url)
    assert intruder.status == 409, intruder.body
    assert json.loads(intruder.body)["error"]["code"] == "connect_site_taken"
    assert intruder.shared_secret not in intruder.body
    assert installation_item(aws, intruder.client_key) is None
    assert stored_shared_secret(intruder.client_key) is None
    assert connect_secrets() == secrets_before

    # Its shared secret gets it nowhere: the victim's record is as it was.
    answer = connect_webhook(app, intruder.client_key, intruder.shared_secret, status_change(victim))
    assert answer.status_code == 401, answer.text
    assert read(call_api, victim) == before
    # The holder itself still reinstalls (a newer callback, its own clientKey).
    time.sleep(1.1)
    again = app.sim.install_app(app.descriptor_url, client_key=installed.client_key)
    assert again.status == 200, again.body


def test_once_the_holder_uninstalled_another_client_key_may_install_the_site(
    installed: Installed, aws: LocalResources
) -> None:
    app = installed.app
    assert app.sim.uninstall_app(installed.client_key).status == 200
    successor = app.sim.install_app(app.descriptor_url)
    assert successor.status == 200, successor.body
    assert installation_item(aws, successor.client_key)["state"] == "installed"  # type: ignore[index]
    # ...and the uninstalled one cannot come back over it.
    time.sleep(1.1)
    back = app.sim.install_app(app.descriptor_url, client_key=installed.client_key)
    assert back.status == 409, back.body


def test_two_client_keys_racing_for_one_site_one_wins(connect_app: ConnectApp, aws: LocalResources) -> None:
    answers: dict[str, int] = {}

    def install(client_key: str) -> None:
        answers[client_key] = connect_app.lifecycle(
            "installed", client_key=client_key, shared_secret=f"secret-of-{client_key}-0123456789"
        ).status_code

    threads = [threading.Thread(target=install, args=(f"jira:racer-{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [key for key, status in answers.items() if status == 200]
    assert len(winners) == 1, answers
    assert all(status == 409 for key, status in answers.items() if key not in winners), answers
    for key in answers:
        item = installation_item(aws, key)
        assert (item is not None) == (key in winners), key
        assert (stored_shared_secret(key) is not None) == (key in winners), key
    assert len(connect_secrets()) == 1


def test_a_connect_webhook_changes_only_the_records_of_its_own_installation(
    installed: Installed,
    call_api: Call,
    jira_sim_dc: JiraSimulator,
    gateway: LocalApiGateway,
) -> None:
    app = installed.app
    configure(call_api, "ours", connect_integration_body(app.sim, installed.client_key))
    ours = send(call_api, "ours", "PROD-2", app.sim)

    # Tenant B on the same Jira site, with an API token and its own admin webhook.
    same_site = integration_body(app.sim, name="Same site, API token")
    same_site["webhook"] = {"secret": ADMIN_SECRET}
    token = configure(call_api, "same-site", same_site)["webhook_url"].rsplit("/", 1)[-1]
    neighbour = send(call_api, "same-site", "PROD-3", app.sim)
    # Tenant C on another Jira site.
    dc = jira_sim_dc.credentials
    other_site = integration_body(jira_sim_dc, name="Other site")
    other_site["jira"]["auth"] = {"type": "bearer", "token": dc["dc_pat"]}
    configure(call_api, "other-site", other_site)
    stranger = send(call_api, "other-site", "PROD-4", jira_sim_dc)
    neighbour_before, stranger_before = read(call_api, neighbour), read(call_api, stranger)

    for record in (neighbour, stranger):
        answer = connect_webhook(app, installed.client_key, installed.shared_secret, status_change(record))
        assert answer.status_code == 200, answer.text
        # (The other site's issue may share its id with one of ours: the event then names ours.)
        touched = {item["integration_id"] for item in answer.json()["records"]}
        assert touched <= {"ours"}, answer.json()
    assert read(call_api, neighbour) == neighbour_before
    assert read(call_api, stranger) == stranger_before

    # The same events are valid: its own record follows, and the neighbour's through its own webhook.
    answer = connect_webhook(app, installed.client_key, installed.shared_secret, status_change(ours))
    assert answer.status_code == 200 and answer.json()["outcome"] == "applied", answer.text
    assert read(call_api, ours)["jira"]["status"] == "Done"
    body = json.dumps(status_change(neighbour)).encode()
    admin = requests.post(
        f"{gateway.url}/webhooks/jira/{token}",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature": hub_signature(ADMIN_SECRET, body)},
        timeout=10,
    )
    assert admin.status_code == 200 and admin.json()["outcome"] == "applied", admin.text
    assert read(call_api, neighbour)["jira"]["status"] == "Done"
