"""The SQS queue of roadmap deliveries (`RoadmapDeliveryQueue`, dead letters in `RoadmapDeliveryDLQ`): one
small message per committed event, `{"integration_id", "event_id"}`; the event itself is in the outbox.

Enqueueing is best effort: a writer whose change committed never fails because SQS did not take the
message (the sweep finds the event still pending and enqueues it). The dead letters are replayed with the
retry queue's command (`make replay-dlq` moves both queues' dead letters back).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aha_jira.models.roadmap_event import EventRef
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds and for a visibility timeout change
_BATCH = 10  # SendMessageBatch's limit

logger = logging.getLogger(__name__)


def message_body(ref: EventRef) -> str:
    return json.dumps({"integration_id": ref.integration_id, "event_id": ref.event_id})


class SqsRoadmapDeliveryQueue:
    def __init__(self, queue_url: str | None = None) -> None:
        self._url = queue_url or get_settings().roadmap_delivery_queue_url
        self._client = aws_clients.sqs()

    def notify(self, events: Sequence[EventRef], delay_seconds: float = 0) -> int:
        """Enqueue one message per event (batches of 10); how many SQS took. Never raises."""
        taken = 0
        delay = max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds)))
        for start in range(0, len(events), _BATCH):
            chunk = events[start : start + _BATCH]
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(index), "MessageBody": message_body(ref), "DelaySeconds": delay}
                for index, ref in enumerate(chunk)
            ]
            try:
                answer = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            except Exception as error:  # best effort: the sweep enqueues what this lost
                logger.warning(
                    "roadmap delivery messages not enqueued (%s); the sweep will", type(error).__name__
                )
                continue
            taken += len(answer.get("Successful", []))
        return taken

    def postpone(self, receipt_handle: str, delay_seconds: float) -> None:
        """Make a received message visible again after `delay_seconds` (its back-off)."""
        self._client.change_message_visibility(
            QueueUrl=self._url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds))),
        )
