"""Release sends through the real handlers (API and worker) against moto and the Jira simulator."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from aha_jira.settings import release_settings
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.releases.conftest import (
    RELEASE,
    RELEASE_DLQ,
    RELEASE_QUEUE,
    ReleaseWorker,
    queue_depth,
    release_body,
    release_feature,
    stamped,
)


def test_a_release_is_sent_once_per_record_and_its_progress_counts_it(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker, aws: LocalResources
) -> None:
    status, started = call_api("POST", f"/integrations/mob/releases/{RELEASE}/send", release_body(4, 3))
    assert status == 202, started
    assert started["status"] == "running" and started["features"] == 4
    send_id = started["release_send_id"]
    progress = progress_of(call_api, send_id)
    assert progress["status"] == "running" and progress["total"] == 4 and progress["done"] == 0

    worker.drain()
    progress = progress_of(call_api, send_id)
    assert progress["status"] == "done", progress
    assert (progress["done"], progress["failed"], progress["queued"]) == (4, 0, 0)
    assert progress["finished_at"] and progress["failures"] == []
    issues = stamped(jira_sim)
    assert len(issues) == 16 and all(len(found) == 1 for found in issues.values())
    # One version, then per feature one create and one bulk create.
    assert progress["jira_calls"] == 1 + 4 * 2, progress
    assert queue_depth(aws, RELEASE_DLQ) == 0


def progress_of(call_api: Call, send_id: str) -> dict[str, Any]:
    status, progress = call_api("GET", f"/integrations/mob/release-sends/{send_id}")
    assert status == 200, progress
    return dict(progress)


def started_send(call_api: Call, body: Any) -> str:
    status, started = start(call_api, body)
    assert status == 202, started
    return str(started["release_send_id"])


def release_items(aws: LocalResources) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=aws.table_name("ReleaseSendsTable"))["Items"]


def start(call_api: Call, body: Any, integration: str = "mob") -> tuple[int, Any]:
    return call_api("POST", f"/integrations/{integration}/releases/{RELEASE}/send", body)


def test_over_a_thousand_features_is_413_naming_the_limit_and_writes_nothing(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    body = release_body(1, 0)
    body["features"] = [release_feature(n, 0) for n in range(1, 1002)]
    before = len(jira_sim.calls)
    status, answer = start(call_api, body)
    assert status == 413, answer
    error = answer["error"]
    assert error["code"] == "too_many_features"
    assert "1001" in error["message"] and "1000" in error["message"]
    assert "several release sends" in error["hint"]
    assert release_items(aws) == [] and queue_depth(aws, RELEASE_QUEUE) == 0
    assert len(jira_sim.calls) == before
    # A thousand is taken.
    body["features"] = body["features"][:1000]
    status, answer = call_api(
        "POST", f"/integrations/{mob}/releases/{RELEASE}/send", body, query=[("dry_run", "true")]
    )
    assert status == 200 and len(answer["plan"]) == 1000


@pytest.mark.parametrize("path", ["features.1.reference_num", "features.1.requirements.0.reference_num"])
def test_a_reference_repeated_in_the_release_is_400_and_writes_nothing(
    call_api: Call, mob: str, aws: LocalResources, jira_sim: JiraSimulator, path: str
) -> None:
    body = release_body(2, 1)
    if path == "features.1.reference_num":
        body["features"][1]["reference_num"] = "REL-1"
    else:
        body["features"][1]["requirements"][0]["reference_num"] = "REL-1-1"
    before = len(jira_sim.calls)
    status, answer = start(call_api, body)
    assert status == 400, answer
    assert answer["error"]["code"] == "duplicate_reference"
    assert answer["error"]["details"][0]["path"] == path
    assert release_items(aws) == [] and queue_depth(aws, RELEASE_QUEUE) == 0
    assert len(jira_sim.calls) == before


def test_a_feature_of_another_release_or_another_release_in_the_body_is_400(
    call_api: Call, mob: str, aws: LocalResources
) -> None:
    body = release_body(2, 1)
    body["features"][1]["release"] = {"reference_num": "MOB-R-9", "name": "Release 9"}
    status, answer = start(call_api, body)
    assert status == 400 and answer["error"]["code"] == "release_mismatch", answer
    assert answer["error"]["details"][0]["path"] == "features.1.release.reference_num"
    body = release_body(2, 1)
    body["release"]["reference_num"] = "MOB-R-2"
    status, answer = start(call_api, body)
    assert status == 400 and answer["error"]["code"] == "reference_mismatch", answer
    assert release_items(aws) == []


def test_bodies_that_are_not_a_release_send_are_400(call_api: Call, mob: str, aws: LocalResources) -> None:
    for body in ({"features": []}, {"release": {"name": "R"}}, {"release": {"name": "R"}, "features": [{}]}):
        status, answer = start(call_api, body)
        assert status == 400 and answer["error"]["code"] == "invalid_body", (body, answer)
    # An empty body is for an integration whose roadmap is Aha!.
    status, answer = start(call_api, None)
    assert status == 400 and answer["error"]["code"] == "body_required", answer
    status, answer = call_api(
        "POST", f"/integrations/mob/releases/{RELEASE}/send", release_body(1), query=[("dry_run", "maybe")]
    )
    assert status == 400 and answer["error"]["code"] == "invalid_query", answer
    assert release_items(aws) == []


def test_an_untested_or_disabled_integration_is_409(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    status, _ = call_api("PUT", "/integrations/fresh", integration_body(jira_sim))
    assert status == 201
    status, answer = start(call_api, release_body(1), "fresh")
    assert status == 409 and answer["error"]["code"] == "not_tested", answer
    assert call_api("POST", "/integrations/fresh/test-connection")[0] == 200
    status, _ = call_api("PUT", "/integrations/fresh", {**integration_body(jira_sim), "enabled": False})
    assert status == 200
    status, answer = start(call_api, release_body(1), "fresh")
    assert status == 409 and answer["error"]["code"] == "disabled", answer
    assert "to send releases" in answer["error"]["hint"], answer  # the feature send's check, in its words
    assert release_items(aws) == []


def test_unknown_integrations_releases_and_release_sends_are_404(call_api: Call, mob: str) -> None:
    status, answer = call_api("POST", f"/integrations/nope/releases/{RELEASE}/send", release_body(1))
    assert status == 404 and answer["error"]["code"] == "integration_not_found"
    status, answer = call_api("POST", "/integrations/mob/releases/a%20b/send", release_body(1))
    assert status == 404, answer
    for send_id in ("0" * 32, "not-an-id", "A" * 32):
        for method in ("GET", "DELETE"):
            status, answer = call_api(method, f"/integrations/mob/release-sends/{send_id}")
            assert status == 404 and answer["error"]["code"] == "release_send_not_found", answer


def test_another_integrations_release_send_is_not_found(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    """A release send belongs to its integration: another integration's path neither reads nor cancels it."""
    status, _ = call_api("PUT", "/integrations/other", integration_body(jira_sim, name="Other"))
    assert status == 201
    status, started = start(call_api, release_body(2))
    assert status == 202
    send_id = started["release_send_id"]
    for method in ("GET", "DELETE"):
        status, answer = call_api(method, f"/integrations/other/release-sends/{send_id}")
        assert status == 404 and answer["error"]["code"] == "release_send_not_found", answer
    progress = progress_of(call_api, send_id)
    assert progress["status"] == "running"


def test_cancel_before_the_worker_sends_nothing_and_a_second_cancel_is_409(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker
) -> None:
    send_id = started_send(call_api, release_body(3))
    status, cancelled = call_api("DELETE", f"/integrations/mob/release-sends/{send_id}")
    assert status == 200, cancelled
    assert cancelled["status"] == "cancelled"
    assert (cancelled["cancelled"], cancelled["done"], cancelled["queued"]) == (3, 0, 0)
    assert cancelled["finished_at"]  # nothing was being sent
    before = len(jira_sim.calls)
    worker.drain()
    assert len(jira_sim.calls) == before, "a cancelled feature reached Jira"
    progress = progress_of(call_api, send_id)
    assert progress["status"] == "cancelled" and progress["cancelled"] == 3 and progress["done"] == 0
    status, answer = call_api("DELETE", f"/integrations/mob/release-sends/{send_id}")
    assert status == 409 and answer["error"]["code"] == "release_send_finished", answer


def test_cancel_midway_keeps_what_was_sent_and_sends_nothing_more(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker
) -> None:
    send_id = started_send(call_api, release_body(5, 1))
    worker.poll()  # the fan-out
    worker.poll()
    worker.poll()  # two features sent
    status, cancelled = call_api("DELETE", f"/integrations/mob/release-sends/{send_id}")
    assert status == 200 and cancelled["status"] == "cancelled"
    assert (cancelled["done"], cancelled["cancelled"]) == (2, 3), cancelled
    worker.drain()
    progress = progress_of(call_api, send_id)
    assert (progress["done"], progress["cancelled"], progress["failed"]) == (2, 3, 0), progress
    assert progress["finished_at"]
    assert len(stamped(jira_sim)) == 4  # two features and their requirement each


def test_a_finished_send_cannot_be_cancelled(call_api: Call, mob: str, worker: ReleaseWorker) -> None:
    status, started = start(call_api, release_body(1))
    worker.drain()
    status, answer = call_api("DELETE", f"/integrations/mob/release-sends/{started['release_send_id']}")
    assert status == 409 and answer["error"]["code"] == "release_send_finished", answer
    assert "done" in answer["error"]["message"]


def test_redelivered_messages_change_nothing_and_count_once(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker, aws: LocalResources
) -> None:
    send_id = started_send(call_api, release_body(3))
    sqs = boto3.client("sqs")
    url = aws.queue_url(RELEASE_QUEUE)
    worker.poll()  # the fan-out: three feature messages
    # SQS delivers at least once: each feature message twice before any is handled, and the fan-out again.
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
        sqs.send_message(QueueUrl=url, MessageBody=message["Body"])
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    fan_out = {"kind": "release_fanout", "integration_id": "mob", "release_send_id": send_id}
    sqs.send_message(
        QueueUrl=url, MessageBody=json.dumps({**fan_out, "references": ["REL-1", "REL-2", "REL-3"]})
    )
    worker.drain()
    progress = progress_of(call_api, send_id)
    assert (progress["status"], progress["done"], progress["total"]) == ("done", 3, 3), progress
    calls = len(jira_sim.calls)
    # And once more after everything was handled.
    job = {
        "kind": "release_feature",
        "integration_id": "mob",
        "release_send_id": send_id,
        "reference": "REL-2",
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(job))
    worker.drain()
    assert len(jira_sim.calls) == calls
    again = progress_of(call_api, send_id)
    assert again == progress
    assert all(len(issues) == 1 for issues in stamped(jira_sim).values()) and len(stamped(jira_sim)) == 9


def test_a_transient_failure_queues_the_feature_again_then_it_is_sent(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker
) -> None:
    send_id = started_send(call_api, release_body(1, 2))
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue/bulk$", status=503, retry_after=0, times=1)
    worker.poll()
    worker.poll()
    progress = progress_of(call_api, send_id)
    assert (progress["status"], progress["queued"], progress["done"]) == ("running", 1, 0), progress
    worker.drain()
    progress = progress_of(call_api, send_id)
    assert (progress["status"], progress["queued"], progress["done"]) == ("done", 0, 1), progress
    assert all(len(issues) == 1 for issues in stamped(jira_sim).values()) and len(stamped(jira_sim)) == 3


def test_a_feature_jira_keeps_failing_is_reported_with_its_code_and_hint(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELEASE_MAX_ATTEMPTS", "2")
    release_settings.cache_clear()
    send_id = started_send(call_api, release_body(1, 0))
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=2)
    try:
        worker.drain()
    finally:
        release_settings.cache_clear()
    progress = progress_of(call_api, send_id)
    assert (progress["status"], progress["done"], progress["failed"]) == ("failed", 0, 1), progress
    assert progress["jira_calls"] >= 2 and progress["finished_at"]
    [failure] = progress["failures"]
    assert failure["code"] == "jira_unavailable"
    assert "after 2 attempt(s)" in failure["message"]
    assert "send the release again" in failure["hint"]


def test_a_feature_jira_refuses_fails_with_the_field_and_the_others_are_sent(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker
) -> None:
    send_id = started_send(call_api, release_body(3, 0))
    jira_sim.add_fault(
        method="POST",
        path=r"/rest/api/3/issue$",
        status=400,
        body={"errorMessages": [], "errors": {"customfield_10004": "Number value expected."}},
        times=1,
    )
    worker.drain()
    progress = progress_of(call_api, send_id)
    assert (progress["status"], progress["done"], progress["failed"]) == ("failed", 2, 1), progress
    [failure] = progress["failures"]
    assert failure["code"] == "jira_refused"
    assert "customfield_10004" in failure["message"] and failure["hint"]
