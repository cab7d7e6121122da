"""The sweep: an event whose delivery message was lost is enqueued again by the schedule (every minute in AWS,
every few seconds in the local stack), and delivered."""

from __future__ import annotations

import io

import boto3

from aha_jira import wiring
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.schedules import ScheduleRunner
from aha_jira_dev.local_stack.template import Template
from tests.integration.roadmap.conftest import (
    DELIVERY_QUEUE,
    AhaIntegration,
    emit,
    log_lines,
    queue_depth,
    status_event,
)


def test_a_lost_trigger_only_delays_the_event(
    aha_integration: AhaIntegration,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    log_output: io.StringIO,
) -> None:
    (event_id,) = emit(status_event("PROD-1", "In development", "In Progress"))
    boto3.client("sqs").purge_queue(QueueUrl=aws.queue_url(DELIVERY_QUEUE))  # the message is lost
    assert queue_depth(aws, DELIVERY_QUEUE) == 0
    runner = ScheduleRunner(repo_template, handlers=handler_registry)
    [sweep] = [s for s in runner.schedules if s.function.logical_id == "RoadmapDeliveryFunction"]
    assert runner.fire(sweep) == {"enqueued": 1}
    aha_integration.deliver()
    assert wiring.roadmap_events().get_event("mob", event_id).delivery == "delivered"  # type: ignore[union-attr]
    assert aha_integration.aha.feature("PROD-1")["workflow_status"]["name"] == "In development"
    [swept] = [line for line in log_lines(log_output) if line["action"] == "roadmap.swept"]
    assert swept["integration_id"] == "mob" and swept["event_count"] == 1
    # Settled events are no longer due: the next sweep enqueues nothing.
    assert runner.fire(sweep) == {"enqueued": 0}
