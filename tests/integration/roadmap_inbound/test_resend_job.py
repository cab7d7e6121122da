"""The retry worker's `roadmap_send` job (`roadmap_inbound/resend.py`), run on its own with the production
adapters (moto, the Aha! and Jira simulators over HTTP): what it does when Aha! fails, when the integration
changed since the job was queued, and with a record imported from Jira."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest

from aha_jira.models.send import RoadmapSend
from aha_jira.roadmap_inbound.resend import run_roadmap_send
from aha_jira.storage.features import DynamoFeatureRepository
from aha_jira.wiring import send_services
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.roadmap.conftest import IMPORT_RELEASE, drain, roadmap_poller
from tests.integration.roadmap_inbound.conftest import AhaIntegration, aha_calls, aha_roadmap, log_lines


def job(integration_id: str, reference: str | None = "PROD-1", **fields: Any) -> RoadmapSend:
    return RoadmapSend(
        job_id=uuid.uuid4().hex,
        integration_id=integration_id,
        reference=reference,
        trigger="update_feature",
        delivery="body-sha256:test",
        **fields,
    )


@pytest.fixture
def linked(call_api: Call, roadmap: AhaIntegration) -> dict[str, Any]:
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")
    assert status == 200, answer
    return answer


def test_aha_failing_postpones_the_job_then_dead_letters_it(
    linked: dict[str, Any], roadmap: AhaIntegration, aha_sim: AhaSimulator, log_output: io.StringIO
) -> None:
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-1$", status=503, retry_after=6, times=None)

    first = run_roadmap_send(job(roadmap.id), attempt=1, max_attempts=2, services=send_services())
    last = run_roadmap_send(job(roadmap.id), attempt=2, max_attempts=2, services=send_services())

    assert not first.done and first.delay_seconds >= 6  # never sooner than Aha!'s Retry-After
    assert not last.done  # the worker leaves it to SQS: the redrive policy dead-letters it
    lines = log_lines(log_output)
    assert [(line["action"], line["outcome"], line["error_code"]) for line in lines] == [
        ("roadmap.send_triggered", "queued", "roadmap_unavailable"),
        ("roadmap.send_triggered", "failed", "roadmap_unavailable"),
    ]
    assert "dead-letter" in lines[1]["message"] and "make replay-dlq" in lines[1]["hint"]


def test_a_feature_deleted_in_aha_ends_the_job_with_a_failure(
    linked: dict[str, Any], roadmap: AhaIntegration, aha_sim: AhaSimulator, log_output: io.StringIO
) -> None:
    aha_sim.pm.delete_feature("PROD-1")
    outcome = run_roadmap_send(job(roadmap.id), attempt=1, max_attempts=5, services=send_services())
    assert outcome.done
    [line] = log_lines(log_output)
    assert (line["action"], line["outcome"], line["error_code"]) == (
        "roadmap.send_triggered",
        "failed",
        "roadmap_feature_not_found",
    )


def test_a_job_of_an_integration_that_changed_since_sends_nothing(  # noqa: PLR0917 (fixtures)
    linked: dict[str, Any],
    call_api: Call,
    roadmap: AhaIntegration,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    log_output: io.StringIO,
) -> None:
    before = (len(aha_sim.calls), len(jira_sim.calls))
    unlinked = run_roadmap_send(
        job(roadmap.id, "PROD-3"), attempt=1, max_attempts=5, services=send_services()
    )
    body = integration_body(jira_sim, product="PROD")
    body["roadmap"] = aha_roadmap(aha_sim, auto_update=False)
    assert call_api("PUT", f"/integrations/{roadmap.id}", body)[0] == 200
    switched_off = run_roadmap_send(job(roadmap.id), attempt=1, max_attempts=5, services=send_services())
    assert call_api("DELETE", f"/integrations/{roadmap.id}")[0] == 204
    removed = run_roadmap_send(job(roadmap.id), attempt=1, max_attempts=5, services=send_services())

    assert unlinked.done and switched_off.done and removed.done
    assert [(line["action"], line["outcome"]) for line in log_lines(log_output)] == [
        ("roadmap.event_ignored", "skipped")
    ] * 3
    messages = [line["message"] for line in log_lines(log_output)]
    assert "not linked" in messages[0] and "auto_update" in messages[1] and "removed" in messages[2]
    # Only the unlinked record's job reached Aha! (its link is read first: no Aha! call either).
    assert aha_calls(aha_sim, before[0]) == [] and len(jira_sim.calls) == before[1]


def test_an_imported_record_takes_its_first_state_in_aha_as_what_was_sent(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    gateway: LocalApiGateway,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    fast_retries: None,
    log_output: io.StringIO,
) -> None:
    """An issue created in Jira is imported; the roadmap connector creates it in Aha! (in `import.release`) and
    the record takes Aha!'s reference. The first Aha!-triggered job keeps Aha!'s state as its baseline and sends
    nothing; the next change in Aha! is sent to the issue."""
    body = integration_body(jira_sim, product="PROD")
    body["import"] = {"enabled": True, "issue_types": ["Story"], "release": IMPORT_RELEASE}
    body["roadmap"] = aha_roadmap(aha_sim)
    status, answer = call_api("PUT", "/integrations/imports", body)
    assert status == 201, answer
    assert call_api("POST", "/integrations/imports/test-connection")[1]["ok"]
    jira_sim.configure_webhook(answer["webhook_url"].replace("https://api.example.test", gateway.url))
    jira = SimulatorClient(jira_sim.base_url)
    created = jira.engineer_create(
        {"project": {"key": "MOB"}, "issuetype": {"name": "Story"}, "summary": "Crash on resume"}
    )
    jira_sim.wait_for_deliveries(1, timeout=10)
    drain(roadmap_poller(repo_template, aws, handler_registry))  # created in Aha!, the record renamed
    status, view = call_api("GET", f"/integrations/imports/features/PROD-JIRA-{created['key']}")
    assert status == 200, view
    reference = view["reference"]
    assert "JIRA" not in reference and view["imported"] is True
    record = DynamoFeatureRepository().get("imports", reference)
    assert record is not None and record.imported and record.roadmap_fingerprint is None
    jira_before = len(jira_sim.calls)
    log_output.truncate(0)
    log_output.seek(0)

    baseline = run_roadmap_send(
        job("imports", reference), attempt=1, max_attempts=5, services=send_services()
    )

    assert baseline.done and len(jira_sim.calls) == jira_before  # nothing sent to Jira
    kept = DynamoFeatureRepository().get("imports", reference)
    assert kept is not None and kept.roadmap_fingerprint is not None
    aha_sim.pm.edit_feature(reference, name="Crash on resume (iOS)")
    changed = run_roadmap_send(job("imports", reference), attempt=1, max_attempts=5, services=send_services())
    assert changed.done
    assert jira.issue(created["key"])["fields"]["summary"] == "Crash on resume (iOS)"
    actions = [(line["action"], line["outcome"]) for line in log_lines(log_output)]
    assert actions == [("roadmap.echo_ignored", "skipped"), ("roadmap.send_triggered", "ok")]
