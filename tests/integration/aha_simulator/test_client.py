"""AhaSimulatorClient drives a simulator over HTTP (another process, e.g. the local stack's), and
`python -m aha_jira_dev.aha_sim` runs one standalone."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from aha_jira_dev.aha_sim import AhaSimulator, AhaSimulatorClient, SimulatorError
from tests.fixtures.aha import AhaApi
from tests.fixtures.jira import WebhookReceiver


def test_info_names_the_keys_the_product_and_the_integration(
    aha_sim: AhaSimulator, aha_client: AhaSimulatorClient
) -> None:
    info = aha_client.info()

    assert info["api_url"] == aha_sim.api_url
    assert aha_client.api_keys == {"bot": aha_sim.bot_key, "pm": aha_sim.pm_key}
    assert info["product"] == {"id": aha_sim.product_id, "reference_prefix": "PROD"}
    assert info["integration_id"] == "6012345678" and info["openapi_loaded"] is True


def test_the_product_manager_acts_over_http_and_the_webhooks_fire(
    aha_client: AhaSimulatorClient, webhook_receiver: WebhookReceiver
) -> None:
    aha_client.configure_webhook(webhook_receiver.url)

    feature = aha_client.pm.set_status("PROD-2", "In development")
    requirement = aha_client.pm.add_requirement("PROD-2", "Over HTTP", description="<p>x</p>")
    comment = aha_client.pm.add_comment("PROD-2", "<p>Hi</p>")
    aha_client.pm.edit_comment(comment["id"], "<p>Hello</p>")
    aha_client.pm.delete_comment(comment["id"])

    assert feature["workflow_status"]["name"] == "In development"
    assert requirement["reference_num"] == "PROD-2-2"
    deliveries = aha_client.wait_for_deliveries(7)
    assert {d["event"] for d in deliveries} == {"update_feature", "audit"}
    assert all(d["delivered"] and d["via"] == "pm" for d in deliveries)
    assert [w["format"] for w in aha_client.webhooks()] == ["integration", "activity"]
    audits = [a for a in aha_client.audits() if a["auditable_type"] == "Comment"]
    assert [a["audit_action"] for a in audits] == ["create", "update", "destroy"]


def test_a_bad_pm_action_is_refused_with_the_reason(aha_client: AhaSimulatorClient) -> None:
    with pytest.raises(SimulatorError) as unknown:
        aha_client.pm.edit_feature("PROD-1", colour="red")
    with pytest.raises(SimulatorError) as status:
        aha_client.pm.set_status("PROD-1", "Done")
    with pytest.raises(SimulatorError) as missing:
        aha_client.pm.edit_feature("PROD-404", name="x")

    assert unknown.value.status == 400 and "colour" in str(unknown.value)
    assert status.value.status == 422
    assert missing.value.status == 404
    assert aha_client.feature("PROD-1")["name"] == "Mobile login"


def test_rate_limit_calls_and_reset_over_http(aha_client: AhaSimulatorClient, aha_api: AhaApi) -> None:
    aha_client.set_rate_limit(1, window=30)
    aha_api.get("/me")
    assert aha_api.get("/me").status_code == 429
    assert [c["status"] for c in aha_client.calls()] == [200, 429]

    aha_client.reset()

    assert aha_api.get("/me").status_code == 200
    assert len(aha_client.calls()) == 1


def test_python_m_runs_a_standalone_simulator() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "aha_jira_dev.aha_sim", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(1)]
        while not lines[-1].startswith("Aha! simulator on ") and lines[-1] and len(lines) < 50:
            lines.append(process.stderr.readline())
        assert lines[-1].startswith("Aha! simulator on http://127.0.0.1:"), lines
        base_url = lines[-1].split()[3]
        client = AhaSimulatorClient(base_url)
        key = client.api_keys["bot"]
        deadline = time.monotonic() + 5
        while True:
            try:
                me = requests.get(
                    f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {key}"}, timeout=2
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
        assert me.json()["user"]["email"] == "aha-bot@acme.example"
    finally:
        process.terminate()
        process.wait(timeout=5)
