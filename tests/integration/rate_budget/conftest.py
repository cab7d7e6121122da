"""The sites' request budget against moto and a Jira simulator whose limits run on the test's clock.

Every party reads one clock: the budget (`SiteBudgets(clock=..., sleep=...)`), the transport's waits and the
simulator's limits (`RateClock(source)`), so Retry-After, the budget's slots and the simulator's counters per
second all speak the same seconds. `SteppedClock` moves only when someone sleeps (one thread, deterministic);
`FastClock` runs `scale` times faster than real time (threads: containers working at once). Tests count what
the simulator saw; none of them measures wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from aha_jira import wiring
from aha_jira.connection.jira_access import jira_client_for
from aha_jira.jira.client import JiraClient
from aha_jira.jira.rate_budget import BudgetPolicy, SiteBudgets
from aha_jira.storage.rate_budget import DynamoRateBudgetStore
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.ratelimits import RateClock
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call


class SteppedClock:
    """Epoch seconds that stand still until someone sleeps; a sleep moves them on at once."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)
            self.slept += max(0.0, seconds)


class FastClock:
    """Epoch-like seconds running `scale` times faster than real time; its sleeps are as much shorter."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._origin = time.time()
        self._real_origin = time.monotonic()

    def __call__(self) -> float:
        return self._origin + (time.monotonic() - self._real_origin) * self.scale

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.scale)


Clock = Callable[[], float]


@pytest.fixture(autouse=True)
def _serialised_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each write to an item atomically; moto (in this process) reads, checks and writes in
    steps, so two threads may both create the item or both add to the value they read. These tests run
    containers at once on one item: moto gets the guarantee the real service gives, one call at a time."""
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415 - the peer, only for these tests

    lock = threading.RLock()
    for name in ("get_item", "put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def serialised(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, serialised)


@dataclass
class LimitedSite:
    """A simulator on the test's clock, with moto and the in-process API to configure integrations on it."""

    sim: JiraSimulator
    clock: Any
    call_api: Call

    def configure(self, integration_id: str, *, cap: float | None = None, product: str | None = None) -> None:
        body = integration_body(self.sim, name=integration_id, product=product)
        if cap is not None:
            body["jira"]["rate_limit"] = {"requests_per_second": cap}
        status, answer = self.call_api("PUT", f"/integrations/{integration_id}", body)
        assert status in (200, 201), answer

    def container(self, policy: BudgetPolicy | None = None) -> SiteBudgets:
        """A new container's view of the budgets (what a Lambda container holds): state only in DynamoDB."""
        return SiteBudgets(
            DynamoRateBudgetStore(), clock=self.clock, sleep=self.clock.sleep, policy=policy or BudgetPolicy()
        )

    def client(
        self, integration_id: str, container: SiteBudgets, *, deadline: float | None = None
    ) -> JiraClient:
        integration = wiring.integrations().get(integration_id)
        assert integration is not None
        return jira_client_for(
            integration, wiring.secrets(), budgets=container, sites=wiring.integrations(), deadline=deadline
        )

    def counters(self) -> dict[str, Any]:
        counters: dict[str, Any] = self.sim.rate_limits()["counters"]
        return counters


def _site(clock: Any, call_api: Call) -> Iterator[LimitedSite]:
    sim = JiraSimulator(host="127.0.0.1", port=0, mode="cloud", rate_clock=RateClock(clock)).start()
    try:
        yield LimitedSite(sim, clock, call_api)
    finally:
        sim.stop()


@pytest.fixture
def stepped_site(aws: LocalResources, call_api: Call) -> Iterator[LimitedSite]:
    yield from _site(SteppedClock(), call_api)


@pytest.fixture
def fast_site(aws: LocalResources, call_api: Call) -> Iterator[LimitedSite]:
    # Four times real time: a second of the limits is a quarter of a real one, while requests still take
    # their real few milliseconds (the limits in these tests stay within what threads on a small machine send).
    yield from _site(FastClock(4.0), call_api)


@pytest.fixture
def steady_site(aws: LocalResources, call_api: Call) -> Iterator[LimitedSite]:
    # Twice real time, for counts per second: a busy machine's pauses weigh half as much as at four.
    yield from _site(FastClock(2.0), call_api)


def story(summary: str) -> dict[str, Any]:
    return {
        "fields": {
            "project": {"key": "MOB"},
            "issuetype": {"name": "Story"},
            "summary": summary,
        }
    }


def run_threads(count: int, work: Callable[[int], None]) -> None:
    """`work(n)` on `count` threads at once; the first failure is raised here."""
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish"
    if failures:
        raise failures[0]
