"""Status to Jira: the Jira calls one roadmap status change costs (issue 17).

A feature is sent to the Jira simulator (Cloud) through the template's real send handler, then sent again
with another roadmap status; the calls of that second send are counted on the simulator's call log (the
issue is otherwise unchanged, so every call is the status change's):

- **direct**: project MOB, whose workflow has a global transition to each status (To Do → In Progress);
- **three steps, unknown way**: project FLOW's linear workflow, To Do → Done, with a required field on the
  Approve screen (``mapping.transition_fields``); the first time, the way is learned as the issue moves;
- **three steps, known way**: the same change again after the issue went back (Reopen), planned from what was
  learned (kept a day in the lookup cache);
- **back**: Done → To Do, one transition.

Target: a direct change costs 2 calls (where the issue is and what it offers, the transition); a change of
``n`` transitions along a known way at most ``1 + n`` plus one per screen, along an unknown one at most
``2n`` plus one per screen (a look at each status but the last, each transition). Run: ``python -m bench.status_calls`` (``make bench`` runs it).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aha_jira_dev.integration_bodies import integration_body
from bench import _report
from bench._send_stack import BenchStack, bench_stack

FLOW_STATUSES = {
    "To Do": "Ready to develop",
    "In Progress": "In development",
    "In Review": "In review",
    "Done": "Shipped",
}
REVIEW_OUTCOME = {"customfield_10303": {"value": {"id": "10410"}}}


def _integration(stack: BenchStack, integration_id: str, **mapping: Any) -> None:
    status, _ = stack.call("PUT", f"/integrations/{integration_id}", integration_body(stack.sim, **mapping))
    assert status == 201
    status, report = stack.call("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200 and report["ok"], report


def _send(stack: BenchStack, integration_id: str, reference: str, status_name: str) -> list[dict[str, Any]]:
    before = len(stack.sim.calls)
    feature = {
        "reference_num": reference,
        "name": f"Status change {reference}",
        "workflow_status": {"name": status_name},
        "requirements": [],
    }
    status, answer = stack.call(
        "POST", f"/integrations/{integration_id}/features/{reference}/send", {"feature": feature}
    )
    assert status == 200, answer
    return stack.sim.calls[before:]


def _describe(calls: list[dict[str, Any]]) -> str:
    kinds = Counter(
        f"{c['method']} {'/issue/{key}/transitions' if c['path'].endswith('/transitions') else '/issue/{key}'}"
        for c in calls
    )
    return ", ".join(f"{kind} x{count}" for kind, count in sorted(kinds.items()))


def main() -> int:
    with bench_stack() as stack:
        _integration(stack, "direct", project="MOB")
        _integration(
            stack, "linear", project="FLOW", statuses=FLOW_STATUSES, transition_fields=REVIEW_OUTCOME
        )
        _send(stack, "direct", "MOB-1", "Ready to develop")
        direct = _send(stack, "direct", "MOB-1", "In development")
        _send(stack, "linear", "FLOW-9", "Ready to develop")
        unknown = _send(stack, "linear", "FLOW-9", "Shipped")
        back = _send(stack, "linear", "FLOW-9", "Ready to develop")
        known = _send(stack, "linear", "FLOW-9", "Shipped")
    rows = [
        ("direct (MOB: To Do → In Progress)", 1, 0, direct, 2),
        ("three steps, unknown way (FLOW: To Do → Done)", 3, 1, unknown, 2 * 3 + 1),
        ("back (FLOW: Done → To Do)", 1, 0, back, 2),
        ("three steps, known way (FLOW: To Do → Done)", 3, 1, known, 1 + 3 + 1),
    ]
    print("Jira calls per roadmap status change (the send's only calls: the issue is otherwise unchanged)\n")
    print("| change | transitions | Jira calls | budget | calls by kind |")
    print("|---|---:|---:|---:|---|")
    ok = True
    for name, steps, _screens, calls, budget in rows:
        transitions = sum(1 for c in calls if c["method"] == "POST" and c["path"].endswith("/transitions"))
        ok = ok and transitions == steps and len(calls) <= budget
        print(f"| {name} | {transitions} | {len(calls)} | ≤ {budget} | {_describe(calls)} |")
    _report.figure(
        "Status to Jira",
        "Jira calls per status change: direct / 3 transitions, way unknown / 3 transitions, way known",
        f"{len(direct)} / {len(unknown)} / {len(known)}",
        "≤ 2 / ≤ 2n + screens / ≤ 1 + n + screens (n = 3, 1 screen)",
        ok,
    )
    print("\nBudget: " + ("met." if ok else "NOT met."))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
