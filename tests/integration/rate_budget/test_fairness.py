"""Integrations share a site fairly: one integration's flood of workers does not starve another's send."""

from __future__ import annotations

import threading
import time

import pytest

from aha_jira.jira.rate_budget import BudgetPolicy

from .conftest import LimitedSite, run_threads

# Threads racing the simulator's clock: run alone after the parallel part (`make test`; the marker in pyproject.toml).
pytestmark = pytest.mark.timing

FLOOD_PATH = "serverInfo"
SEND_PATH = "myself"


def _share_of_the_sender(site: LimitedSite, policy: BudgetPolicy | None = None) -> tuple[float, int]:
    """Integration `big` floods the site (8 containers) while `small` makes 12 requests on one worker; the
    small one's share of the site's requests while it was sending, and how many the flood made meanwhile."""
    site.configure("big", cap=10)  # the site's cap: 10 requests a second for both
    site.configure("small", product="SMALL")
    stop = threading.Event()

    def flood(n: int) -> None:
        client = site.client("big", site.container(policy))
        while not stop.is_set():
            client.server_info()

    flooding = threading.Thread(target=run_threads, args=(8, flood))
    flooding.start()
    try:
        while site.counters()["allowed"] < 20:  # the flood is under way
            time.sleep(0.01)
        client = site.client("small", site.container(policy))
        for _ in range(12):
            client.myself()
    finally:
        stop.set()
        flooding.join(timeout=60)
    calls = [call["path"].rsplit("/", 1)[-1] for call in site.sim.calls]
    first, last = calls.index(SEND_PATH), len(calls) - 1 - calls[::-1].index(SEND_PATH)
    window = calls[first : last + 1]
    return window.count(SEND_PATH) / len(window), window.count(FLOOD_PATH)


def test_a_single_send_gets_its_share_while_another_integration_floods_the_site(
    fast_site: LimitedSite,
) -> None:
    share, flood_meanwhile = _share_of_the_sender(fast_site)
    print("SHARE", share, flood_meanwhile)
    # Two integrations active: half the site each (a first-come queue would give it 1 request in 9).
    assert share >= 0.35, share
    assert flood_meanwhile > 0  # and the flood went on meanwhile: both progressed
