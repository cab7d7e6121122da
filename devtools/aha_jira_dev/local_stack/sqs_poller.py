"""Lambda's SQS event source mapping, played locally against the local queues.

For each `Type: SQS` event of the template, a thread long-polls the queue for up to BatchSize messages,
builds the SQS event, invokes the handler in-process and deletes what succeeded: everything when the
handler returns; with `ReportBatchItemFailures`, everything except the `batchItemFailures` it reports (an
invalid report fails the whole batch, as in Lambda); nothing when it raises. Messages left behind come
back after the queue's visibility timeout and reach the dead-letter queue through its redrive policy.
"""

from __future__ import annotations

import base64
import logging
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.lambda_context import context_for
from aha_jira_dev.local_stack.log_redaction import loggable
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import SqsEventSource, Template

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

logger = logging.getLogger("aha_jira_dev.local_stack.sqs_poller")

MAX_BATCH = 10  # ReceiveMessage's limit; Lambda batches larger ones with a batching window
_OPTIONAL_ATTRIBUTES = ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader")


@dataclass(frozen=True)
class BatchOutcome:
    """What one poll did: the message ids received, deleted and left on the queue."""

    received: tuple[str, ...]
    deleted: tuple[str, ...]
    failed: tuple[str, ...]


def _message_attributes(message: MessageTypeDef) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for name, attribute in (message.get("MessageAttributes") or {}).items():
        binary = attribute.get("BinaryValue")
        result[name] = {
            "stringValue": attribute.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
            "stringListValues": list(attribute.get("StringListValues") or []),
            "binaryListValues": [
                base64.b64encode(value).decode() for value in attribute.get("BinaryListValues") or []
            ],
            "dataType": attribute.get("DataType"),
        }
    return result


def build_sqs_event(messages: Sequence[MessageTypeDef], *, queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda passes for a batch of SQS messages."""
    records: list[dict[str, Any]] = []
    for message in messages:
        attributes: dict[str, str] = {str(k): v for k, v in (message.get("Attributes") or {}).items()}
        extra = {key: value for key, value in attributes.items() if key in _OPTIONAL_ATTRIBUTES}
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message.get("Body", ""),
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "AIDAIENQZJOLO23YVJ4VO"),
                    "ApproximateFirstReceiveTimestamp": attributes.get(
                        "ApproximateFirstReceiveTimestamp", attributes.get("SentTimestamp", "0")
                    ),
                    **extra,
                },
                "messageAttributes": _message_attributes(message),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def failed_ids(result: Any, message_ids: Sequence[str]) -> set[str]:
    """The message ids a ReportBatchItemFailures response marks failed (all of them when it is invalid)."""
    if result is None:
        return set()
    if not isinstance(result, Mapping):
        return set(message_ids)
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in message_ids:
            return set(message_ids)  # Lambda treats an invalid report as a failure of the whole batch
        failed.add(identifier)
    return failed


class SqsPoller:
    """Polls every SQS event source of the template, each in its own thread (a source with
    `ScalingConfig.MaximumConcurrency` in that many threads, as Lambda runs that many invocations at once;
    `concurrency` overrides it per queue)."""

    def __init__(
        self,
        template: Template,
        resources: LocalResources,
        *,
        handlers: HandlerRegistry | None = None,
        wait_time_seconds: int = 2,
        sources: Sequence[SqsEventSource] | None = None,
        concurrency: Mapping[str, int] | None = None,
    ) -> None:
        self.template = template
        self.resources = resources
        self.handlers = handlers or HandlerRegistry(template)
        self.wait_time_seconds = wait_time_seconds
        self.sources = [s for s in (template.sqs_event_sources if sources is None else sources) if s.enabled]
        self.concurrency = dict(concurrency or {})
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._client: SQSClient = boto3.session.Session(region_name=resources.region).client(
            "sqs", endpoint_url=resources.endpoint_url
        )

    def poll_once(self, source: SqsEventSource, *, wait_time_seconds: int | None = None) -> BatchOutcome:
        """Receive one batch for `source`, invoke its handler and delete what succeeded."""
        queue_url = self.resources.queue_url(source.queue)
        response = self._client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=max(1, min(source.batch_size, MAX_BATCH)),
            WaitTimeSeconds=self.wait_time_seconds if wait_time_seconds is None else wait_time_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages") or []
        if not messages:
            return BatchOutcome((), (), ())
        ids = [m["MessageId"] for m in messages]
        event = build_sqs_event(
            messages, queue_arn=self.resources.queue_arn(source.queue), region=self.resources.region
        )
        function = self.handlers.function(source.function)
        try:
            result = self.handlers.handler(source.function)(event, context_for(function))
        except Exception:
            logger.error(
                "%s failed on a batch of %d from %s; the messages return after the visibility timeout:\n%s",
                source.function,
                len(messages),
                source.queue,
                loggable(traceback.format_exc()),
            )
            return BatchOutcome(tuple(ids), (), tuple(ids))
        failed = failed_ids(result, ids) if source.report_batch_item_failures else set()
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), MAX_BATCH):
            chunk = done[start : start + MAX_BATCH]
            answer = self._client.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
            for failure in answer.get("Failed") or []:
                logger.warning("could not delete a message from %s: %s", source.queue, failure)
        logger.info(
            "%s: %d message(s) from %s, %d failed", function.name, len(messages), source.queue, len(failed)
        )
        return BatchOutcome(
            tuple(ids), tuple(m["MessageId"] for m in done), tuple(i for i in ids if i in failed)
        )

    # -- threads ----------------------------------------------------------------------------------------
    def start(self) -> SqsPoller:
        if self._threads:
            return self
        self._stop.clear()
        for source in self.sources:
            for number in range(self.threads_for(source)):
                thread = threading.Thread(
                    target=self._run,
                    args=(source,),
                    name=f"sqs-poller-{source.function}-{number}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        return self

    def threads_for(self, source: SqsEventSource) -> int:
        """Invocations of the source's function at once: `concurrency` for its queue, else its
        MaximumConcurrency, else one."""
        return max(1, self.concurrency.get(source.queue) or source.maximum_concurrency or 1)

    def _run(self, source: SqsEventSource) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(source)
            except Exception:
                logger.exception("polling %s failed; retrying", source.queue)
                self._stop.wait(1.0)

    def stop(self) -> None:
        """Stop polling; waits for the batches in progress (at most the long-poll wait plus a handler)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_time_seconds + 30)
        self._threads = []

    def __enter__(self) -> SqsPoller:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
