"""Jira webhook: DynamoDB and Jira calls per status-change event, and events per second through the handler.

An integration sends 20 features to the Jira simulator; an engineer then moves the issues (300 transitions,
real deliveries collected from the simulator). Each delivery goes through the template's real webhook
handler in-process (the local gateway's routing and REST proxy events) against moto in server mode.
AWS calls are counted on the handler's own boto3 clients (botocore's event hooks), Jira calls on the
simulator's call log. "Cold" is the first delivery after the function's adapters are created (a new
container); "warm" every delivery after it. Run: ``python -m bench.webhook_calls``.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aha_jira import wiring
from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import SimulatorClient
from bench._webhook_stack import webhook_bench_stack
from bench._webhook_workload import SECRET, Captured, prepare, sink

ISSUES = 20
TRANSITIONS = 300
CYCLE = ("In Progress", "Done", "To Do")


@dataclass
class CallLog:
    """AWS calls made by this process's boto3 clients, with the time spent in each."""

    calls: list[tuple[str, float]] = field(default_factory=list)
    _started: threading.local = field(default_factory=threading.local)

    def attach(self) -> None:
        for client in (aws_clients.dynamodb(), aws_clients.secretsmanager()):
            client.meta.events.register("before-call", self._before)
            client.meta.events.register("after-call", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self._started.value = time.perf_counter()

    def _after(self, model: Any, **_: Any) -> None:
        self.calls.append(
            (f"{model.service_model.service_name}:{model.name}", time.perf_counter() - self._started.value)
        )

    def take(self) -> list[tuple[str, float]]:
        taken, self.calls = self.calls, []
        return taken


@dataclass
class PerEvent:
    answers: Counter[str] = field(default_factory=Counter)
    dynamodb: list[int] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    secrets: int = 0
    seconds: list[float] = field(default_factory=list)
    aws_seconds: list[float] = field(default_factory=list)


def transitions(stack: Any, keys: dict[str, str]) -> list[Captured]:
    engineer = SimulatorClient(stack.sim.base_url)
    before = {delivery["identifier"] for delivery in stack.sim.deliveries()}
    ordered = sorted(keys.values())
    for number in range(TRANSITIONS):
        engineer.engineer_transition(
            ordered[number % len(ordered)], CYCLE[(number // len(ordered)) % len(CYCLE)]
        )
    delivered = stack.sim.wait_for_deliveries(len(stack.sim.deliveries()), timeout=60)
    import json  # noqa: PLC0415

    return [
        Captured(d["identifier"], d["event"], json.dumps(d["payload"]).encode())
        for d in delivered
        if d["identifier"] not in before
    ]


def measure(stack: Any, token: str, events: list[Captured], log: CallLog, into: PerEvent) -> None:
    for item in events:
        log.take()
        started = time.perf_counter()
        status, answer = stack.deliver(token, item.body, item.identifier)
        into.seconds.append(time.perf_counter() - started)
        assert status == 200, answer
        into.answers[answer["outcome"]] += 1
        calls = log.take()
        dynamodb = [name for name, _ in calls if name.startswith("dynamodb:")]
        into.dynamodb.append(len(dynamodb))
        into.operations.update(dynamodb)
        into.secrets += sum(1 for name, _ in calls if name.startswith("secretsmanager:"))
        into.aws_seconds.append(sum(seconds for _, seconds in calls))


def main() -> int:
    with webhook_bench_stack(SECRET) as stack:
        with sink() as url:
            token, keys = prepare(stack.call, stack.sim, ISSUES)
            stack.sim.configure_webhook(url, SECRET)
            events = transitions(stack, keys)
        assert len(events) == TRANSITIONS
        wiring.webhook_services.cache_clear()  # a new container: nothing cached yet
        log = CallLog()
        log.attach()
        jira_before = len(stack.sim.calls)
        cold, warm = PerEvent(), PerEvent()
        measure(stack, token, events[:1], log, cold)
        measure(stack, token, events[1:], log, warm)
        jira_calls = len(stack.sim.calls) - jira_before

    print(f"status-change deliveries: {len(events)} ({ISSUES} issues, each linked to one record)")
    print(f"answers: {dict(cold.answers + warm.answers)}")
    print(f"Jira calls made while handling them: {jira_calls}")
    print(
        f"cold (first delivery): DynamoDB calls {cold.dynamodb[0]} {dict(cold.operations)}, Secrets Manager {cold.secrets}"
    )
    per_event = {name: count / len(warm.dynamodb) for name, count in sorted(warm.operations.items())}
    print(
        f"warm: DynamoDB calls per event min {min(warm.dynamodb)} max {max(warm.dynamodb)} "
        f"mean {statistics.mean(warm.dynamodb):.2f} {per_event}; Secrets Manager calls {warm.secrets}"
    )
    total = sum(warm.seconds)
    aws = sum(warm.aws_seconds)
    print(
        f"warm throughput: {len(warm.seconds) / total:.0f} events/s; per event median "
        f"{statistics.median(warm.seconds) * 1000:.1f} ms, of which AWS calls (moto server) "
        f"{statistics.median(warm.aws_seconds) * 1000:.1f} ms; our code {(total - aws) / len(warm.seconds) * 1000:.1f} ms mean"
    )
    from bench import _report  # noqa: PLC0415

    _report.figure(
        "Jira webhook",
        "DynamoDB calls per status-change delivery (warm; cold)",
        f"{max(warm.dynamodb)} ({', '.join(f'{n.split(":")[1]} {c / len(warm.dynamodb):g}' for n, c in sorted(warm.operations.items()))}); cold {cold.dynamodb[0]}",
        "≤ 3 (dedupe put, link lookup, conditional record update)",
        max(warm.dynamodb) <= 3,
    )
    _report.figure("Jira webhook", "Jira calls per status-change delivery", jira_calls, "0", jira_calls == 0)
    _report.figure(
        "Jira webhook",
        "events per second through the handler (warm, one container, sequential, moto server)",
        f"{len(warm.seconds) / total:.0f} (median {statistics.median(warm.seconds) * 1000:.0f} ms an event, "
        f"{statistics.median(warm.aws_seconds) * 1000:.0f} ms of it in moto)",
        "no target; moto's ~10 ms a call dominates",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
