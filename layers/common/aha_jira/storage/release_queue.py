"""The release queue (SQS): a release send's fan-out message, then one message per feature, and a feature
queued again after a transient failure or a wait on Jira's limits. Messages hold ids only: the features wait
in the release sends table (`storage/release_sends.py`). Its dead-letter queue takes what a worker failed to
handle five times (a crash); `python -m aha_jira.storage.retry_queue --dlq-url ... --queue-url ...` replays
it like the retry queue's."""

from __future__ import annotations

import math
import random
import time

from aha_jira.models.release import ReleaseFanOut, ReleaseFeatureJob
from aha_jira.settings import release_settings
from aha_jira.storage import aws_clients

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds
_BATCH = 10  # SendMessageBatch's limit


class SqsReleaseQueue:
    def __init__(self, queue_url: str | None = None) -> None:
        self._url = queue_url or release_settings().queue_url
        self._client = aws_clients.sqs()

    def fan_out(self, message: ReleaseFanOut) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=message.model_dump_json())

    def enqueue(self, jobs: list[ReleaseFeatureJob]) -> None:
        """One message per job, ten a call; entries SQS did not take are sent again."""
        for start in range(0, len(jobs), _BATCH):
            entries = {
                str(index): job.model_dump_json() for index, job in enumerate(jobs[start : start + _BATCH])
            }
            for attempt in range(8):
                answer = self._client.send_message_batch(
                    QueueUrl=self._url,
                    Entries=[{"Id": key, "MessageBody": body} for key, body in entries.items()],
                )
                failed = {item["Id"] for item in answer.get("Failed") or []}
                entries = {key: body for key, body in entries.items() if key in failed}
                if not entries:
                    break
                time.sleep(min(1.0, 0.05 * 2**attempt) * random.random())  # noqa: S311 - jitter
            else:
                raise RuntimeError("SQS refused messages of a release send 8 times")

    def requeue(self, job: ReleaseFeatureJob, delay_seconds: float) -> None:
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=job.model_dump_json(),
            DelaySeconds=max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds))),
        )


__all__ = ["MAX_DELAY_SECONDS", "SqsReleaseQueue"]
