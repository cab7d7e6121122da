"""Release worker: the SQS batch processor around the release use case (one message: a release send's
fan-out, or one feature of it). Its event source's `ScalingConfig.MaximumConcurrency` (template.yaml) caps
how many run at once, so a big release never takes the account's whole Lambda concurrency."""

from __future__ import annotations

import logging
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.integration_log import log_scope, logger
from aha_jira.wiring import release_services

# ruff: noqa: PLC0415 - the release use case (the send engine behind it) is imported by the first record, not
# at cold start (bench/cold_start.py).

# A record the use case did not handle is logged with its traceback (Powertools would only count it).
processor = BatchProcessor(event_type=EventType.SQS, logger=logging.getLogger(logger.name))


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    """Handled, or queued again by the use case itself (a new message): the record is deleted either way. An
    exception leaves it on the queue: back after the visibility timeout, to the dead-letter queue after five."""
    from aha_jira.releases.worker import run_release_message

    deadline = time.time() + lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else None
    with log_scope(correlation_id=record.message_id):
        run_release_message(record.body, services=release_services(), deadline=deadline)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
