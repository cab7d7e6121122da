"""Roadmap delivery worker: the SQS batch processor around the roadmap delivery use case (partial batch
failures), and the sweep on its schedule (EventBridge, every minute; `make run` every few seconds)."""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.integration_log import log_scope, logger
from aha_jira.wiring import roadmap_delivery_services

# ruff: noqa: PLC0415 - the delivery use case and the sweep (the Aha! client behind them) are imported when
# first called, not at cold start (bench/cold_start.py).

processor = BatchProcessor(event_type=EventType.SQS)
# The queue's redrive policy (maxReceiveCount) decides when a message goes to the DLQ; keep them equal.
MAX_ATTEMPTS = int(os.environ.get("ROADMAP_MAX_ATTEMPTS", "8"))


class DeliveryScheduled(Exception):
    """Marks the record failed so SQS keeps it; its visibility was set to the back-off delay."""


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    from aha_jira.roadmap.delivery import deliver_message

    attempt = int(record.attributes.approximate_receive_count)
    deadline = time.time() + lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else None
    # Each message is its own unit of work in the integration log: its SQS message id correlates.
    with log_scope(correlation_id=record.message_id):
        services = roadmap_delivery_services()
        outcome = deliver_message(
            record.body, attempt=attempt, max_attempts=MAX_ATTEMPTS, services=services, deadline=deadline
        )
    if not outcome.done:
        services.queue.postpone(record.receipt_handle, outcome.delay_seconds)
        raise DeliveryScheduled(outcome.reason)


@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: LambdaContext
) -> PartialItemFailureResponse | dict[str, int]:
    if "Records" not in event:
        # The schedule (`RoadmapDeliverySweep`): enqueue the events whose trigger was lost.
        from aha_jira.roadmap.sweep import sweep

        with log_scope(correlation_id=context.aws_request_id):
            return {"enqueued": sweep(roadmap_delivery_services())}
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
