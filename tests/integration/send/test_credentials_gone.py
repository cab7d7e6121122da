"""A send after the integration's credentials went away (the secret deleted, a Connect app uninstalled since
the test) is Jira refusing the integration: 422 `jira_auth_failed` with its hint, logged, and no Jira call."""

from __future__ import annotations

import logging

import boto3
import pytest

from aha_jira.integrations.secret_names import jira_credentials_secret
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from tests.fixtures.api import Call
from tests.integration.send.conftest import aha_feature
from tests.integration.send.test_send import send


def test_a_send_without_stored_credentials_is_refused_as_jira_auth_failed(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    boto3.client("secretsmanager").delete_secret(
        SecretId=jira_credentials_secret(mob), ForceDeleteWithoutRecovery=True
    )
    calls_before = len(jira_sim.calls)
    status, body = send(call_api, aha_feature(), mob)
    assert status == 422, body
    assert body["error"]["code"] == "jira_auth_failed"
    assert "credentials" in body["error"]["hint"]
    assert len(jira_sim.calls) == calls_before


def test_a_batch_whose_every_job_must_wait_is_answered_as_item_failures_not_an_error(
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    retry_poller: SqsPoller,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every record of the batch failing is an ordinary outcome for the retry worker (each job postponed):
    it answers `batchItemFailures` for all of them. Raising instead (Powertools' default for an entire batch)
    would log the jobs' reasons outside the integration log's redaction and count as a Lambda error."""
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=10)
    status, queued = send(call_api, aha_feature(), mob)
    assert status == 202, queued
    source = next(s for s in retry_poller.sources if s.function == "RetryWorkerFunction")
    with caplog.at_level(logging.ERROR, logger="aha_jira_dev.local_stack.sqs_poller"):
        outcome = retry_poller.poll_once(source, wait_time_seconds=2)
    assert len(outcome.received) == 1 and outcome.failed == outcome.received
    assert not [record for record in caplog.records if "failed on a batch" in record.getMessage()]
