"""Roadmap reliability: 1,000 Jira events for 100 linked issues, 30% delivered twice, 20% late, Aha! failing 20%.

The workload (``bench/_roadmap_workload.py``): 100 features created in the Aha! simulator and sent to Jira;
an engineer works on the issues in the Jira simulator (transitions, renames, description edits, worklogs
logged/changed/deleted, a few issues deleted) and the real deliveries are replayed through the webhook
handler (in-process, local gateway routing) as Jira's at-least-once, unordered delivery could bring them,
while the delivery worker (the local stack's SQS poller, in a thread) delivers the roadmap events to the Aha!
simulator, which answers a fifth of the connector's calls with a 429, a 503, an answer after the client's read
timeout, or does the work and drops the answer. Aha!'s 300 requests a minute are held by the request budget.
Printed: Aha!'s final state against Jira's, the outbox by delivery state, the roadmap log by action, Aha!'s
calls. Run: ``python -m bench.roadmap_reliability`` (``ISSUES=`` and ``EVENTS=`` scale it).
"""

from __future__ import annotations

import os

from bench._roadmap_stack import roadmap_bench_stack
from bench._roadmap_workload import DLQ, Report, run
from bench._webhook_workload import SECRET


def print_report(report: Report) -> None:
    print(f"issues: {report.issues}; Jira events: {report.events}; deliveries replayed: {report.deliveries} "
          f"({report.duplicated} twice, {report.reordered} late)")  # fmt: skip
    print(f"roadmap events by type: {dict(sorted(report.by_type.items()))}")
    print(f"roadmap events by delivery: {dict(sorted(report.outbox.items()))}")
    print(f"roadmap log: {dict(sorted(report.actions.items()))}")
    print(f"Aha! calls during the run: {dict(sorted(report.aha_calls.items()))}")
    print(
        f"lost: {len(report.lost)}; delivered twice: {len(report.delivered_twice)}; dead letters: "
        f"{report.dead_letters}; Aha! differing from Jira: {len(report.mismatches)}; errors: {len(report.errors)}"
    )
    for line in (report.lost + report.mismatches + report.errors)[:10]:
        print("  " + line)
    print(
        f"time posted to Aha!: {report.time_posted_minutes} min (equal to Jira's time spent when nothing differs)"
    )
    print(f"time: {report.seconds:.0f} s from the first Jira delivery to the last roadmap event settled")
    print("result:", "OK" if report.ok else "FAILED")


def main() -> int:
    issues = int(os.environ.get("ISSUES", "100"))
    events = int(os.environ.get("EVENTS", "1000"))
    environment = {
        "ROADMAP_RETRY_BASE_SECONDS": "1",
        "ROADMAP_READ_TIMEOUT_SECONDS": "1",
        "ROADMAP_SWEEP_AFTER_SECONDS": "30",
        # A time post whose answer timed out lands 0.5 s later (`timeout_delay` 1.5 s, read timeout 1 s):
        # judged 3 s after, not the 60 s Aha!'s own request timeout calls for.
        "ROADMAP_TIME_SETTLE_SECONDS": "3",
    }
    with roadmap_bench_stack(SECRET, environment) as stack:
        report = run(
            stack.call,
            stack.deliver,
            stack.base.sim,
            stack.aha,
            stack.poller,
            events_table=stack.base.resources.table_name("RoadmapEventsTable"),
            dlq_url=stack.base.resources.queue_url(DLQ),
            issues=issues,
            events=events,
            timeout_delay=1.5,
            progress=lambda line: print(line, flush=True),
            settle_timeout=1200,
        )
    print_report(report)
    from bench import _report  # noqa: PLC0415

    scale = f"{report.events} Jira events, {report.issues} issues"
    _report.figure(
        "Roadmap", f"events lost ({scale}, Aha! failing 20%)", len(report.lost), "0", not report.lost
    )
    _report.figure(
        "Roadmap", "events delivered twice", len(report.delivered_twice), "0", not report.delivered_twice
    )
    _report.figure(
        "Roadmap",
        "Aha! features differing from Jira (status, work done: time counted twice shows here)",
        len(report.mismatches),
        "0",
        not report.mismatches,
    )
    _report.figure("Roadmap", "roadmap dead letters", report.dead_letters, "0", report.dead_letters == 0)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
