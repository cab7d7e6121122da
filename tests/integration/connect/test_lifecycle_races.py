"""Connect lifecycle edge cases: a forged key id never leaves the process, and two valid re-installs racing
leave the winner's shared secret stored (not the loser's)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

import pytest
import requests

from aha_jira import wiring
from aha_jira.connect.install_keys import InstallKeys, KeyUnavailable
from aha_jira.connect.lifecycle import handle_lifecycle
from aha_jira.connect.request import ConnectRequest
from aha_jira.errors import AhaJiraError
from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.connect_app import lifecycle_payload, lifecycle_token
from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.connect.conftest import Installed, installation_item

WEBHOOK_PATH = "/connect/webhooks/jira:issue_updated"


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def get(self, url: str, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        self.urls.append(url)
        return super().get(url, *args, **kwargs)  # type: ignore[arg-type]


def test_a_kid_with_a_trailing_newline_never_leaves_the_process(jira_sim: JiraSimulator) -> None:
    # `_KID` is anchored with `$`, which also matches just before a final "\n" (re.match, not fullmatch):
    # the forged kid reaches the install-keys URL.
    session = CountingSession()
    keys = InstallKeys(lambda: jira_sim.install_keys_url, session=session)
    with pytest.raises(KeyUnavailable):
        keys.get(jira_sim.connect_keys.kid + "\n")
    assert session.urls == []


def test_a_reinstall_that_loses_the_race_does_not_overwrite_the_winners_secret(
    installed: Installed, aws: LocalResources
) -> None:
    """Two valid re-installs of one site read the installation at the same version. The lifecycle writes the
    shared secret to Secrets Manager *before* its conditional save of the installation, so the loser (whose
    save fails with 409) has already replaced the winner's secret: the stored installation is the winner's,
    the stored secret the loser's, and every JWT Jira signs from then on (with the winner's secret) is 401.

    Deterministic interleaving with a botocore `before-parameter-build` hook on the real Secrets Manager client (moto):
    A blocks just before writing its secret until B has finished."""
    app = installed.app
    now = int(time.time())
    secret_a, secret_b = "secret-of-callback-a-0123456789abcdef", "secret-of-callback-b-0123456789abcdef"
    services = wiring.connect_lifecycle_services()
    client = aws_clients.secretsmanager()
    a_waiting, b_done = threading.Event(), threading.Event()

    def hold_a(params: dict[str, Any], **_: Any) -> None:
        if secret_a in str(params.get("SecretString", "")):
            a_waiting.set()
            assert b_done.wait(20)

    def request(secret: str, iat: int) -> ConnectRequest:
        token = lifecycle_token(
            app.sim.connect_keys,
            client_key=installed.client_key,
            app_base_url=app.url,
            path="/connect/installed",
            iat=iat,
            exp=iat + 180,
        )
        body = lifecycle_payload(app.sim.core, app.descriptor(), "installed", installed.client_key, secret)
        return ConnectRequest(
            method="POST",
            path="/connect/installed",
            headers={"authorization": f"JWT {token}"},
            body=json.dumps(body).encode(),
            base_url=app.url,
        )

    outcome: dict[str, Any] = {}

    def run_a() -> None:
        try:
            outcome["a"] = handle_lifecycle("installed", request(secret_a, now + 2), services)
        except AhaJiraError as error:
            outcome["a"] = error

    client.meta.events.register("before-parameter-build.secrets-manager.PutSecretValue", hold_a)
    try:
        thread = threading.Thread(target=run_a)
        thread.start()
        assert a_waiting.wait(20), outcome
        handle_lifecycle("installed", request(secret_b, now + 3), services)  # B: the newer callback wins
        b_done.set()
        thread.join(20)
    finally:
        b_done.set()
        client.meta.events.unregister("before-parameter-build.secrets-manager.PutSecretValue", hold_a)

    assert isinstance(outcome["a"], AhaJiraError)  # A's save lost (409): A was not accepted
    assert installation_item(aws, installed.client_key)["lifecycle_iat"] == now + 3
    # Jira's current secret is B's: its webhooks must authenticate (and A's secret must not).
    signed_by_b = installed.site_token("POST", WEBHOOK_PATH, secret=secret_b)
    assert _connect_webhook(installed, signed_by_b, _issue_event("Done")).status_code == 200
    signed_by_a = installed.site_token("POST", WEBHOOK_PATH, secret=secret_a)
    assert _connect_webhook(installed, signed_by_a, _issue_event("Done")).status_code == 401


def _connect_webhook(installed: Installed, token: str, body: dict[str, Any]) -> requests.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Atlassian-Webhook-Identifier": secrets.token_hex(8),  # unsigned: anyone picks a fresh one
        "Authorization": f"JWT {token}",
    }
    return requests.post(
        f"{installed.app.url}{WEBHOOK_PATH}", data=json.dumps(body), headers=headers, timeout=10
    )


def _issue_event(status: str) -> dict[str, Any]:
    return {
        "webhookEvent": "jira:issue_updated",
        "timestamp": int(time.time() * 1000),
        "issue": {"id": "99999", "key": "MOB-999", "fields": {"status": {"id": "3", "name": status}}},
        "changelog": {"id": "1", "items": []},
    }
