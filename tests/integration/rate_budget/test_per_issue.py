"""`jira-per-issue-on-write`: a 429 on one issue holds writes to that issue only, in every container."""

from __future__ import annotations

import pytest

from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraRateLimited
from aha_jira.settings import jira_timeouts

from .conftest import LimitedSite, story

PER_ISSUE = "jira-per-issue-on-write"


def _in_a_hurry(site: LimitedSite, container_of: LimitedSite | None = None) -> JiraClient:
    """A client whose caller can wait one second for the budget (its deadline less the request's timeouts
    and the send's bookkeeping)."""
    connect, read = jira_timeouts()
    return site.client("mob", site.container(), deadline=site.clock() + connect + read + 1.5 + 1.0)


def test_a_per_issue_429_delays_writes_to_that_issue_only(stepped_site: LimitedSite) -> None:
    site, clock = stepped_site, stepped_site.clock
    site.configure("mob")
    setup = site.client("mob", site.container())
    held, other = setup.create_issue(story("held")).key, setup.create_issue(story("other")).key
    site.sim.set_rate_limits(per_issue_write={"writes": 2, "window_seconds": 30})
    for n in range(2):
        setup.set_issue_property(held, "aha-test", {"n": n})

    first = _in_a_hurry(site)
    with pytest.raises(JiraRateLimited) as refused:
        first.set_issue_property(held, "aha-test", {"n": 2})
    assert refused.value.reason == PER_ISSUE and refused.value.status == 429
    assert refused.value.retry_after == pytest.approx(30, abs=1)
    assert first.transport.throttle.rate_limited == {PER_ISSUE: 1}
    assert clock.slept == 0  # never a sleep the caller could not afford

    # Another container: the other issue's writes go at once; the held issue's wait for the hold, without
    # asking Jira again (the hold is shared through the budget's table).
    second = _in_a_hurry(site)
    calls = site.counters()["calls"]
    second.set_issue_property(other, "aha-test", {"n": 0})
    second.edit_issue(other, {"fields": {"summary": "other, edited"}})
    assert second.transport.throttle.waited_seconds == 0
    with pytest.raises(JiraRateLimited) as waiting:
        second.set_issue_property(held, "aha-test", {"n": 3})
    assert waiting.value.status is None and waiting.value.reason == PER_ISSUE
    assert site.counters()["calls"] == calls + 2
    assert site.counters()["throttled"][PER_ISSUE] == 1
    assert clock.slept == 0

    # Reads of the held issue are not held; once the window has passed, writes to it go again.
    second.get_issue(held, ["summary"])
    clock.sleep(30)
    _in_a_hurry(site).set_issue_property(held, "aha-test", {"n": 4})
    assert site.counters()["throttled"][PER_ISSUE] == 1


def test_a_caller_that_can_wait_for_the_hold_waits_and_writes(stepped_site: LimitedSite) -> None:
    site, clock = stepped_site, stepped_site.clock
    site.configure("mob")
    client = site.client("mob", site.container())  # no deadline: it may wait up to 5 s
    issue = client.create_issue(story("held")).key
    site.sim.set_rate_limits(per_issue_write={"writes": 1, "window_seconds": 3})
    client.set_issue_property(issue, "aha-test", {"n": 0})
    client.set_issue_property(issue, "aha-test", {"n": 1})  # 429, then written after Retry-After
    assert site.counters()["throttled"][PER_ISSUE] == 1
    assert client.transport.throttle.rate_limited == {PER_ISSUE: 1}
    assert client.transport.throttle.waited_seconds == pytest.approx(3.0)
    assert clock.slept == pytest.approx(3.0)
