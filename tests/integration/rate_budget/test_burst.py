"""Burst limits (`jira-burst-based`): containers sending at once learn the site's rate and keep under it."""

from __future__ import annotations

import pytest

from aha_jira.jira.rate_budget import BudgetPolicy, jira_site_key
from aha_jira.storage.rate_budget import DynamoRateBudgetStore

from .conftest import LimitedSite, run_threads, story

# Threads racing the simulator's clock: run alone after the parallel part (`make test`; the marker in pyproject.toml).
pytestmark = pytest.mark.timing

WORKERS, PER_WORKER = 6, 40


def _release(site: LimitedSite, policy: BudgetPolicy | None = None) -> None:
    """Six containers (one thread each, its own view of the budgets) create 40 issues each, all at once."""

    def work(n: int) -> None:
        client = site.client("mob", site.container(policy))
        for i in range(PER_WORKER):
            client.create_issue(story(f"worker {n} issue {i}"))

    run_threads(WORKERS, work)


def test_a_release_under_a_burst_limit_completes_with_at_most_one_percent_429s_after_the_first(
    fast_site: LimitedSite,
) -> None:
    fast_site.configure("mob")
    fast_site.sim.set_rate_limits(burst={"write": {"rate": 20, "capacity": 20}})

    _release(fast_site)

    counters = fast_site.counters()
    assert counters["allowed"] == WORKERS * PER_WORKER, counters
    assert counters["throttled_total"] - 1 <= 0.01 * counters["calls"], counters
    # The budget learned the rate from the answers' X-RateLimit-Remaining before the bucket ran dry.
    state = DynamoRateBudgetStore().read(jira_site_key(fast_site.sim.base_url))
    assert state.learned_rate is not None


def test_without_warnings_each_container_meets_one_429_when_the_site_first_pushes_back_and_none_after(
    fast_site: LimitedSite,
) -> None:
    """A Jira that says nothing before it refuses: the first 429s teach the site's rate (AIMD) to every
    container at once, through the shared state, and the rest of the release meets no 429."""
    fast_site.configure("mob")
    fast_site.sim.set_rate_limits(burst={"write": {"rate": 20, "capacity": 20}})

    _release(fast_site, BudgetPolicy(near_limit_share=0.0))

    counters = fast_site.counters()
    assert counters["allowed"] == WORKERS * PER_WORKER, counters
    refused = [n for n, call in enumerate(fast_site.sim.calls) if call.get("rate_limited")]
    assert 1 <= len(refused) <= WORKERS, counters
    # All of them while the containers were discovering the limit, in the first fifth of the release.
    assert max(refused) < counters["calls"] / 5, refused
    state = DynamoRateBudgetStore().read(jira_site_key(fast_site.sim.base_url))
    assert state.throttled["jira-burst-based"] == len(refused)
