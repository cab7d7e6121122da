"""Test connection: the Jira call budget on a big project.

Configures an integration on the Jira simulator's project ``BIG`` (8 issue types, 60 fields on every create
screen, required custom fields, a workflow per type) and runs ``POST /integrations/{id}/test-connection``
through the template's real handler (in-process, through the local gateway's routing and event building)
against moto, provisioned from ``template.yaml`` the way the local stack does it.

Prints the Jira calls by endpoint, the total, the pages of projects and of create metadata, and the wall time
of one test connection (median of 5 after a warm-up). Run: ``python -m bench.test_connection_calls`` (or
``make bench`` for every benchmark).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aha_jira_dev.integration_bodies import integration_body as simulator_integration
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from bench._send_stack import bench_stack, request_through

RUNS = 5
PROJECT = "BIG"

# Every status of the mapped types (Story: the delivery workflow; Sub-task: To Do / In Progress / Done).
STATUSES = {
    "Backlog": "Captured",
    "Selected for Development": "Ready to develop",
    "To Do": "Ready to develop",
    "In Progress": "In development",
    "In Review": "In development",
    "Done": "Shipped",
}
# BIG's required custom fields without a default (the others have defaults Jira fills).
REQUIRED_FIELDS = {
    "customfield_10500": {"value": {"value": "Enterprise"}},
    "customfield_10501": {"from": "custom_fields.product_area"},
}


@dataclass(frozen=True)
class Scenario:
    integration_id: str
    title: str
    requirement_issue_type: str


SCENARIOS = (
    Scenario("big-subtasks", "BIG, requirements as sub-tasks (Story + Sub-task)", "Sub-task"),
    Scenario("big-linked", "BIG, requirements as linked issues (Story + Task)", "Task"),
)


@dataclass
class Measured:
    scenario: Scenario
    report: dict[str, Any]
    calls: list[dict[str, Any]]
    seconds: list[float]


def integration_body(sim: JiraSimulator, scenario: Scenario) -> dict[str, Any]:
    return simulator_integration(
        sim,
        name=f"Bench: {scenario.title}",
        project=PROJECT,
        requirement_issue_type=scenario.requirement_issue_type,
        link_type="Relates",
        statuses=STATUSES,
        fields=REQUIRED_FIELDS,
    )


def call_api(gateway: LocalApiGateway, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One API call through the gateway's routing, API key check, proxy event and the real handler."""
    status, answer = request_through(gateway, method, path, body)
    return status, answer


def endpoint(call: dict[str, Any]) -> str:
    return f"{call['method']} {call['path']}"


def measure(gateway: LocalApiGateway, sim: JiraSimulator, scenario: Scenario) -> Measured:
    status, answer = call_api(
        gateway, "PUT", f"/integrations/{scenario.integration_id}", integration_body(sim, scenario)
    )
    if status not in (200, 201):
        raise RuntimeError(f"configuring {scenario.integration_id} failed: {status} {answer}")
    path = f"/integrations/{scenario.integration_id}/test-connection"
    call_api(gateway, "POST", path)  # warm-up: handler import and clients, like a warm container
    seconds: list[float] = []
    report: dict[str, Any] = {}
    calls: list[dict[str, Any]] = []
    for _ in range(RUNS):
        sim.core.calls.clear()
        started = time.perf_counter()
        status, report = call_api(gateway, "POST", path)
        seconds.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"test connection answered {status}: {report}")
        calls = sim.calls
        if report.get("jira_calls") != len(calls):
            raise RuntimeError(f"the report counts {report.get('jira_calls')} calls, Jira saw {len(calls)}")
    return Measured(scenario, report, calls, seconds)


def print_result(result: Measured) -> None:
    calls = result.calls
    by_endpoint = Counter(endpoint(call) for call in calls)
    project_pages = sum(1 for call in calls if call["path"].endswith("/project/search"))
    type_pages = sum(1 for call in calls if call["path"].endswith(f"/issue/createmeta/{PROJECT}/issuetypes"))
    field_calls = [call for call in calls if f"/issue/createmeta/{PROJECT}/issuetypes/" in call["path"]]
    field_pages = Counter(call["path"].rsplit("/", 1)[1] for call in field_calls)
    report = result.report
    print(f"\n{result.scenario.title}")
    print(f"  report: ok={report['ok']} problems={[p['code'] for p in report['problems']]}")
    print("  Jira calls by endpoint:")
    for name, count in sorted(by_endpoint.items()):
        print(f"    {count:3d}  {name}")
    print(f"  total Jira calls:           {len(calls)}")
    print(f"  pages of projects:          {project_pages} (project/search, 61 projects at 50 a page)")
    print(f"  create-metadata pages:      {type_pages + len(field_calls)} "
          f"(issue types: {type_pages}; fields: {len(field_calls)} = "
          + ", ".join(f"type {type_id}: {n}" for type_id, n in sorted(field_pages.items()))
          + ", 60 fields at 50 a page)")  # fmt: skip
    median = statistics.median(result.seconds) * 1000
    print(
        f"  wall time of one test connection: median {median:.0f} ms of {RUNS} "
        f"(min {min(result.seconds) * 1000:.0f}, max {max(result.seconds) * 1000:.0f})"
    )


def main() -> int:
    with bench_stack() as stack:
        print(
            f"Test connection call budget: Jira simulator (cloud) at {stack.sim.base_url}, project {PROJECT}"
        )
        for scenario in SCENARIOS:
            result = measure(stack.gateway, stack.sim, scenario)
            print_result(result)
            report_figure(result)
    return 0


def report_figure(result: Measured) -> None:
    from bench import _report  # noqa: PLC0415

    pages = sum(
        1 for call in result.calls if "/project/search" in call["path"] or "/createmeta/" in call["path"]
    )
    _report.figure(
        "Test connection",
        f"Jira calls, project {PROJECT} ({result.scenario.title.split(', ', 1)[1]})",
        f"{len(result.calls)} (of which {pages} pages of projects and create metadata); report ok: "
        f"{result.report['ok']}",
        "bounded: one call per kind of configuration, plus one page per 50 projects and per 50 fields of a "
        "mapped type; the report's `jira_calls` equals Jira's count",
        result.report.get("jira_calls") == len(result.calls),
    )


if __name__ == "__main__":
    raise SystemExit(main())
