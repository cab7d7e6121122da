"""Release sends through the real handlers (API and worker) against moto and the Jira simulator."""

from __future__ import annotations

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.releases.conftest import (
    RELEASE,
    RELEASE_DLQ,
    ReleaseWorker,
    queue_depth,
    release_body,
    stamped,
)


def test_a_release_is_sent_once_per_record_and_its_progress_counts_it(
    call_api: Call, mob: str, jira_sim: JiraSimulator, worker: ReleaseWorker, aws: LocalResources
) -> None:
    status, started = call_api("POST", f"/integrations/mob/releases/{RELEASE}/send", release_body(4, 3))
    assert status == 202, started
    assert started["status"] == "running" and started["features"] == 4
    send_id = started["release_send_id"]
    status, progress = call_api("GET", f"/integrations/mob/release-sends/{send_id}")
    assert status == 200, progress
    assert progress["status"] == "running" and progress["total"] == 4 and progress["done"] == 0

    worker.drain()
    status, progress = call_api("GET", f"/integrations/mob/release-sends/{send_id}")
    assert progress["status"] == "done", progress
    assert (progress["done"], progress["failed"], progress["queued"]) == (4, 0, 0)
    assert progress["finished_at"] and progress["failures"] == []
    issues = stamped(jira_sim)
    assert len(issues) == 16 and all(len(found) == 1 for found in issues.values())
    # One version, then per feature one create and one bulk create.
    assert progress["jira_calls"] == 1 + 4 * 2, progress
    assert queue_depth(aws, RELEASE_DLQ) == 0
