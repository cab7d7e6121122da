"""The delivery worker against the Aha! simulator: per-record order, superseded states, exactly one Aha! call
per status change, time never counted twice, back-off on 429 and 5xx, dead letters and their replay, answers
Aha!'s API does not promise. Events are written into the outbox as the writers write them (`emit`)."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import boto3

from aha_jira import wiring
from aha_jira.models import roadmap_event
from aha_jira.models.roadmap_event import EventRef
from aha_jira.roadmap.delivery import deliver_message
from aha_jira.storage.roadmap_queue import message_body
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.ops import Target, replay
from tests.integration.roadmap.conftest import (
    DELIVERY_QUEUE,
    DLQ,
    AhaIntegration,
    emit,
    log_lines,
    queue_depth,
    record_link,
    status_event,
    time_event,
)


def aha_calls(integration: AhaIntegration, method: str, fragment: str) -> list[dict[str, Any]]:
    return [
        call
        for call in integration.aha.calls
        if call["method"] == method and fragment in call["path"] and call.get("status") is not None
    ]


def state_of(reference: str) -> Any:
    return wiring.roadmap_events().read_state("mob", reference)


def stored(event_id: int) -> Any:
    found = wiring.roadmap_events().get_event("mob", event_id)
    assert found is not None
    return found


def test_older_states_are_superseded_and_one_status_change_is_one_aha_call(
    aha_integration: AhaIntegration, log_output: io.StringIO
) -> None:
    first, second, third = emit(
        status_event("PROD-1", "In development", "In Progress"),
        status_event("PROD-1", "Ready to ship", "In Review"),
        status_event("PROD-1", "Shipped", "Done"),
    )
    aha_integration.deliver()
    assert aha_integration.aha.feature("PROD-1")["workflow_status"]["name"] == "Shipped"
    assert len(aha_calls(aha_integration, "PUT", "/features/PROD-1")) == 1
    assert [stored(i).delivery for i in (first, second, third)] == ["superseded", "superseded", "delivered"]
    actions = [(line["action"], line["event_id"]) for line in log_lines(log_output)]
    assert actions == [
        ("roadmap.superseded", first),
        ("roadmap.superseded", second),
        ("roadmap.delivered", third),
    ]
    assert state_of("PROD-1").pending == []

    # A duplicate message of a delivered event, and a status Aha! already has: no Aha! call.
    wiring.roadmap_delivery_services().queue.notify([EventRef("mob", third)])
    (again,) = emit(status_event("PROD-1", "Shipped", "Closed"))
    aha_integration.deliver()
    assert len(aha_calls(aha_integration, "PUT", "/features/PROD-1")) == 1
    assert stored(again).delivery == "skipped"


def test_time_tracked_is_never_counted_twice(aha_integration: AhaIntegration) -> None:
    sim = aha_integration.aha
    start = sim.feature("PROD-1")["work_done"] or 0
    emit(time_event("PROD-1", 3600, 7200))
    aha_integration.deliver()
    assert sim.feature("PROD-1")["work_done"] == start + 60
    assert sim.feature("PROD-1")["remaining_estimate"] == 120

    # Aha! records the next post but its answer is lost: the retry reads the work done, never posts twice.
    sim.add_fault(method="POST", path=r"/features/PROD-1/time_tracking_events$", drop_after_commit=True)
    emit(time_event("PROD-1", 5400, 5400))
    aha_integration.deliver()
    assert sim.feature("PROD-1")["work_done"] == start + 90
    posts = aha_calls(aha_integration, "POST", "/time_tracking_events")
    assert len(posts) == 2  # the dropped one counted: 60 then 30, nothing more

    # A worklog deleted in Jira: the connector takes its own time back.
    emit(time_event("PROD-1", 1800, 7200))
    aha_integration.deliver()
    assert sim.feature("PROD-1")["work_done"] == start + 30
    assert sim.feature("PROD-1")["remaining_estimate"] == 120


def test_a_429_backs_off_for_its_retry_after_then_delivers(aha_integration: AhaIntegration) -> None:
    aha_integration.aha.add_fault(method="PUT", path=r"/features/PROD-3$", status=429, retry_after=7)
    (event_id,) = emit(status_event("PROD-3", "In development", "In Progress"))
    services = wiring.roadmap_delivery_services()
    body = message_body(EventRef("mob", event_id))
    outcome = deliver_message(body, attempt=1, max_attempts=8, services=services)
    assert not outcome.done and outcome.delay_seconds >= 7
    assert stored(event_id).attempts == 1 and stored(event_id).delivery == "pending"
    outcome = deliver_message(body, attempt=2, max_attempts=8, services=services)
    assert outcome.done
    assert aha_integration.aha.feature("PROD-3")["workflow_status"]["name"] == "In development"


def test_the_last_attempt_dead_letters_and_a_replay_delivers(
    aha_integration: AhaIntegration, aws: LocalResources, log_output: io.StringIO
) -> None:
    aha_integration.aha.add_fault(method="PUT", path=r"/features/PROD-2$", status=503, times=None)
    (event_id,) = emit(status_event("PROD-2", "In development", "In Progress"))
    services = wiring.roadmap_delivery_services()
    body = message_body(EventRef("mob", event_id))
    outcome = deliver_message(body, attempt=8, max_attempts=8, services=services)
    assert not outcome.done
    assert stored(event_id).delivery == "dead"
    [dead] = [line for line in log_lines(log_output) if line["action"] == "roadmap.dead_lettered"]
    assert dead["error_code"] == "roadmap_unavailable" and "make replay-dlq" in dead["hint"]
    # A newer event of the record waits behind the dead one (per-record order).
    (later,) = emit(roadmap_event.detached(record_link("PROD-2"), "deleted_in_jira", deliver=True))
    outcome = deliver_message(
        message_body(EventRef("mob", later)), attempt=1, max_attempts=8, services=services
    )
    assert not outcome.done and stored(later).delivery == "pending"

    # Once Aha! is back, the dead letter is replayed (SQS moved it to the DLQ) and both are delivered.
    aha_integration.aha.clear_faults()
    sqs = boto3.client("sqs")
    sqs.purge_queue(QueueUrl=aws.queue_url(DELIVERY_QUEUE))
    sqs.send_message(QueueUrl=aws.queue_url(DLQ), MessageBody=body)
    target = Target(
        api_url="unused",
        api_key="unused",
        queue_url=aws.queue_url("RetryQueue"),
        dlq_url=aws.queue_url("RetryDeadLetterQueue"),
        endpoint_url=aws.endpoint_url,
        region=aws.region,
        roadmap_queue_url=aws.queue_url(DELIVERY_QUEUE),
        roadmap_dlq_url=aws.queue_url(DLQ),
    )
    said = io.StringIO()
    assert replay(target, argparse.Namespace(limit=None), said) == 0  # what `make replay-dlq` runs
    assert json.loads(said.getvalue()) == {"moved": 1, "retry": 0, "roadmap": 1}
    aha_integration.deliver()
    assert stored(event_id).delivery == "delivered" and stored(later).delivery == "delivered"
    assert aha_integration.aha.feature("PROD-2")["workflow_status"]["name"] == "In development"
    assert queue_depth(aws, DLQ) == 0


def test_what_aha_refuses_fails_with_a_hint_and_the_record_goes_on(
    aha_integration: AhaIntegration, log_output: io.StringIO
) -> None:
    refused, later = emit(
        status_event("PROD-1", "Not a status", "In Progress"), time_event("PROD-1", 600, None)
    )
    aha_integration.deliver()
    assert stored(refused).delivery == "failed" and stored(later).delivery == "delivered"
    [failed] = [line for line in log_lines(log_output) if line["action"] == "roadmap.failed"]
    assert failed["error_code"] == "roadmap_refused" and failed["hint"]


def test_an_answer_aha_does_not_promise_is_retried_never_lost(
    aha_integration: AhaIntegration, log_output: io.StringIO
) -> None:
    aha_integration.aha.add_fault(
        method="PUT", path=r"/features/PROD-1$", status=200, body="<html>oops</html>"
    )
    (event_id,) = emit(status_event("PROD-1", "In development", "In Progress"))
    aha_integration.deliver()
    assert stored(event_id).delivery == "delivered"
    [retried] = [line for line in log_lines(log_output) if line["action"] == "roadmap.retried"]
    assert retried["error_code"] == "roadmap_unexpected_answer" and retried["hint"]


def test_a_detached_record_gets_one_comment_even_when_its_answer_is_lost(
    aha_integration: AhaIntegration,
) -> None:
    sim = aha_integration.aha
    before = len(sim.feature("PROD-3")["comments"])
    sim.add_fault(method="POST", path=r"/features/PROD-3/comments$", drop_after_commit=True)
    emit(roadmap_event.detached(record_link("PROD-3", key="MOB-7"), "deleted_in_jira", deliver=True))
    aha_integration.deliver()
    comments = sim.feature("PROD-3")["comments"]
    assert len(comments) == before + 1
    assert "MOB-7 was deleted" in comments[-1]["body"]


def test_without_a_connector_now_pending_events_are_skipped(
    aha_integration: AhaIntegration, log_output: io.StringIO
) -> None:
    (event_id,) = emit(status_event("PROD-1", "Shipped", "Done"))
    aha_integration.configure(type="none")
    aha_integration.deliver()
    assert stored(event_id).delivery == "skipped"
    assert not aha_calls(aha_integration, "PUT", "/features/PROD-1")
    [skipped] = log_lines(log_output)
    assert skipped["action"] == "roadmap.skipped" and "roadmap.type none" in skipped["message"]


def test_aha_requests_book_the_aha_accounts_request_budget(
    aha_integration: AhaIntegration, aws: LocalResources
) -> None:
    emit(status_event("PROD-1", "In development", "In Progress"))
    aha_integration.deliver()
    items = boto3.client("dynamodb").scan(TableName=aws.table_name("RateBudgetTable"))["Items"]
    sites = {item["pk"]["S"] for item in items}
    assert f"SITE#aha:{aha_integration.aha.base_url}" in sites


def first_attempt(event_id: int) -> Any:
    """The event's first delivery attempt, here and now (its queue message stays for the worker)."""
    services = wiring.roadmap_delivery_services()
    return deliver_message(
        message_body(EventRef("mob", event_id)), attempt=1, max_attempts=8, services=services
    )


def test_a_status_put_done_while_its_answer_was_lost_is_not_taken_as_undone(
    aha_integration: AhaIntegration,
) -> None:
    sim = aha_integration.aha
    emit(status_event("PROD-1", "In development", "In Progress"))
    aha_integration.deliver()
    # Aha! makes the next change but its answer is lost; before the retry, the issue goes back in Jira: the
    # newer event supersedes the lost one, and Aha! must be put back too (the soak's "Ready to develop" !=
    # "In development" under load).
    sim.add_fault(method="PUT", path=r"/features/PROD-1$", drop_after_commit=True)
    (lost,) = emit(status_event("PROD-1", "Ready to develop", "To Do"))
    assert not first_attempt(lost).done
    assert sim.feature("PROD-1")["workflow_status"]["name"] == "Ready to develop"
    (back,) = emit(status_event("PROD-1", "In development", "In Progress"))
    aha_integration.deliver()
    assert sim.feature("PROD-1")["workflow_status"]["name"] == "In development"
    assert [stored(lost).delivery, stored(back).delivery] == ["superseded", "delivered"]


def test_time_taken_back_while_the_answer_was_lost_is_not_counted_after_a_newer_event(
    aha_integration: AhaIntegration,
) -> None:
    sim = aha_integration.aha
    start = sim.feature("PROD-1")["work_done"] or 0
    emit(time_event("PROD-1", 900, None))
    aha_integration.deliver()
    assert sim.feature("PROD-1")["work_done"] == start + 15
    # The worklog deleted in Jira: Aha! deletes the connector's event but the answer is lost; before the
    # retry, more work is logged: the newer event supersedes the lost one and must not count the deleted 15
    # minutes as still posted (the soak's "work_done 45 != 60" under load).
    sim.add_fault(method="DELETE", path=r"/time_tracking_events/", drop_after_commit=True)
    (lower,) = emit(time_event("PROD-1", 0, None))
    assert not first_attempt(lower).done
    assert sim.feature("PROD-1")["work_done"] == start
    (higher,) = emit(time_event("PROD-1", 3600, None))
    aha_integration.deliver()
    assert sim.feature("PROD-1")["work_done"] == start + 60
    assert [stored(lower).delivery, stored(higher).delivery] == ["superseded", "delivered"]
