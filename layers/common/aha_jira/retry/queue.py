"""The SQS retry queue adapter. Messages are small `RetryJob`s; the payload waits in DynamoDB."""

from __future__ import annotations

import math

from aha_jira.models.send import QueueMessage
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds and for a visibility timeout change we use


class SqsRetryQueue:
    def __init__(self, queue_url: str | None = None) -> None:
        self._url = queue_url or get_settings().retry_queue_url
        self._client = aws_clients.sqs()

    def enqueue(self, job: QueueMessage, delay_seconds: float) -> None:
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=job.model_dump_json(),
            DelaySeconds=max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds))),
        )

    def postpone(self, receipt_handle: str, delay_seconds: float) -> None:
        """Make a received message visible again after `delay_seconds` (its retry back-off). Its receive
        count still grows, so the redrive policy moves it to the DLQ after the last attempt."""
        self._client.change_message_visibility(
            QueueUrl=self._url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds))),
        )
