"""Answers that say the burst budget is nearly spent (`X-RateLimit-Remaining` of `X-RateLimit-Limit`, or
`X-RateLimit-NearLimit`) slow the site before Jira refuses anything."""

from __future__ import annotations

from aha_jira.jira.rate_budget import BudgetPolicy, jira_site_key
from aha_jira.storage.rate_budget import DynamoRateBudgetStore

from .conftest import LimitedSite, story


def _create(site: LimitedSite, count: int, policy: BudgetPolicy | None = None) -> None:
    client = site.client("mob", site.container(policy))
    for n in range(count):
        client.create_issue(story(f"issue {n}"))


def test_the_site_is_paced_before_its_burst_budget_runs_out(stepped_site: LimitedSite) -> None:
    site = stepped_site
    site.configure("mob")
    site.sim.set_rate_limits(burst={"write": {"rate": 10, "capacity": 10}})

    _create(site, 40)

    counters = site.counters()
    assert counters["allowed"] == 40 and counters["throttled_total"] == 0, counters
    state = DynamoRateBudgetStore().read(jira_site_key(site.sim.base_url))
    # 0.9 x X-RateLimit-Limit when half of it was left (and perhaps 0.9 x that once more, two seconds on).
    assert state.learned_rate is not None and 7.0 <= state.learned_rate <= 9.0
    assert site.clock.slept > 0


def test_a_budget_that_waits_for_429s_meets_them(stepped_site: LimitedSite) -> None:
    """The same requests with the early signals ignored: Jira refuses some (what the test above avoids)."""
    site = stepped_site
    site.configure("mob")
    site.sim.set_rate_limits(burst={"write": {"rate": 10, "capacity": 10}})

    _create(site, 40, BudgetPolicy(near_limit_share=0.0))

    counters = site.counters()
    assert counters["allowed"] == 40 and counters["throttled_total"] >= 1, counters
