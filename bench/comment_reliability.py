"""Comments reliability: 500 comments written, edited and deleted on both sides, both webhooks 30% twice and 20%
late, Aha! and Jira failing a share of the comment calls.

The workload (``bench/_comment_workload.py``): 10 features created in the Aha! simulator and sent to Jira; an
engineer comments in Jira and the product manager in Aha! (250 each), edits 30% of them once or twice and
deletes 20%; both sides' webhooks are captured, then replayed through the real handlers (Jira's in-process,
Aha!'s through the local gateway's routing) duplicated and reordered, while the roadmap delivery worker and the
retry worker run (the local stack's SQS poller, in a thread), Aha! fails 5% of each kind of call (429, 503,
commit-then-drop) and Jira a few comment writes (503, 429, commit-then-drop), and both simulators' webhooks
point at the local gateway live (the integration's own comments come back as echoes). Printed: per side, the
comments compared with the workload's (one copy each with its last body; none of a deleted one; no other),
the outbox by type and delivery, the log by action. Run: ``python -m bench.comment_reliability``
(``COMMENTS=`` and ``FEATURES=`` scale it).
"""

from __future__ import annotations

import json
import os
from typing import Any

from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._comment_workload import Report, run
from bench._roadmap_stack import roadmap_bench_stack
from bench._send_stack import request_through
from bench._webhook_workload import SECRET


def print_report(report: Report) -> None:
    print(
        f"comments: {report.comments} on {report.features} features; edits {report.edits}, deletes {report.deletes}"
    )
    print(
        f"deliveries replayed: Jira {report.jira_deliveries}, Aha! {report.aha_deliveries} "
        f"({report.duplicated} twice, {report.reordered} late)"
    )
    print(
        f"copies at the end: {report.copies_in_aha} in Aha! (of Jira comments), {report.copies_in_jira} in Jira"
    )
    print(f"roadmap events: {dict(sorted(report.outbox.items()))}")
    print(f"log: {dict(sorted(report.actions.items()))}")
    print(
        f"lost: {len(report.lost)}; dead letters: {report.dead_letters}; comments differing: "
        f"{len(report.mismatches)}; errors: {len(report.errors)}"
    )
    for line in (report.lost + report.mismatches + report.errors)[:10]:
        print("  " + line)
    print(f"time: {report.seconds:.0f} s from the first replayed delivery to both sides settled")
    print("result:", "OK" if report.ok else "FAILED")


def main() -> int:
    comments = int(os.environ.get("COMMENTS", "500"))
    features = int(os.environ.get("FEATURES", "10"))
    environment = {
        "ROADMAP_RETRY_BASE_SECONDS": "0.5",
        "ROADMAP_SWEEP_AFTER_SECONDS": "5",
        "RETRY_BASE_DELAY_SECONDS": "0",
        "AHA_REQUESTS_PER_SECOND": "100",
    }
    with roadmap_bench_stack(SECRET, environment) as stack:
        stack.aha.set_rate_limit(None)
        base = stack.base
        gateway = base.gateway.start()
        queues = {"RoadmapDeliveryQueue", "RetryQueue"}
        poller = SqsPoller(
            base.template,
            base.resources,
            handlers=base.poller.handlers,
            sources=[s for s in base.template.sqs_event_sources if s.queue in queues],
            wait_time_seconds=1,
        )

        def from_aha(path: str, body: bytes) -> tuple[int, Any]:
            return request_through(gateway, "POST", path, json.loads(body))

        try:
            report = run(
                stack.call,
                stack.deliver,
                from_aha,
                base.sim,
                stack.aha,
                poller,
                gateway.url,
                events_table=base.resources.table_name("RoadmapEventsTable"),
                dead_letter_urls=[
                    base.resources.queue_url("RoadmapDeliveryDLQ"),
                    base.resources.queue_url("RetryDeadLetterQueue"),
                ],
                comments=comments,
                features=features,
                progress=lambda line: print(line, flush=True),
                settle_timeout=1200,
            )
        finally:
            gateway.stop()
    print_report(report)
    from bench import _report  # noqa: PLC0415

    scale = f"{report.comments} comments, both sides, faults, 30% twice, 20% late"
    _report.figure(
        "Comments",
        f"comments differing between Jira and Aha! ({scale})",
        len(report.mismatches),
        "0",
        not report.mismatches,
    )
    _report.figure("Comments", "roadmap events lost", len(report.lost), "0", not report.lost)
    _report.figure(
        "Comments", "dead letters (roadmap and retry)", report.dead_letters, "0", report.dead_letters == 0
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
