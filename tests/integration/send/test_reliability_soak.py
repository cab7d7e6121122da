"""Reliability of sends under faults: the soak run CI runs with small parameters, and reproductions of what
the full run (`python -m bench.send_reliability`) found.

The soak is `bench.send_reliability` itself (one implementation): sends of a pool of features with a random
simulator fault per send (429, 503, a write Jira commits after the client's read timeout, a create whose
answer is lost), doubled concurrent sends, a second click after a 202, redelivered queue messages and faults
met by the retry worker, then the invariants counted on the Jira side: exactly one stamped issue per roadmap
record, every record linked to it, nothing left in the dead-letter queue.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench.send_reliability import RunConfig, RunStack, format_report, run_reliability
from tests.fixtures.api import Call
from tests.integration.send.conftest import aha_feature
from tests.integration.send.test_send import _drain, issues_for, send

SOAK = RunConfig(
    sends=20,
    seed=11,
    features=4,
    round_size=5,
    duplicate_rate=0.15,
    redeliver_rate=0.6,
    worker_fault_rate=0.5,
    # The lease / 3 is how long a send that met another send of the same feature in flight waits in the
    # queue: 30 s with the product's 90 s lease. Sends here finish well within 6 s.
    lease_seconds=6.0,
    # A timed-out write lands 0.05 s after the client gave up and shows in search 0.05 s later: well inside
    # the 0.3 s search consistency window, so a busy CI machine does not turn the fault into a real loss.
    late_commit=0.05,
    search_lag=0.05,
    drain_timeout=40.0,
    integration_id="soak",
    prefix="SOAK",
)


@pytest.mark.soak
def test_reliability_soak(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, retry_poller: SqsPoller
) -> None:
    report = run_reliability(RunStack(call_api, jira_sim, retry_poller, aws), SOAK)
    summary = format_report(report)
    # The run did meet faults, doubles and retries (otherwise it proves nothing).
    assert sum(report.faults_hit.values()) >= 3, summary
    assert report.duplicate_sends >= 1 and report.retries_run >= 1, summary
    assert report.answers[202] >= 1, summary
    # The invariants.
    assert report.duplicates == [], summary
    assert report.missing == [], summary
    assert report.unlinked == [], summary
    assert report.dead_letters_left == 0, summary
    assert report.unexpected_answers == [], summary
    assert report.settle_creates == 0, summary
    assert report.failures == [], summary


# --- what the full run found ---------------------------------------------------------------------------
# Situations the reliability run met on the first send engine (cdadad2), staged one by one: each failed there
# and passes since the send review fixes (5137de2, a2665d4). They stay as regression tests for the run's
# findings; test_send_edge_cases.py covers the same causes from other directions.


def test_create_committed_after_the_read_timeout_is_not_created_twice(
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    retry_poller: SqsPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A create Jira commits after the client's read timeout, then "send" again at once. The reconcile must
    wait for Jira's search from when the create was given up, not from the reservation: with the shipped
    defaults (read timeout 15 s = search consistency 15 s) a wait counted from the reservation is over when
    the timeout answers, the search runs before the slow create has landed, and the issue is created twice
    (cdadad2; the window starts at the replaced holder's lease end since 5137de2)."""
    monkeypatch.setenv("JIRA_READ_TIMEOUT_SECONDS", "1.0")
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "1.0")
    jira_sim.core.search_lag_seconds = 0.1
    # Jira is slow: it creates the issue 0.4 s after the client gave up waiting.
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", delay=1.4, times=1)
    status, body = send(call_api, aha_feature())
    assert status == 202, body
    send(call_api, aha_feature())  # the product manager clicks again straight away
    time.sleep(1.0)  # the slow create has landed and is searchable
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_reconcile_that_finds_two_stamped_issues_links_one(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    """A record with two stamped issues (what the case above leaves behind): the reconcile links the oldest.
    In cdadad2 it linked each one it found: the second `mark_linked` failed its condition and the send
    answered 500; in the retry worker the job failed without a back-off and waited out the queue's 180 s
    visibility timeout."""
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", drop_after_commit=True, times=1)
    status, _ = send(call_api, aha_feature())
    assert status == 202
    oldest = issues_for(jira_sim, "PROD-2")[0]["key"]
    SimulatorClient(jira_sim.base_url).engineer_create(
        {"project": {"key": "MOB"}, "issuetype": {"name": "Story"}, "summary": "Copy"},
        properties=[
            {"key": "aha-jira", "value": {"reference": "PROD-2", "token": "x", "integration_id": mob}}
        ],
    )
    time.sleep(0.6)  # past SEARCH_CONSISTENCY_SECONDS (0.5 with `fast_retries`)
    status, body = send(call_api, aha_feature())
    assert status == 200, body
    assert body["jira"]["key"] == oldest


def test_second_click_content_is_not_lost(
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    retry_poller: SqsPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/decisions.md: a concurrent second send answers 202 and "the second click's content is not
    lost". In cdadad2 the first send, finishing after it, deleted the pending payload unconditionally: the
    second click's job found nothing to retry and its change never reached Jira."""
    monkeypatch.setenv("RESERVATION_LEASE_SECONDS", "3")  # the second click's retry in 1 s, not 30
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", delay=0.6, times=1)
    first = aha_feature()
    second = aha_feature()
    second["name"] = "Renamed before the first send finished"
    answers: list[tuple[int, Any]] = []
    clicking = threading.Thread(target=lambda: answers.append(send(call_api, first)))
    clicking.start()
    time.sleep(0.3)  # the first send holds the reservations and waits for Jira
    status, body = send(call_api, second)
    clicking.join()
    assert status == 202, body
    assert answers[0][0] == 200
    _drain(retry_poller)
    (issue,) = issues_for(jira_sim, "PROD-2")
    assert issue["fields"]["summary"] == second["name"]
