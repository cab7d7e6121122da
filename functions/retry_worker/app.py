"""Retry worker: the SQS batch processor around the retry use case (partial batch failures)."""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.integration_log import log_scope, logger
from aha_jira.wiring import comment_services, retry_queue, send_services, writeback_services

# ruff: noqa: PLC0415 - the retry use case (the send engine behind it) is imported by the first record, not
# at cold start (bench/cold_start.py).

# A batch whose every job must wait is an ordinary outcome: each record is reported in batchItemFailures.
# Powertools' default raises for it, which logs every job's reason outside the integration log's redaction
# and counts a Lambda error for what is only a back-off.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# The queue's redrive policy (maxReceiveCount) decides when a job goes to the DLQ; keep them equal.
MAX_ATTEMPTS = int(os.environ.get("RETRY_MAX_ATTEMPTS", "5"))


class RetryScheduled(Exception):
    """Marks the record failed so SQS keeps it; its visibility was set to the back-off delay."""


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    from aha_jira.retry.jobs import run_queue_message

    attempt = int(record.attributes.approximate_receive_count)
    deadline = time.time() + lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else None
    # Each message is its own unit of work in the integration log: its SQS message id correlates.
    with log_scope(correlation_id=record.message_id):
        outcome = run_queue_message(
            record.body,
            attempt=attempt,
            max_attempts=MAX_ATTEMPTS,
            services=send_services(),
            writeback_services=writeback_services,  # called on the first write-back
            comment_services=comment_services,  # called on the first comment from Aha!
            deadline=deadline,
        )
    if not outcome.done:
        retry_queue().postpone(record.receipt_handle, outcome.delay_seconds)
        raise RetryScheduled(outcome.reason)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
