"""The SQS retry queue: enqueue a job (`RetryJob`, `ImportWriteBack`: small; a send's payload waits in
DynamoDB), postpone a received one, and move the dead letters back once their cause is fixed.

In AWS, SQS's own redrive does what `replay_dead_letters` does (`aws sqs start-message-move-task`, see
docs/operations.md); this command works against any endpoint, including the local stack's moto:

    python -m aha_jira.storage.retry_queue --dlq-url <url> --queue-url <url> [--limit N]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING

from aha_jira.models.send import QueueMessage
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

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


def replay_dead_letters(
    dlq_url: str, queue_url: str, *, limit: int | None = None, sqs: SQSClient | None = None
) -> int:
    """Send each dead letter to the retry queue, then delete it from the DLQ. Returns how many moved."""
    client = sqs or aws_clients.sqs()
    moved = 0
    while limit is None or moved < limit:
        batch = min(10, limit - moved) if limit is not None else 10
        answer = client.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=batch, WaitTimeSeconds=1)
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            # Sent before deleted: a crash in between replays a message twice, which a send tolerates.
            # Retry jobs carry everything in their body; they have no message attributes to keep.
            client.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
            client.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dlq-url", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    moved = replay_dead_letters(args.dlq_url, args.queue_url, limit=args.limit)
    print(json.dumps({"moved": moved}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
