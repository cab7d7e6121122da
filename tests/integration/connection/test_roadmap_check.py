"""Test connection checks the roadmap too: through the real handler, against the Jira simulator and the Aha!
simulator (or a roadmap webhook receiver) over HTTP, and moto."""

from __future__ import annotations

import io
import json
import socket
from typing import Any

import pytest

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.fixtures.roadmap import RECEIVER_SECRET, RoadmapReceiver


def aha_roadmap(sim: AhaSimulator, **overrides: Any) -> dict[str, Any]:
    roadmap: dict[str, Any] = {
        "type": "aha",
        "base_url": sim.base_url,
        "api_key": sim.bot_key,
        "integration_ref": sim.integration_id,
    }
    roadmap.update(overrides)
    return {key: value for key, value in roadmap.items() if value is not ...}


def configure_and_test(
    call_api: Call,
    jira: JiraSimulator,
    roadmap: dict[str, Any] | None,
    *,
    product: str = "PROD",
    **mapping: Any,
) -> dict[str, Any]:
    body = integration_body(jira, product=product, **mapping)
    if roadmap is not None:
        body["roadmap"] = roadmap
    status, answer = call_api("PUT", "/integrations/mobile", body)
    assert status in (200, 201), answer
    status, report = call_api("POST", "/integrations/mobile/test-connection")
    assert status == 200, report
    return report


def problems(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        problem["code"]: problem for problem in report["problems"] if problem["code"].startswith("roadmap_")
    }


def aha_api_calls(sim: AhaSimulator) -> list[str]:
    return [f"{call['method']} {call['path']}" for call in sim.calls if call["path"].startswith("/api/v1/")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_healthy_aha_roadmap_passes_and_is_summarised(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim))

    assert report["ok"] is True, report["problems"]
    assert problems(report) == {}
    roadmap = report["roadmap"]
    assert roadmap["type"] == "aha" and roadmap["base_url"] == aha_sim.base_url
    assert roadmap["user"]["email"] == "aha-bot@acme.example"
    assert roadmap["product"] == {"id": aha_sim.product_id, "reference_prefix": "PROD", "name": "Acme Mobile"}
    assert {"Ready to develop", "In development", "Shipped"} <= set(roadmap["feature_statuses"])
    assert roadmap["integration"]["id"] == aha_sim.integration_id
    assert aha_api_calls(aha_sim) == [
        "GET /api/v1/me",
        "GET /api/v1/products/PROD",
        f"GET /api/v1/products/{aha_sim.product_id}/workflows",
        f"GET /api/v1/products/{aha_sim.product_id}/integrations/{aha_sim.integration_id}",
    ]
    assert report["roadmap_calls"] == 4
    assert aha_sim.response_schema_errors() == []
    _, integration = call_api("GET", "/integrations/mobile")
    assert integration["last_test"] == report  # stored with the Jira part


def test_without_an_integration_ref_the_integration_is_not_asked_for(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim, integration_ref=...))
    assert report["ok"] is True and report["roadmap_calls"] == 3
    assert "integration" not in report["roadmap"]


def test_no_roadmap_calls_nothing(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    report = configure_and_test(call_api, jira_sim, None)
    assert report["ok"] is True and report["roadmap"] == {"type": "none"} and report["roadmap_calls"] == 0
    assert aha_api_calls(aha_sim) == []


def test_a_key_aha_refuses_is_roadmap_auth_failed(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim, api_key="revoked-key-0123456789"))

    assert report["ok"] is False
    problem = problems(report)["roadmap_auth_failed"]
    assert problem["severity"] == "error" and "roadmap.api_key" in problem["hint"]
    assert list(problems(report)) == ["roadmap_auth_failed"]  # nothing after /me was asked
    assert aha_api_calls(aha_sim) == ["GET /api/v1/me"]
    # The Jira part was checked all the same.
    assert report["jira"]["project"]["key"] == "MOB"
    assert "revoked-key-0123456789" not in json.dumps(report)


def test_an_unknown_product_is_roadmap_product_not_found(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim), product="NOPE")
    problem = problems(report)["roadmap_product_not_found"]
    assert "NOPE" in problem["message"] and "reference prefix" in problem["hint"]
    assert report["ok"] is False and problem["context"]["product"] == "NOPE"


def test_a_mapped_status_the_feature_workflow_lacks_is_roadmap_status_unknown(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    statuses = {"To Do": "Ready to develop", "In Progress": "Building", "Done": "shipped"}
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim), statuses=statuses)

    found = [p for p in report["problems"] if p["code"] == "roadmap_status_unknown"]
    # The requirement workflow has the same statuses: an error for it and a warning for the other.
    assert [(p["severity"], p["context"]["workflow"]) for p in found] == [
        ("error", "feature"),
        ("warning", "requirement"),
    ]
    problem = found[0]
    assert report["ok"] is False
    assert problem["context"]["statuses"] == ["Building"]  # names match case-insensitively, as Aha! does
    assert "Building" in problem["message"] and "In development" in problem["hint"]


def test_a_status_only_the_requirement_workflow_lacks_is_a_warning(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    def workflow(workflow_id: int, record_type: str, names: list[str]) -> dict[str, Any]:
        return {
            "id": workflow_id,
            "name": f"{record_type} workflow",
            "statusable_type": record_type,
            "workflow_statuses": [
                {"id": str(workflow_id * 10 + i), "name": name, "position": i + 1, "complete": False}
                for i, name in enumerate(names)
            ],
        }

    features = ["Ready to develop", "In development", "Shipped"]
    aha_sim.add_fault(
        method="GET",
        path=r"/workflows$",
        status=200,
        body={
            "workflows": [
                workflow(1, "Feature", features),
                workflow(2, "Requirement", ["Ready to develop", "In development"]),
            ]
        },
    )
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim))

    problem = problems(report)["roadmap_status_unknown"]
    assert problem["severity"] == "warning" and problem["context"]["workflow"] == "requirement"
    assert problem["context"]["statuses"] == ["Shipped"]
    assert report["ok"] is True
    assert report["roadmap"]["feature_statuses"] == features


def test_an_unknown_aha_integration_is_roadmap_integration_not_found(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim, integration_ref="999"))
    problem = problems(report)["roadmap_integration_not_found"]
    assert "999" in problem["message"] and aha_sim.integration_id in problem["hint"]  # the ones there are
    assert report["ok"] is False


def test_nothing_listening_is_roadmap_unreachable(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    roadmap = {
        "type": "aha",
        "base_url": f"http://127.0.0.1:{closed_port()}",
        "api_key": "some-key-0123456789",
    }
    report = configure_and_test(call_api, jira_sim, roadmap)
    problem = problems(report)["roadmap_unreachable"]
    assert "roadmap.base_url" in problem["hint"] and report["ok"] is False


def test_aha_failing_or_answering_nonsense_is_roadmap_unreachable_with_a_hint(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, aha_sim: AhaSimulator
) -> None:
    aha_sim.add_fault(method="GET", path=r"/me$", status=503, retry_after=0, times=None)
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim))
    problem = problems(report)["roadmap_unreachable"]
    assert "503" in problem["message"] and "test the connection again" in problem["hint"]
    assert aha_api_calls(aha_sim) == ["GET /api/v1/me"] * 3  # a read is retried briefly

    aha_sim.clear_faults()
    aha_sim.add_fault(method="GET", path=r"/workflows$", status=200, body={"workflows": "none"})
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim))
    assert "not what its API describes" in problems(report)["roadmap_unreachable"]["message"]


# --- the webhook roadmap -------------------------------------------------------------------------------------


def hook_roadmap(receiver: RoadmapReceiver, secret: str = RECEIVER_SECRET) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url, "secret": secret}


def test_a_webhook_roadmap_gets_a_signed_ping(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, roadmap_receiver: RoadmapReceiver
) -> None:
    report = configure_and_test(call_api, jira_sim, hook_roadmap(roadmap_receiver))

    assert report["ok"] is True, report["problems"]
    [ping] = roadmap_receiver.received
    assert ping["verified"] is True
    event = json.loads(ping["body"])
    assert event["type"] == "ping" and event["integration_id"] == "mobile"
    assert ping["headers"]["X-Aha-Jira-Event-Id"] == event["id"]
    assert report["roadmap"] == {"type": "webhook", "ping": {"event_id": event["id"], "status": 204}}
    assert report["roadmap_calls"] == 1


def test_a_receiver_refusing_the_signature_is_roadmap_auth_failed(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, roadmap_receiver: RoadmapReceiver
) -> None:
    report = configure_and_test(
        call_api, jira_sim, hook_roadmap(roadmap_receiver, secret="not-the-receivers-secret")
    )
    problem = problems(report)["roadmap_auth_failed"]
    assert "roadmap.secret" in problem["hint"] and report["ok"] is False
    assert "not-the-receivers-secret" not in json.dumps(report)


@pytest.mark.parametrize("status", [500, 404])
def test_a_receiver_failing_is_roadmap_unreachable(
    call_api: Call,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    roadmap_receiver: RoadmapReceiver,
    status: int,
) -> None:
    roadmap_receiver.statuses = [status]
    report = configure_and_test(call_api, jira_sim, hook_roadmap(roadmap_receiver))
    problem = problems(report)["roadmap_unreachable"]
    assert str(status) in problem["message"] and problem["context"]["status"] == status


def test_roadmap_secrets_are_in_no_report_and_no_log_line(
    call_api: Call,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    log_output: io.StringIO,
) -> None:
    aha_sim.add_fault(method="GET", path=r"/workflows$", status=500, times=None)
    report = configure_and_test(call_api, jira_sim, aha_roadmap(aha_sim))
    assert "roadmap_unreachable" in problems(report)
    text = log_output.getvalue() + json.dumps(report)
    assert aha_sim.bot_key not in text
    assert "integration.test_connection" in log_output.getvalue()
