"""The SQS poller plays Lambda's event source mapping: partial batch failures, redelivery, the DLQ."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import boto3
import pytest

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller, build_sqs_event, failed_ids
from aha_jira_dev.local_stack.template import SqsEventSource, Template


@pytest.fixture
def poller(
    fixture_template: Template,
    fixture_resources: LocalResources,
    fixture_handlers: HandlerRegistry,
    fixture_environment: dict[str, str],
) -> SqsPoller:
    return SqsPoller(fixture_template, fixture_resources, handlers=fixture_handlers, wait_time_seconds=1)


@pytest.fixture
def source(fixture_template: Template) -> SqsEventSource:
    (only,) = fixture_template.sqs_event_sources
    return only


def _sqs() -> Any:
    return boto3.client("sqs")


def _send(resources: LocalResources, *bodies: str) -> dict[str, str]:
    """Send messages; returns body -> message id."""
    ids = {}
    for body in bodies:
        sent = _sqs().send_message(
            QueueUrl=resources.queue_url("WorkQueue"),
            MessageBody=body,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "job"}},
        )
        ids[body] = sent["MessageId"]
    return ids


def _poll_until_received(poller: SqsPoller, source: SqsEventSource, tries: int = 10) -> Any:
    for _ in range(tries):
        outcome = poller.poll_once(source, wait_time_seconds=2)
        if outcome.received:
            return outcome
    raise AssertionError("nothing received")


def test_the_event_source_is_read_from_the_template(source: SqsEventSource) -> None:
    assert source.function == "WorkerFunction"
    assert source.queue == "WorkQueue"
    assert source.batch_size == 5
    assert source.report_batch_item_failures is True


def test_the_sqs_event_has_lambdas_shape(fixture_resources: LocalResources) -> None:
    _send(fixture_resources, "hello")
    messages = _sqs().receive_message(
        QueueUrl=fixture_resources.queue_url("WorkQueue"),
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
        WaitTimeSeconds=1,
    )["Messages"]
    event = build_sqs_event(messages, queue_arn=fixture_resources.queue_arn("WorkQueue"), region="us-east-1")
    (record,) = event["Records"]
    assert record["body"] == "hello"
    assert record["md5OfBody"] == hashlib.md5(b"hello", usedforsecurity=False).hexdigest()
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == fixture_resources.queue_arn("WorkQueue")
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert int(record["attributes"]["SentTimestamp"]) > 0
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "job",
        "binaryValue": None,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert set(record) >= {"messageId", "receiptHandle"}


def test_partial_batch_failures_delete_only_what_succeeded_and_the_dlq_gets_the_rest(
    poller: SqsPoller, source: SqsEventSource, fixture_resources: LocalResources
) -> None:
    ids = _send(fixture_resources, "ok-1", "fail-2", "ok-3")

    first = _poll_until_received(poller, source)
    received = set(first.received)
    assert ids["fail-2"] in received
    assert set(first.failed) == {ids["fail-2"]}
    assert ids["fail-2"] not in first.deleted
    # anything the first receive did not get is processed by the next polls
    while not {ids["ok-1"], ids["ok-3"]} <= received:
        received |= set(_poll_until_received(poller, source).received)

    # the failed message comes back after the visibility timeout (1 s), once more (maxReceiveCount 2)
    again = _poll_until_received(poller, source)
    assert again.received == (ids["fail-2"],)
    assert again.failed == (ids["fail-2"],)

    # then the redrive policy moves it to the dead-letter queue
    dead: list[Any] = []
    for _ in range(10):
        assert poller.poll_once(source, wait_time_seconds=1).received == ()
        dead = (
            _sqs()
            .receive_message(QueueUrl=fixture_resources.queue_url("WorkDeadLetterQueue"), WaitTimeSeconds=1)
            .get("Messages", [])
        )
        if dead:
            break
    assert [m["Body"] for m in dead] == ["fail-2"]
    attributes = _sqs().get_queue_attributes(
        QueueUrl=fixture_resources.queue_url("WorkQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_a_raising_handler_deletes_nothing(
    poller: SqsPoller, source: SqsEventSource, fixture_resources: LocalResources
) -> None:
    ids = _send(fixture_resources, "raise", "ok")
    outcome = _poll_until_received(poller, source)
    assert outcome.deleted == ()
    assert set(outcome.failed) == set(outcome.received)
    redelivered: set[str] = set()
    for _ in range(10):
        redelivered |= {
            m["MessageId"]
            for m in _sqs()
            .receive_message(
                QueueUrl=fixture_resources.queue_url("WorkQueue"), MaxNumberOfMessages=10, WaitTimeSeconds=2
            )
            .get("Messages", [])
        }
        if set(outcome.received) <= redelivered:
            break
    assert set(outcome.received) <= redelivered <= set(ids.values())


def test_an_invalid_failure_report_fails_the_whole_batch() -> None:
    ids = ["a", "b"]
    assert failed_ids(None, ids) == set()
    assert failed_ids({"batchItemFailures": []}, ids) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ids) == {"a"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) == {"a", "b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) == {"a", "b"}
    assert failed_ids("nonsense", ids) == {"a", "b"}


def test_the_polling_thread_processes_messages_and_stops(
    poller: SqsPoller, fixture_resources: LocalResources
) -> None:
    _send(fixture_resources, "ok-a", "ok-b")
    queue_url = fixture_resources.queue_url("WorkQueue")
    with poller:
        threads = list(poller._threads)
        assert threads
        for _ in range(100):
            attributes = _sqs().get_queue_attributes(
                QueueUrl=queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            if (
                attributes["ApproximateNumberOfMessages"]
                == attributes["ApproximateNumberOfMessagesNotVisible"]
                == "0"
            ):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the poller did not consume the messages")
    assert all(not thread.is_alive() for thread in threads)
