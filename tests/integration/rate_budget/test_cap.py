"""`jira.rate_limit.requests_per_second`: the site's cap, the lowest of its integrations', holds for every
container and integration calling the site."""

from __future__ import annotations

from .conftest import LimitedSite, run_threads


def test_the_lowest_cap_of_the_site_s_integrations_holds_for_all_of_them(steady_site: LimitedSite) -> None:
    steady_site.configure("mob", cap=8)
    steady_site.configure("web", cap=4, product="WEB")  # another integration of the same site asks for less
    workers, per_worker = 3, 10

    def work(n: int) -> None:
        client = steady_site.client("mob", steady_site.container())
        for _ in range(per_worker):
            client.myself()

    run_threads(workers, work)

    counters = steady_site.counters()
    assert counters["allowed"] == workers * per_worker
    # Counted per second of the simulator's clock: at most the cap, give or take the one slot that lands on
    # a second's edge; on average under it.
    assert counters["peak_allowed_per_second"] <= 4 + 1, counters
    assert (counters["allowed"] - 1) / counters["elapsed_seconds"] <= 4 * 1.05, counters


def test_without_a_cap_nothing_holds_the_requests(fast_site: LimitedSite) -> None:
    fast_site.configure("mob")
    container = fast_site.container()
    client = fast_site.client("mob", container)
    for _ in range(40):
        client.myself()
    assert client.transport.throttle.waited_seconds == 0
    assert fast_site.counters()["peak_allowed_per_second"] > 5
