"""Roadmap connector: Aha! calls per Jira status change (target 1) and per time change, and what the outbox
costs the webhook (DynamoDB and SQS calls per delivery) and the delivery worker.

20 features are created in the Aha! simulator and sent to Jira (an Aha! integration). An engineer moves the
issues (100 transitions, each to a status that maps to another roadmap status) and logs work on each (20
worklogs); each delivery goes through the template's real webhook handler in-process (the local gateway's
routing), then the delivery worker drains its queue. Aha! calls are counted on the simulator's call log, AWS
calls on the functions' own boto3 clients (botocore's hooks). The webhook's DynamoDB calls without a
roadmap connector are ``bench.webhook_calls``'s. Run: ``python -m bench.roadmap_calls``.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._roadmap_stack import roadmap_bench_stack
from bench._roadmap_workload import configure, create_and_send, drain
from bench._send_stack import fresh_containers
from bench._webhook_workload import SECRET, Captured, sink

FEATURES = 20
TRANSITIONS = 100
INTEGRATION = "roadmap-calls"
CYCLE = ("In Progress", "Done", "To Do")  # each maps to another roadmap status than the one before


@dataclass
class AwsCalls:
    """AWS calls made by this process's boto3 clients."""

    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self) -> None:
        for client in (aws_clients.dynamodb(), aws_clients.sqs()):
            client.meta.events.register("before-call", self._before)

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls.append(f"{model.service_model.service_name}:{model.name}")

    def take(self) -> list[str]:
        with self._lock:
            taken, self.calls = self.calls, []
        return taken


@dataclass
class Phase:
    webhook: list[Counter[str]] = field(default_factory=list)  # AWS calls of each delivery
    worker: list[Counter[str]] = field(default_factory=list)  # AWS calls of the worker after it
    aha: list[Counter[str]] = field(default_factory=list)  # Aha! calls (method path-kind) after it


def capture(stack: Any, act: Any) -> list[Captured]:
    """What Jira delivers for the engineer's actions (`act`), collected at a sink."""
    sim = stack.base.sim
    before = {delivery["identifier"] for delivery in sim.deliveries()}
    with sink() as url:
        sim.configure_webhook(url, SECRET)
        act()
        delivered = sim.wait_for_deliveries(len(sim.deliveries()), timeout=60)
    return [
        Captured(d["identifier"], d["event"], json.dumps(d["payload"]).encode())
        for d in delivered
        if d["identifier"] not in before
    ]


def _drain_now(poller: SqsPoller) -> None:
    """The worker, until its queue is empty (the webhook enqueued before answering)."""
    while poller.poll_once(poller.sources[0], wait_time_seconds=0).received:
        pass


def measure(stack: Any, token: str, deliveries: list[Captured], log: AwsCalls, into: Phase) -> None:
    aha = stack.aha
    for item in deliveries:
        log.take()
        status, answer = stack.deliver(token, item.body, item.identifier)
        assert status == 200, answer
        into.webhook.append(Counter(log.take()))
        seen = len(aha.calls)
        _drain_now(stack.poller)
        into.worker.append(Counter(log.take()))
        into.aha.append(Counter(f"{c['method']} {_kind(c['path'])}" for c in aha.calls[seen:]))


def _kind(path: str) -> str:
    parts = path.removeprefix("/api/v1/").split("/")
    return "/".join(part if index % 2 == 0 else "{id}" for index, part in enumerate(parts))


def _summary(counters: list[Counter[str]]) -> tuple[float, int, int, dict[str, float]]:
    totals = [sum(counter.values()) for counter in counters]
    merged: Counter[str] = Counter()
    for counter in counters:
        merged.update(counter)
    per = {name: round(count / len(counters), 2) for name, count in sorted(merged.items())}
    return statistics.mean(totals), min(totals), max(totals), per


def main() -> int:
    environment = {"AHA_REQUESTS_PER_SECOND": "50"}  # the calls are counted, not paced here
    with roadmap_bench_stack(SECRET, environment) as stack:
        aha = stack.aha
        aha.set_rate_limit(None)
        token = configure(stack.call, stack.base.sim, aha, INTEGRATION)
        keys = create_and_send(stack.call, aha, FEATURES, INTEGRATION, prefix="Calls")
        drain(stack.poller)
        engineer = SimulatorClient(stack.base.sim.base_url)
        ordered = sorted(keys.values())

        def transitions() -> None:
            for number in range(TRANSITIONS):
                engineer.engineer_transition(
                    ordered[number % len(ordered)], CYCLE[(number // len(ordered)) % len(CYCLE)]
                )

        def worklogs() -> None:
            for key in ordered:
                engineer.engineer_worklog(key, 1800)

        moved = capture(stack, transitions)
        logged = capture(stack, worklogs)
        fresh_containers()  # a new container: its outbox reads the event counter once, then remembers it
        log = AwsCalls()
        log.attach()
        status_changes, time_changes = Phase(), Phase()
        started = time.perf_counter()
        measure(stack, token, moved, log, status_changes)
        measure(stack, token, logged, log, time_changes)
        seconds = time.perf_counter() - started

    aha_status = _summary(status_changes.aha)
    aha_time = _summary(time_changes.aha)
    hook = _summary(status_changes.webhook[1:])
    worker = _summary(status_changes.worker)
    print(f"{len(moved)} status changes, {len(logged)} time changes on {FEATURES} features ({seconds:.0f} s)")
    print(
        f"Aha! calls per status change: mean {aha_status[0]:.2f} (min {aha_status[1]}, max {aha_status[2]}) {aha_status[3]}"
    )
    print(
        f"Aha! calls per time change: mean {aha_time[0]:.2f} (min {aha_time[1]}, max {aha_time[2]}) {aha_time[3]}"
    )
    print(f"webhook, first delivery: AWS calls {dict(status_changes.webhook[0])}")
    print(
        f"webhook, warm: AWS calls per status change mean {hook[0]:.2f} (min {hook[1]}, max {hook[2]}) {hook[3]}"
    )
    print(f"delivery worker: AWS calls per status change mean {worker[0]:.2f} {worker[3]}")
    from bench import _report  # noqa: PLC0415

    _report.figure(
        "Roadmap",
        "Aha! calls per Jira status change (max; mean)",
        f"{aha_status[2]}; {aha_status[0]:.2f}",
        "1",
        aha_status[2] == 1 and aha_status[1] == 1,
    )
    _report.figure(
        "Roadmap",
        "Aha! calls per time change (read work done, post the difference)",
        f"{aha_time[2]} max; {aha_time[0]:.2f} mean",
        "2 (idempotent time tracking)",
    )
    dynamodb = {name: value for name, value in hook[3].items() if name.startswith("dynamodb:")}
    sqs = sum(value for name, value in hook[3].items() if name.startswith("sqs:"))
    _report.figure(
        "Roadmap",
        "webhook's calls per status change with the outbox (warm, Aha! integration)",
        f"DynamoDB {sum(dynamodb.values()):g} {dynamodb}; SQS {sqs:g}",
        "DynamoDB as without (3: see Jira webhook); + 1 SQS enqueue",
        sum(dynamodb.values()) <= 3,
    )
    _report.figure(
        "Roadmap",
        "delivery worker's AWS calls per event",
        f"{worker[0]:.1f} {worker[3]}",
        "no target",
    )
    return 0 if aha_status[2] == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
