"""Release sends: a 1,000-feature release (11,000 issues) at Jira's rate limit (issue 16).

``bench/_release_workload.py`` says how the run is made: the release through the real API handler, the
release worker run by the local stack's SQS poller (the template's ``MaximumConcurrency`` workers, threads of
one process), moto provisioned from ``template.yaml``, the Jira simulator. The simulator's burst limit is set
low enough that Jira is the bottleneck (``--rate``, requests a second for reads and for writes; 4 by default:
this process, moto and the simulator share two cores and can drive about twice that); the integration has no
``jira.rate_limit`` cap, so the site's budget learns the limit from Jira's answers (``X-RateLimit-*``, 429s).
Nothing is scaled in this run: the limit is in real seconds and the run takes as long as Jira's limit says.

Figures: Jira requests a second achieved ÷ the limit (first to last allowed call, as the simulator counts,
for the class that binds the run: reads and writes each have their own bucket at the limit, and a release's
calls are mostly writes; target ≥ 0.9), 429s received (≤ 1% of calls), failed features (0), duplicates (0), wall time (POST to the
send's end), and the calls the original integration would have made (5 + 4N per feature) beside ours.

Run: ``python -m bench.release_send [--features 1000] [--requirements 10] [--rate 4] [--concurrency N]``.
The CI test ``tests/integration/releases/test_release_soak.py`` runs the same code with small parameters.
"""

from __future__ import annotations

import argparse
import os

from bench._release_workload import RunConfig, RunStack, format_report, run_release
from bench._send_stack import bench_stack


def parse(argv: list[str] | None, *, faults: bool) -> RunConfig:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=RunConfig.features)
    parser.add_argument("--requirements", type=int, default=RunConfig.requirements)
    parser.add_argument("--rate", type=float, default=RunConfig.rate)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--seed", type=int, default=RunConfig.seed)
    args = parser.parse_args(argv if argv is not None else [])
    return RunConfig(
        features=args.features,
        requirements=args.requirements,
        rate=args.rate,
        concurrency=args.concurrency,
        seed=args.seed,
        faults=faults,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse(argv, faults=False)
    load_before = os.getloadavg()[0]
    with bench_stack() as stack:
        print(
            f"Release send: {config.features} features x {config.requirements} requirements, Jira simulator "
            f"(cloud) with a burst limit of {config.rate:g} requests/s (reads and writes each), release "
            f"workers: {config.concurrency or 'the template'}'s",
            flush=True,
        )
        report = run_release(
            RunStack(stack.call, stack.sim, stack.template, stack.resources, stack.gateway.handlers), config
        )
    load_after = os.getloadavg()[0]
    print(format_report(report))
    print(f"load average (1 min) at the start {load_before:.1f}, at the end {load_after:.1f} (2 cores)")
    failures = report.failures
    print("invariants: " + ("all hold" if not failures else "FAILED\n  - " + "\n  - ".join(failures)))
    from bench import _report  # noqa: PLC0415

    rate = config.rate or 0.0
    ratio = report.achieved_rate / rate if rate else 0.0
    share = report.throttled / max(1, report.jira_calls)
    scale = f"{config.features} features x {config.requirements} requirements ({config.records} issues)"
    _report.figure(
        "Release send",
        f"{scale}: Jira requests/s achieved ÷ the limit ({rate:g}/s a class; the busiest class)",
        f"{ratio:.3f} ({report.achieved_rate:.2f}/s)",
        "≥ 0.9",
        ratio >= 0.9,
    )
    _report.figure(
        "Release send",
        f"{scale}: 429s received",
        f"{report.throttled} of {report.jira_calls} calls ({share:.2%})",
        "≤ 1% of calls",
        share <= 0.01,
    )
    _report.figure(
        "Release send",
        f"{scale}: failed features, duplicates, records not linked",
        f"{report.progress.get('failed')} failed, {len(report.duplicates)} duplicates, "
        f"{len(report.missing) + len(report.unlinked)} not linked",
        "0, 0, 0",
        not failures,
    )
    _report.figure(
        "Release send",
        f"{scale}: wall time (POST to the send's end)",
        ("" if report.status == "done" else f"not finished ({report.status}) after ")
        + f"{report.wall_seconds:.0f} s (load average {load_before:.1f} → {load_after:.1f} on 2 cores)",
    )
    _report.figure(
        "Release send",
        f"{scale}: Jira calls, the original integration (5 + 4N a feature) vs this one",
        f"{report.original_calls} vs {report.jira_calls} ({report.original_calls / max(1, report.jira_calls):.1f}x fewer)",
    )
    return 1 if failures else 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
