"""Fault injection: 429 and 5xx answers, slow answers, dropped connections before or after the write, and
probabilistic rules drawn from a seeded generator (a reliability run replays)."""

from __future__ import annotations

import time

import pytest
import requests

from aha_jira_dev.aha_sim import AhaSimulator, AhaSimulatorClient, SimulatorError
from tests.fixtures.aha import AhaApi
from tests.fixtures.jira import WebhookReceiver

STATUS_CHANGE = {"feature": {"workflow_status": {"name": "In development"}}}


def test_a_429_fault_answers_retry_after_and_the_rate_headers_once(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/PROD-1$", status=429, retry_after=3)

    first = aha_api.put("/features/PROD-1", STATUS_CHANGE)
    second = aha_api.put("/features/PROD-1", STATUS_CHANGE)

    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    assert first.headers["X-Ratelimit-Remaining"] == "0" and "X-Ratelimit-Reset" in first.headers
    assert first.json() == {"error": "Rate limit exceeded"}
    assert second.status_code == 200
    assert aha_sim.calls[0]["fault"] == "fault-1"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_faults_match_method_and_path_only(aha_sim: AhaSimulator, aha_api: AhaApi, status: int) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/", status=status, times=2)

    assert aha_api.get("/features/PROD-1").status_code == 200
    failed = aha_api.put("/features/PROD-1", STATUS_CHANGE)
    assert failed.status_code == status and "error" in failed.json()
    assert ("Retry-After" in failed.headers) == (status == 503)
    assert aha_api.put("/features/PROD-1", STATUS_CHANGE).status_code == status
    assert aha_api.put("/features/PROD-1", STATUS_CHANGE).status_code == 200


def test_a_failed_answer_changes_nothing(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/", status=500)

    aha_api.put("/features/PROD-1", STATUS_CHANGE)

    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "Ready to develop"


def test_a_slow_answer_times_the_client_out(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.add_fault(method="GET", path=r"/me$", delay=0.6)

    with pytest.raises(requests.ReadTimeout):
        aha_api.get("/me", timeout=0.15)


def test_drop_before_closes_the_connection_without_writing(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/", drop_before=True)

    with pytest.raises(requests.ConnectionError):
        aha_api.put("/features/PROD-1", STATUS_CHANGE)

    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "Ready to develop"
    assert aha_sim.calls[-1]["dropped"] is True


def test_commit_then_drop_applies_the_write_and_fires_its_webhook(
    aha_sim: AhaSimulator, aha_api: AhaApi, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url, formats=["integration"])
    aha_sim.add_fault(method="PUT", path=r"/features/", drop_after_commit=True)

    with pytest.raises(requests.ConnectionError):
        aha_api.put("/features/PROD-1", STATUS_CHANGE)

    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "In development"
    assert webhook_receiver.wait_for(1)[0].json()["feature"]["workflow_status"]["name"] == "In development"
    call = aha_sim.calls[-1]
    assert call["dropped"] is True and call["committed_status"] == 200 and call["status"] is None


def test_commit_then_502_applies_the_write_and_answers_bad_gateway(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    aha_sim.add_fault(method="POST", path=r"/time_tracking_events$", status_after_commit=502)

    resp = aha_api.post(
        "/features/PROD-1/time_tracking_events", {"time_tracking_event": {"work_done_text": "1h"}}
    )

    assert resp.status_code == 502
    assert aha_sim.feature("PROD-1")["work_done"] == 60
    assert len(aha_sim.time_tracking_events()) == 1


def test_probability_rules_replay_with_the_same_seed(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    def run() -> list[int]:
        aha_sim.add_fault(method="GET", path=r"/me$", status=503, probability=0.5, times=None)
        return [aha_api.get("/me").status_code for _ in range(24)]

    first = run()
    aha_sim.reset()
    second = run()

    assert first == second
    assert 503 in first and 200 in first
    rule = aha_sim.faults()[0]
    assert rule["matched"] == 24 and rule["hits"] == first.count(503)


def test_faults_can_be_set_over_http_and_a_bad_rule_is_refused(
    aha_client: AhaSimulatorClient, aha_api: AhaApi
) -> None:
    aha_client.add_fault(method="GET", path=r"/products/", status=500)
    assert aha_api.get("/products/PROD").status_code == 500
    assert aha_client.faults()[0]["hits"] == 1

    with pytest.raises(SimulatorError) as refused:
        aha_client.add_fault(path="/me", colour="red")
    assert refused.value.status == 400
    with pytest.raises(SimulatorError):
        aha_client.add_fault(path="/me", status=500, probability=1.5)

    aha_client.clear_faults()
    assert aha_api.get("/products/PROD").status_code == 200


def test_attachment_downloads_can_fail_too(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    url = aha_api.get("/features/PROD-1").json()["feature"]["description"]["attachments"][0]["download_url"]
    aha_sim.add_fault(method="GET", path=r"^/attachments/", status=503)

    assert requests.get(url, timeout=5).status_code == 503
    assert requests.get(url, timeout=5).status_code == 200


def test_a_slow_request_that_outlives_a_reset_does_not_touch_the_fresh_state(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/PROD-1$", delay=0.3)
    with pytest.raises(requests.ReadTimeout):
        aha_api.put("/features/PROD-1", STATUS_CHANGE, timeout=0.05)

    aha_sim.reset()
    time.sleep(0.4)  # the slow request wakes up after the reset

    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "Ready to develop"
    assert aha_sim.calls == [] and aha_sim.audits() == []
