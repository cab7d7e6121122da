"""Release sends under faults: the 1,000-feature release again, with Jira failing and workers dying (issue 16).

The run of ``bench.release_send`` (``bench/_release_workload.py`` says how it is made), and while the
bulk of the release runs (until its last 5% are left: each fault hits the next matching call, so in the tail
every fault would land on the same few features, and five in a row fail one by design), one fault picked at
random (every 30 Jira calls or so: the density the run was designed with, one every 4 s at 4
requests a second a class, kept whatever rate the machine drives): a storm of 429s of one ``RateLimit-Reason``
(``jira-burst-based``, ``jira-per-issue-on-write``, ``jira-quota-tenant-based``, ``jira-quota-global-based``:
the next six matching calls answered 429 with that reason's ``Retry-After`` of 1 s, 2 s for a quota, and
its headers), two 503s, a create Jira commits after the client gave up (held past the read timeout), a create
whose answer is lost after the commit; 2% of the worker's invocations killed at a DynamoDB call (before the
links of what Jira created are written, or before the feature's outcome is); three feature messages delivered
again every 30 Jira calls or so (while queued, being sent, or after they were handled). Jira's burst limit stays on underneath.

What is scaled to keep a killed worker's feature from taking minutes (its message comes back after the
queue's visibility timeout; the worker's hold on the feature and its reservations are taken over after their
leases; a create that may have happened is searched for once Jira's search caught up): the release queue's
visibility timeout 20 s (360 s in the template), ``RELEASE_LEASE_SECONDS`` 15 (the worker's deadline + 30 s:
90 s), ``RESERVATION_LEASE_SECONDS`` 10 (90), ``SEARCH_CONSISTENCY_SECONDS`` 1 (15),
``JIRA_READ_TIMEOUT_SECONDS`` 2 (15). The simulator's clock is not scaled: the 429 storms carry their own
short ``Retry-After``, so no quota window has to pass (a real quota's window is an hour: the budget pauses
the site until it resets, and the features wait in the queue without spending attempts).

Checked: 0 duplicates, 0 lost records (every record has its issue), every record linked to it, no failed
feature, the dead-letter queue empty.

Run: ``python -m bench.release_faults [--features 1000] [--requirements 10] [--rate 4]``.
"""

from __future__ import annotations

from bench._release_workload import RunStack, format_report, run_release
from bench._send_stack import bench_stack
from bench.release_send import parse


def main(argv: list[str] | None = None) -> int:
    config = parse(argv, faults=True)
    with bench_stack() as stack:
        print(
            f"Release send under faults: {config.features} features x {config.requirements} requirements, "
            f"burst limit {config.rate:g} requests/s; scaled: visibility timeout {config.visibility_timeout} s, "
            f"release lease {config.release_lease:g} s, reservation lease {config.lease_seconds:g} s, "
            f"search consistency {config.search_consistency:g} s, read timeout {config.read_timeout:g} s",
            flush=True,
        )
        report = run_release(
            RunStack(stack.call, stack.sim, stack.template, stack.resources, stack.gateway.handlers), config
        )
    print(format_report(report))
    failures = report.failures
    print("invariants: " + ("all hold" if not failures else "FAILED\n  - " + "\n  - ".join(failures)))
    from bench import _report  # noqa: PLC0415

    scale = f"{config.features} features x {config.requirements} requirements"
    injected = sum(report.faults.values())
    _report.figure(
        "Release send",
        f"{scale} under faults ({injected} injected: 429 storms of each reason, 503s, timeouts, "
        f"commit-then-drop; {report.killed} workers killed; {report.redelivered} messages delivered again)",
        f"{len(report.duplicates)} duplicates, {len(report.missing)} lost, {len(report.unlinked)} unlinked, "
        f"{report.progress.get('failed')} failed; DLQ {report.dead_letters}",
        "0 duplicates, 0 lost, every record linked, DLQ empty",
        not failures,
    )
    _report.figure(
        "Release send",
        f"{scale} under faults: wall time, Jira calls, 429s",
        ("" if report.status == "done" else f"not finished ({report.status}) after ")
        + f"{report.wall_seconds:.0f} s, {report.jira_calls} calls, {report.throttled} 429s",
    )
    return 1 if failures else 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
