"""Roadmap connector: time from a Jira webhook's arrival to the Aha! record's update, through the local stack.

``make run``'s stack in this process (``LocalStack``: moto, the local gateway over HTTP, the SQS poller of the
template's queues, the schedules) with the Jira and Aha! simulators. 20 features are created in Aha! and sent
to Jira; then 200 status changes: each Jira delivery (captured first, signed as Jira signs it) is POSTed to
the gateway, and the clock stops when the Aha! simulator's feature shows the new workflow status. The path:
webhook handler (its transaction writes the event) → enqueue → the poller's long poll → the delivery
worker → the Aha! request budget → Aha!. Aha!'s own 300 requests a minute hold: consecutive changes wait for
the budget's slots (4.5 a second). Run: ``python -m bench.roadmap_latency``.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any, cast

import requests

from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.runner import LocalStack, RunnerConfig
from bench._roadmap_workload import configure, create_and_send
from bench._send_stack import fresh_containers
from bench._webhook_workload import SECRET, STATUSES, Captured, sink

FEATURES = 20
CHANGES = 200
CYCLE = ("In Progress", "Done", "To Do")
TIMEOUT = 30.0
INTEGRATION = "roadmap-latency"


def main() -> int:
    changes = int(os.environ.get("CHANGES", str(CHANGES)))
    config = RunnerConfig(port=0, moto_port=0, jira_sim_port=0, api_key="bench-latency-key", demo=False)
    fresh_containers()  # the clients of another benchmark's moto, in `python -m bench`
    try:
        seconds, late = _run(config, changes)
    finally:
        fresh_containers()
    seconds.sort()
    p50 = statistics.median(seconds)
    p95 = seconds[max(0, round(0.95 * len(seconds)) - 1)]
    print(f"{len(seconds)} status changes on {FEATURES} features through the local stack")
    print(
        f"Jira webhook arrival → Aha! record updated: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {seconds[-1] * 1000:.0f} ms; not there after {TIMEOUT:.0f} s: {late}"
    )
    from bench import _report  # noqa: PLC0415

    _report.figure(
        "Roadmap",
        f"Jira webhook arrival → Aha! record updated, through the local stack (p50 / p95 of {len(seconds)})",
        f"{p50 * 1000:.0f} ms / {p95 * 1000:.0f} ms",
        "p95 ≤ 2 s",
        p95 <= 2.0 and late == 0,
    )
    return 0 if late == 0 else 1


def _run(config: RunnerConfig, changes: int) -> tuple[list[float], int]:
    with LocalStack(config) as stack, AhaSimulator(port=0) as aha:
        assert stack.gateway is not None and stack.simulator is not None
        gateway = stack.gateway.url
        session = requests.Session()
        session.headers["x-api-key"] = config.api_key

        def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
            answer = session.request(method, f"{gateway}{path}", json=body, timeout=60)
            return answer.status_code, (answer.json() if answer.content else None)

        jira = cast(JiraSimulator, stack.simulator)
        token = configure(call, jira, aha, INTEGRATION)
        keys = create_and_send(call, aha, FEATURES, INTEGRATION, prefix="Latency")
        time.sleep(3)  # the links (integration fields) delivered by the running worker
        engineer = SimulatorClient(jira.base_url)
        references = {key: reference for reference, key in keys.items()}
        ordered = sorted(keys.values())
        plan = [(ordered[n % len(ordered)], CYCLE[(n // len(ordered)) % len(CYCLE)]) for n in range(changes)]
        before = {d["identifier"] for d in jira.deliveries()}
        with sink() as url:
            jira.configure_webhook(url, SECRET)
            for key, status in plan:
                engineer.engineer_transition(key, status)
            delivered = jira.wait_for_deliveries(len(jira.deliveries()), timeout=60)
        captured = [
            Captured(d["identifier"], d["event"], json.dumps(d["payload"]).encode())
            for d in delivered
            if d["identifier"] not in before
        ]
        assert len(captured) == changes, (len(captured), changes)
        seconds: list[float] = []
        late = 0
        for (key, status), item in zip(plan, captured, strict=True):
            wanted = STATUSES[status]
            reference = references[key]
            headers = {
                "Content-Type": "application/json",
                "X-Atlassian-Webhook-Identifier": item.identifier,
                "X-Hub-Signature": hub_signature(SECRET, item.body),
            }
            started = time.perf_counter()
            answer = requests.post(
                f"{gateway}/webhooks/jira/{token}", data=item.body, headers=headers, timeout=30
            )
            assert answer.status_code == 200, answer.text
            while aha.feature(reference)["workflow_status"]["name"] != wanted:
                if time.perf_counter() - started > TIMEOUT:
                    late += 1
                    break
                time.sleep(0.005)
            seconds.append(time.perf_counter() - started)
    return seconds, late


if __name__ == "__main__":
    raise SystemExit(main())
