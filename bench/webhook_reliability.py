"""Webhook reliability: 2,000 Jira events for 100 issues, 30% delivered twice, 20% arriving late.

The workload (``bench/_webhook_workload.py``): an integration sends 100 features; an engineer then works on the
issues in the Jira simulator (transitions, renames, description edits, worklogs logged/changed/deleted, a few
issues deleted) and the simulator's real deliveries are collected. They go through the webhook handler
(in-process, through the local gateway's routing) once in order, then again from the same starting records as
Jira's at-least-once, unordered delivery could bring them. Printed: the records compared between both runs and
with Jira's own final state, every answer by outcome, and the time of each run.
Run: ``python -m bench.webhook_reliability`` (``ISSUES=`` and ``EVENTS=`` scale it).
"""

from __future__ import annotations

import os
import time
from collections import Counter

from aha_jira.storage import aws_clients
from bench._webhook_stack import webhook_bench_stack
from bench._webhook_workload import SECRET, Report, run


def print_report(report: Report) -> None:
    print(f"issues: {report.issues}; Jira events: {report.events} {dict(sorted(report.by_event.items()))}")
    print(
        f"deliveries: in order {report.deliveries_in_order}; shuffled {report.deliveries_shuffled} "
        f"({report.duplicated} delivered twice, {report.reordered} moved later)"
    )
    print(f"answers in order: {dict(sorted(report.outcomes_in_order.items()))}")
    print(f"answers shuffled: {dict(sorted(report.outcomes_shuffled.items()))}")
    print(
        f"records: {report.records}; differing from the in-order run: {len(report.mismatches_with_in_order)}; "
        f"differing from Jira: {len(report.mismatches_with_jira)}; errors: {len(report.errors)}"
    )
    for line in (report.mismatches_with_in_order + report.mismatches_with_jira + report.errors)[:10]:
        print("  " + line)
    print(
        f"time: in order {report.seconds_in_order:.1f} s "
        f"({report.deliveries_in_order / report.seconds_in_order:.0f} deliveries/s); shuffled "
        f"{report.seconds_shuffled:.1f} s ({report.deliveries_shuffled / report.seconds_shuffled:.0f} deliveries/s)"
    )
    print("result:", "OK" if report.ok else "FAILED")


def main() -> int:
    issues = int(os.environ.get("ISSUES", "100"))
    events = int(os.environ.get("EVENTS", "2000"))
    with webhook_bench_stack(SECRET) as stack:
        sdk = Counter[str]()
        client = aws_clients.dynamodb()
        client.meta.events.register("before-call.dynamodb", lambda **_: sdk.update(["calls"]))
        client.meta.events.register("before-send.dynamodb", lambda **_: sdk.update(["attempts"]))
        report = run(
            stack.call,
            stack.deliver,
            stack.sim,
            links_table=stack.resources.table_name("IssueLinksTable"),
            deliveries_table=stack.resources.table_name("WebhookDeliveriesTable"),
            issues=issues,
            events=events,
            progress=lambda line: print(f"  {time.strftime('%H:%M:%S')} {line}", flush=True),
        )
    print_report(report)
    print(
        f"DynamoDB calls: {sdk['calls']}, HTTP attempts: {sdk['attempts']} (SDK retries: {sdk['attempts'] - sdk['calls']})"
    )
    from bench import _report  # noqa: PLC0415

    _report.figure(
        "Jira webhook",
        f"reliability: {report.events:,} events for {report.issues} issues, in order and then "
        f"{report.duplicated} delivered twice and {report.reordered} late ({report.deliveries_shuffled:,} deliveries)",
        f"duplicates answered: {report.outcomes_shuffled.get('duplicate', 0)}; records differing from the in-order "
        f"run: {len(report.mismatches_with_in_order)}, from Jira: {len(report.mismatches_with_jira)} of "
        f"{report.records}; errors: {len(report.errors)}",
        "0 lost, 0 applied twice, 0 differences (issue 5's scale, 2,000 events / 100 issues: "
        "`python -m bench.webhook_reliability`, ~14 min)",
        report.ok,
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
