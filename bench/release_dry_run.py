"""Release dry run: the plan of the 1,000-feature release (11,000 issues), its time and Jira calls (issue 16).

The release of ``bench.release_send`` (``bench/_release_workload.py``: the same integration on the Jira
simulator's MOB project, tested, the simulator's burst limit on), planned with
``POST /integrations/{id}/releases/{ref}/send?dry_run=true`` through the local gateway's routing and the real
handler, twice: the first plan (nothing sent yet: every feature a create) and the same plan again. Measured:
the answer's time, Jira's calls during it (the simulator's counters: reads and writes), and everything the
dry run wrote: every DynamoDB item, secret and queue message of moto and every call in the simulator's log
(``tests/fuzz/observation.WriteObserver``), before and after. Target: Jira reads only (0 writes), nothing
written anywhere; time and reads have no target.

Run: ``python -m bench.release_dry_run [--features 1000] [--requirements 10] [--rate 4]``.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from bench._release_workload import ReleaseRun, RunStack, run_environment
from bench._send_stack import bench_stack
from bench.release_send import parse
from tests.fuzz.observation import WriteObserver


def plan_once(run: ReleaseRun, body: dict[str, Any], observer: WriteObserver) -> dict[str, Any]:
    sim = run.stack.sim
    sim.reset_rate_counters()
    before = observer.snapshot()
    started = time.perf_counter()
    status, answer = run.stack.call(
        "POST", f"{run.base}/releases/{run.config.prefix}-R-1/send", body, [("dry_run", "true")]
    )
    seconds = time.perf_counter() - started
    counters = sim.rate_limits()["counters"]
    changes = [change for change in observer.changes(before) if "jira" not in change.lower()]
    by_class = counters.get("by_class") or {}
    actions: Counter[str] = Counter()
    requirements: Counter[str] = Counter()
    problems = 0
    if status == 200:
        for feature in answer["plan"]:
            actions[feature["action"]] += 1
            problems += len(feature["problems"])
            requirements.update(item["action"] for item in feature["requirements"])
    return {
        "status": status,
        "seconds": seconds,
        "reads": int((by_class.get("read") or {}).get("calls", 0)),
        "writes": int((by_class.get("write") or {}).get("calls", 0)),
        "calls": int(counters.get("calls", 0)),
        "changes": changes,
        "features": dict(actions),
        "requirements": dict(requirements),
        "problems": problems,
        "jira_writes": answer.get("jira_writes") if status == 200 else None,
        "answer": None if status == 200 else str(answer)[:500],
    }


def main(argv: list[str] | None = None) -> int:
    config = parse(argv, faults=False)
    with bench_stack() as stack:
        print(
            f"Release dry run: {config.features} features x {config.requirements} requirements, Jira simulator "
            f"(cloud) with a burst limit of {config.rate:g} requests/s",
            flush=True,
        )
        run = ReleaseRun(
            RunStack(stack.call, stack.sim, stack.template, stack.resources, stack.gateway.handlers), config
        )
        from bench._release_workload import release_body  # noqa: PLC0415

        body = release_body(config)
        observer = WriteObserver([stack.sim.base_url], aws_endpoint=os.environ["AWS_ENDPOINT_URL"])
        with run_environment(config):
            run.configure()
            plans = [plan_once(run, body, observer) for _ in range(2)]
    failures = []
    for number, plan in enumerate(plans, 1):
        print(
            f"plan {number}: {plan['status']} in {plan['seconds']:.2f} s; Jira calls {plan['calls']} "
            f"({plan['reads']} reads, {plan['writes']} writes); features {plan['features']}, requirements "
            f"{plan['requirements']}, problems {plan['problems']}; Jira writes the send would take: "
            f"{plan['jira_writes']}; written by the dry run: {len(plan['changes'])} {plan['changes'][:5]}"
        )
        if plan["status"] != 200:
            failures.append(f"plan {number} answered {plan['status']}: {plan['answer']}")
        if plan["writes"]:
            failures.append(f"plan {number} wrote to Jira ({plan['writes']} writes)")
        if plan["changes"]:
            failures.append(f"plan {number} wrote: {plan['changes'][:5]}")
    print("invariants: " + ("all hold" if not failures else "FAILED\n  - " + "\n  - ".join(failures)))
    from bench import _report  # noqa: PLC0415

    first = plans[0]
    scale = f"{config.features} features x {config.requirements} requirements ({config.records} issues)"
    _report.figure(
        "Release send",
        f"{scale}: dry run, time and Jira calls (first plan; again)",
        f"{first['seconds']:.1f} s, {first['reads']} reads + {first['writes']} writes; again "
        f"{plans[1]['seconds']:.1f} s, {plans[1]['reads']} reads + {plans[1]['writes']} writes "
        f"(plan: {first['jira_writes']} Jira writes for the send)",
        "reads only",
        all(plan["writes"] == 0 and plan["status"] == 200 for plan in plans),
    )
    _report.figure(
        "Release send",
        f"{scale}: dry run, items, secrets, messages and Jira writes it made",
        sum(len(plan["changes"]) + plan["writes"] for plan in plans),
        "0",
        not any(plan["changes"] or plan["writes"] for plan in plans),
    )
    return 1 if failures else 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
