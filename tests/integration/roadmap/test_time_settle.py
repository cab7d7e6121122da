"""A time tracking post whose answer was lost is judged only once it has settled: Aha! may apply a request
after the client gave up on it (the simulator's `delay` longer than the read timeout), and an attempt that
read the record's work done before then would post the time again (the reliability run's 90 min in Aha!
against Jira's 70). Through the Aha! simulator over HTTP; the windows are short through configuration."""

from __future__ import annotations

import io
import time
from typing import Any

import boto3
import pytest

from aha_jira import wiring
from aha_jira.models.roadmap_event import EventRef
from aha_jira.roadmap.delivery import MessageOutcome, deliver_message
from aha_jira.storage.roadmap_queue import message_body
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.roadmap.conftest import (
    DELIVERY_QUEUE,
    AhaIntegration,
    emit,
    log_lines,
    queue_depth,
    time_event,
)

POSTS = r"/features/PROD-1/time_tracking_events$"
READ_TIMEOUT = "0.3"
LATE = 1.5  # Aha! applies the post this long after it arrived: after the client's timeout and its retry
SETTLE = "3"  # over how late it lands after the client gave up on it (1.2 s)


def attempt(event_id: int, *, number: int = 1) -> MessageOutcome:
    """A delivery attempt of the event's message, here and now (its queue message stays for the worker)."""
    return deliver_message(
        message_body(EventRef("mob", event_id)),
        attempt=number,
        max_attempts=8,
        services=wiring.roadmap_delivery_services(),
    )


def until_delivered(event_id: int) -> MessageOutcome:
    """Attempts, each after the delay the one before asked for, until one is done."""
    for _ in range(10):
        outcome = attempt(event_id)
        if outcome.done:
            return outcome
        time.sleep(min(outcome.delay_seconds, float(SETTLE)))
    raise AssertionError(f"event {event_id} still not delivered: {outcome.reason}")


def late_post_landed(sim: AhaSimulator) -> None:
    """Wait until the simulator has applied the delayed post (its call is logged once it is done)."""
    for _ in range(100):
        if any(call["method"] == "POST" and call.get("fault") for call in sim.calls):
            return
        time.sleep(0.1)
    raise AssertionError("the delayed time tracking post never landed")


def messages(aws: LocalResources) -> int:
    """The delivery queue's messages, those delayed on their way in included."""
    delayed = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url(DELIVERY_QUEUE), AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]["ApproximateNumberOfMessagesDelayed"]
    return queue_depth(aws, DELIVERY_QUEUE) + int(delayed)


def work_done(sim: AhaSimulator) -> Any:
    return sim.feature("PROD-1")["work_done"] or 0


def stored_delivery(event_id: int) -> Any:
    found = wiring.roadmap_events().get_event("mob", event_id)
    assert found is not None
    return found


@pytest.fixture
def slow_aha(aha_integration: AhaIntegration, monkeypatch: pytest.MonkeyPatch) -> AhaIntegration:
    """An hour already delivered to PROD-1; from now on the client gives up after 0.3 s and a post whose
    answer was lost settles for 3 s."""
    emit(time_event("PROD-1", 3600, None))
    aha_integration.deliver()
    monkeypatch.setenv("ROADMAP_READ_TIMEOUT_SECONDS", READ_TIMEOUT)
    monkeypatch.setenv("ROADMAP_TIME_SETTLE_SECONDS", SETTLE)
    return aha_integration


def test_a_post_applied_after_its_timeout_is_waited_for_not_posted_again(
    slow_aha: AhaIntegration, log_output: io.StringIO
) -> None:
    sim = slow_aha.aha
    start = work_done(sim)
    sim.add_fault(method="POST", path=POSTS, delay=LATE)
    (event_id,) = emit(time_event("PROD-1", 5400, None))  # Jira: 90 min, 30 more than Aha! has
    timed_out = attempt(event_id)
    assert not timed_out.done and "did not answer" in timed_out.reason

    # The retry comes before the late post lands: it does not read the work done yet, it comes back.
    retry = attempt(event_id, number=2)
    assert not retry.done and "settle" in retry.reason
    assert 0 < retry.delay_seconds <= float(SETTLE)
    assert stored_delivery(event_id).delivery == "pending" and stored_delivery(event_id).attempts == 1
    waiting = [line for line in log_lines(log_output) if line["action"] == "roadmap.waiting"]
    assert len(waiting) == 1 and waiting[0]["event_id"] == event_id

    late_post_landed(sim)
    assert work_done(sim) == start + 30
    until_delivered(event_id)
    slow_aha.deliver()  # the event's own message finds it delivered
    assert work_done(sim) == start + 30  # Jira's 90 min, counted once
    assert stored_delivery(event_id).delivery == "skipped"  # the late post counted: nothing more to post
    assert len(sim.time_tracking_events()) == 2  # the hour, then the 30 min that landed late


def test_a_newer_time_event_waits_for_the_post_it_supersedes_to_settle(slow_aha: AhaIntegration) -> None:
    sim = slow_aha.aha
    start = work_done(sim)
    sim.add_fault(method="POST", path=POSTS, delay=LATE)
    (lost,) = emit(time_event("PROD-1", 5400, None))
    assert not attempt(lost).done
    (newer,) = emit(time_event("PROD-1", 7200, None))  # more work logged in Jira: 120 min
    waits = attempt(newer)
    assert not waits.done and "settle" in waits.reason
    assert stored_delivery(lost).delivery == "superseded"

    late_post_landed(sim)
    until_delivered(newer)
    slow_aha.deliver()
    assert work_done(sim) == start + 60  # the 30 min that landed late, then 30 more: Jira's 120 min
    assert stored_delivery(newer).delivery == "delivered"


def test_a_post_aha_refused_is_not_waited_for(
    slow_aha: AhaIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 429 says nothing was done: the next attempt posts at once, however long the settle window.
    monkeypatch.setenv("ROADMAP_TIME_SETTLE_SECONDS", "600")
    sim = slow_aha.aha
    start = work_done(sim)
    sim.add_fault(method="POST", path=POSTS, status=429, retry_after=1)
    (event_id,) = emit(time_event("PROD-1", 5400, None))
    assert not attempt(event_id).done
    assert attempt(event_id, number=2).done
    assert work_done(sim) == start + 30


def test_waiting_on_the_last_attempt_hands_over_to_a_new_message(
    slow_aha: AhaIntegration, aws: LocalResources
) -> None:
    # SQS would dead-letter the message at its next receive though nothing failed: a new one takes over.
    sim = slow_aha.aha
    start = work_done(sim)
    sim.add_fault(method="POST", path=POSTS, drop_after_commit=True)
    (event_id,) = emit(time_event("PROD-1", 5400, None))
    assert not attempt(event_id).done
    queued = messages(aws)
    last = attempt(event_id, number=8)
    assert last.done and "settle" in last.reason
    assert messages(aws) == queued + 1
    assert stored_delivery(event_id).delivery == "pending"  # not dead: nothing failed
    until_delivered(event_id)
    assert work_done(sim) == start + 30
