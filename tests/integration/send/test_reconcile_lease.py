"""A reconcile that takes longer than the reservation lease keeps its reservations (the release bench's
stuck records: every reconcile of a busy project outlasted the lease, lost the records to the next taker,
and could not link what it found)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from aha_jira.models.issue_link import IssueLink
from aha_jira.storage.issue_links import DynamoIssueLinkRepository
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.send.conftest import aha_feature
from tests.integration.send.test_send import issues_for, send
from tests.integration.send.test_send_edge_cases import (
    create_stamped_issue,
    create_unrelated_issues,
    link_item,
    stage_reservation,
    wait_until,
)

LEASE = 3.0
PAGE_DELAY = 1.0  # each search page at Jira's rate limit on a busy project
PAGES = 5  # the stamped issue and four newer ones, one a page: the search outlasts the lease


def test_a_reconcile_longer_than_the_lease_keeps_its_reservation_and_links(
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    aws: LocalResources,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RESERVATION_LEASE_SECONDS", str(LEASE))
    monkeypatch.setattr("aha_jira.sync.reservations.RECONCILE_PAGE_SIZE", 1)
    a_minute_ago = time.time() - 60
    stage_reservation(
        aws,
        jira_sim,
        "PROD-2",
        token="earlier",
        reserved_at=a_minute_ago,
        lease_until=a_minute_ago,
        uncertain=True,
    )
    orphan = create_stamped_issue(jira_sim, "PROD-2", "earlier", summary="Feature with attachments")
    # Other issues whose summary holds the feature's: the reconcile search cannot tell them apart by it.
    create_unrelated_issues(jira_sim, PAGES - 1, summary="Feature with attachments, copy")
    jira_sim.add_fault(method="POST", path=r"/search/jql$", delay=PAGE_DELAY, times=None)
    taken: list[bool] = []
    before = len(jira_sim.calls)

    def another_send_takes_over() -> None:
        # Another send of the feature (a message delivered again) tries to take the record over once the
        # reconciling send's first lease has run out, while that send is still searching.
        def searching() -> bool:
            item = link_item(aws, "PROD-2")
            searched = [c for c in jira_sim.calls[before:] if c["path"].endswith("/search/jql")]
            return item is not None and item["token"] != "earlier" and len(searched) >= 2

        wait_until(searching)
        item = link_item(aws, "PROD-2")
        assert item is not None
        time.sleep(max(0.0, float(item["lease_until"]) - time.time()) + 0.5)
        now = time.time()
        mine = IssueLink(
            integration_id="mob",
            reference="PROD-2",
            kind="feature",
            feature_reference="PROD-2",
            state="reserved",
            token="another-send",
            lease_until=now + LEASE,
            reserved_at=now,
            site_url=jira_sim.base_url,
        )
        repository = DynamoIssueLinkRepository(aws.table_name("IssueLinksTable"))
        taken.append(repository.reserve(mine, now=now).taken)

    other = threading.Thread(target=another_send_takes_over)
    other.start()
    try:
        status, body = send(call_api, aha_feature())
    finally:
        other.join()
        jira_sim.clear_faults()
    searches = [c for c in jira_sim.calls[before:] if c["path"].endswith("/search/jql")]
    assert len(searches) >= PAGES  # the search did outlast the first lease
    assert taken == [False], "another send took the record over while its reconcile was still searching"
    # 202 only when a loaded machine ran the send out of its function's time (the retry continues it):
    # the record is linked either way.
    assert status == 200 or (status == 202 and "time limit" in body["reason"]), body
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    link: dict[str, Any] | None = link_item(aws, "PROD-2")
    assert link is not None and link["state"] == "linked" and link["issue_key"] == orphan["key"]


@pytest.mark.parametrize(
    ("drafted", "unrelated", "searches", "narrowed"),
    [
        ("Feature with attachments", 250, 2, True),  # a busy window: its first page, then the candidates
        (None, 250, 3, False),  # a reservation that does not say what it drafted: the window, every page
        ("Feature with attachments", 10, 1, False),  # a quiet window: its one page is the proof
    ],
)
def test_a_takeover_in_a_busy_project_searches_only_issues_with_the_drafted_summary(  # noqa: PLR0917
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    aws: LocalResources,
    drafted: str | None,
    unrelated: int,
    searches: int,
    narrowed: bool,
) -> None:
    # A release creates hundreds of issues a minute: the reconcile window (the lease and the clock margins)
    # then holds more than the search's page cap, and a search by time alone could never prove the record
    # was not created. Past a page, the summary the earlier holder drafted narrows it to the issues that can
    # be the record's; a reservation that does not say (written before it did) is searched by the window.
    a_minute_ago = time.time() - 60
    stage_reservation(
        aws,
        jira_sim,
        "PROD-2",
        token="earlier",
        reserved_at=a_minute_ago,
        lease_until=a_minute_ago,
        uncertain=True,
        summary=drafted,
    )
    orphan = create_stamped_issue(jira_sim, "PROD-2", "earlier", summary="Feature with attachments")
    for start in range(0, unrelated, 50):
        create_unrelated_issues(jira_sim, min(50, unrelated - start))
    before = len(jira_sim.calls)
    status, body = send(call_api, aha_feature())
    assert status == 200, body
    made = [c for c in jira_sim.calls[before:] if c["path"].endswith("/search/jql")]
    assert len(made) == searches, [c["body"] for c in made]
    assert any("summary ~" in str(c["body"]) for c in made) is narrowed
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    link: dict[str, Any] | None = link_item(aws, "PROD-2")
    assert link is not None and link["state"] == "linked" and link["issue_key"] == orphan["key"]
