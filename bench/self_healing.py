"""Self-healing: 1,000 Jira changes with 20% of their webhooks lost, repaired by the scheduled reconcile.

The workload, run twice with the same changes, once with 100 issues linked and once with 1,000:
1. An integration sends features with 9 requirements each (10 linked issues a send) through the real send
   handler. Their issues are then aged an hour in the simulator (`age_setup`), as links made long before:
   the sweeps' windows hold only the workload's changes, as in a steady state (a site's first sweep, which
   sees every issue changed in the last day, is run and reported apart).
2. The site's webhook points at the local gateway (over HTTP, to the real webhook handler); the simulator
   loses a seeded 20% of its deliveries (`sim.lose_webhooks`).
3. An engineer makes the changes on 100 of the linked issues: transitions, renames, worklogs logged, changed
   and deleted, a few requirements deleted. Each change is one Jira event.
4. Sweeps run as the schedule runs them (the real reconcile handler, EventBridge's event) until nothing is
   left to repair; after each, every changed record is compared with Jira (status, resolution, summary, time
   spent, deleted): the target is none behind after the second sweep.
5. Nothing applied twice: the repairs equal the records the lost webhooks left behind (each repaired once,
   none that was up to date), a third sweep repairs nothing, and Jira's late retries of every lost delivery
   (redelivered after the repairs) change no record.
Printed per run: events and losses, records behind after the webhooks and after each sweep, the sweep's
Jira calls (window search, bulk fetch, rotating check) and repairs, and the comparison of the two runs.
Run: ``python -m bench.self_healing`` (``LINKED=100,1000`` and ``CHANGES=1000`` scale it).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
import requests

from aha_jira.reconcile.issue_state import CLOCK_SKEW_MS, STAMP_LAG_MS
from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.jira_sim.state import RESOLUTION_DONE
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.lambda_context import context_for
from aha_jira_dev.local_stack.schedules import local_schedules, scheduled_event
from aha_jira_dev.local_stack.template import Template

CallApi = Callable[..., tuple[int, Any]]
SECRET = "self-healing-webhook-secret-0123456789"  # noqa: S105 - the simulator's, local only
INTEGRATION = "healing"
STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}
REQUIREMENTS_PER_FEATURE = 9
TOUCHED = 100  # linked issues the engineer works on, whatever the number linked
MAX_SWEEPS = 6
RETRY_DELAYS = (0.5, 2.0, 5.0, 10.0, 20.0)


@dataclass
class SweepFigures:
    repaired: int
    deleted: int
    too_fresh: int
    changed: int
    linked_changed: int
    search_calls: int
    fetch_calls: int
    audit_calls: int
    behind_after: int

    @property
    def jira_calls(self) -> int:
        return self.search_calls + self.fetch_calls + self.audit_calls


@dataclass
class HealingReport:
    linked: int
    touched: int
    events: int = 0
    lost: int = 0
    given_up: int = 0  # of the lost: deliveries Jira gave up on after its retries
    by_event: Counter[str] = field(default_factory=Counter)
    behind_after_webhooks: int = 0
    first_sweep: SweepFigures | None = None
    sweeps: list[SweepFigures] = field(default_factory=list)
    repairs: int = 0
    late_retries: Counter[str] = field(default_factory=Counter)
    behind_after_retries: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def sweeps_to_heal(self) -> int | None:
        return next((n for n, sweep in enumerate(self.sweeps, 1) if sweep.behind_after == 0), None)

    @property
    def applied_twice(self) -> int:
        """Repairs beyond one per record the lost webhooks left behind, and records a late retry changed."""
        return max(self.repairs - self.behind_after_webhooks, 0) + self.behind_after_retries

    @property
    def ok(self) -> bool:
        healed = self.sweeps_to_heal
        return not self.errors and healed is not None and healed <= 2 and self.applied_twice == 0


def settle_for_repair() -> None:
    time.sleep((STAMP_LAG_MS + CLOCK_SKEW_MS) / 1000 + 0.3)


def prepare(call_api: CallApi, sim: JiraSimulator, linked: int) -> tuple[str, list[str]]:
    """Configure and test the integration, send features with their requirements; (token, linked keys)."""
    body = {
        "name": "Self-healing",
        "product": "HEAL",
        "jira": {
            "base_url": sim.base_url,
            "auth": {
                "type": "basic",
                "email": sim.credentials["cloud_email"],
                "api_token": sim.credentials["cloud_api_token"],
            },
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": STATUSES,
        },
        "webhook": {"secret": SECRET},
    }
    status, view = call_api("PUT", f"/integrations/{INTEGRATION}", body)
    assert status in (200, 201), view
    status, report = call_api("POST", f"/integrations/{INTEGRATION}/test-connection")
    assert status == 200 and report["ok"], report
    keys: list[str] = []
    for number in range(1, -(-linked // (REQUIREMENTS_PER_FEATURE + 1)) + 1):
        reference = f"HEAL-{number}"
        feature = {
            "reference_num": reference,
            "name": f"Feature {number}",
            "description": {"body": f"<p>Scope of feature {number}</p>"},
            "workflow_status": {"name": "Ready to develop"},
            "original_estimate": 2400,
            "remaining_estimate": 2400,
            "requirements": [
                {"reference_num": f"{reference}-{index}", "name": f"Requirement {number}.{index}"}
                for index in range(1, REQUIREMENTS_PER_FEATURE + 1)
            ],
        }
        status, sent = call_api(
            "POST", f"/integrations/{INTEGRATION}/features/{reference}/send", {"feature": feature}
        )
        assert status == 200, sent
        keys.append(sent["jira"]["key"])
        keys += [requirement["jira"]["key"] for requirement in sent["requirements"]]
    return str(view["webhook_url"]).rsplit("/", 1)[-1], keys[:linked]


def age_setup(sim: JiraSimulator, hours: float = 1.0) -> None:
    """Every issue as if last changed `hours` ago (the sends' issues): the sweeps' windows then hold only the
    workload's changes."""
    with sim.core.store.lock:
        for issue in sim.core.store.issues.values():
            issue.updated -= timedelta(hours=hours)
            issue.created -= timedelta(hours=hours)


def generate(sim: JiraSimulator, keys: list[str], changes: int, seed: int) -> None:
    """`changes` Jira events on `keys`: an engineer's work, the last few of them deleting requirements."""
    rng = random.Random(seed)
    client = SimulatorClient(sim.base_url)
    auth = (sim.credentials["engineer_email"], sim.credentials["engineer_api_token"])
    session = requests.Session()
    base = f"{sim.base_url}/rest/api/3"
    features = set(keys[:: REQUIREMENTS_PER_FEATURE + 1])
    deletions = rng.sample([key for key in keys if key not in features], max(1, changes // 100))
    alive = [key for key in keys if key not in deletions]
    status = dict.fromkeys(keys, "To Do")
    worklogs: dict[str, list[str]] = {key: [] for key in keys}
    for number in range(changes - len(deletions)):
        key = rng.choice(alive)
        roll = rng.random()
        if roll < 0.4:
            target = rng.choice([name for name in STATUSES if name != status[key]])
            client.engineer_transition(key, target)
            status[key] = target
        elif roll < 0.6:
            client.engineer_edit(key, {"summary": f"{key} renamed ({number})"})
        elif roll < 0.85 or not worklogs[key]:
            worklogs[key].append(str(client.engineer_worklog(key, rng.choice([900, 1800, 3600]))["id"]))
        elif roll < 0.93:
            worklog = rng.choice(worklogs[key])
            answer = session.put(
                f"{base}/issue/{key}/worklog/{worklog}",
                json={"timeSpentSeconds": 2700},
                auth=auth,
                timeout=10,
            )
            answer.raise_for_status()
        else:
            worklog = worklogs[key].pop(rng.randrange(len(worklogs[key])))
            session.delete(f"{base}/issue/{key}/worklog/{worklog}", auth=auth, timeout=10).raise_for_status()
    for key in deletions:
        client.engineer_delete(key)


def records_behind(links_table: str, sim: JiraSimulator, keys: list[str]) -> list[str]:
    """The records of `keys` whose state differs from Jira's: status (a record that never heard of its issue
    may show none while the issue is still To Do), resolution, summary, time spent, deletion."""
    table = boto3.resource("dynamodb").Table(links_table)
    items: list[dict[str, Any]] = []
    scan: dict[str, Any] = {}
    while True:
        page = table.scan(**scan)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    by_key = {str(item.get("issue_key")): item for item in items if item.get("integration_id") == INTEGRATION}
    store = sim.core.store
    behind = []
    for key in keys:
        record = by_key.get(key) or {}
        issue = store.issue(key)
        if issue is None:
            if not record.get("detached"):
                behind.append(f"{key}: deleted in Jira, not detached")
            continue
        status = store.statuses[issue.status_id].name
        mine_status = record.get("jira_status")
        spent = int(record.get("spent_seconds") or Decimal(0))
        resolution = RESOLUTION_DONE[1] if issue.resolution == RESOLUTION_DONE[0] else issue.resolution
        expected = {
            "status": status,
            "resolution": resolution,
            "summary": issue.values.get("summary"),
            "spent": store.time_spent(issue.id),
        }
        mine = {
            "status": mine_status if mine_status is not None or status != "To Do" else "To Do",
            "resolution": record.get("jira_resolution"),
            "summary": record.get("summary") or record.get("name"),  # Jira's (the name is the roadmap's)
            "spent": spent,
        }
        if mine != expected:
            behind.append(f"{key}: {mine} != Jira's {expected}")
    return behind


class Sweeper:
    def __init__(self, template: Template, handlers: HandlerRegistry) -> None:
        [self.schedule] = [s for s in local_schedules(template, {}) if s.function.name == "reconcile"]
        self.handler = handlers.handler(self.schedule.function.logical_id)

    def __call__(self) -> dict[str, Any]:
        result: dict[str, Any] = self.handler(
            scheduled_event(self.schedule), context_for(self.schedule.function)
        )
        [site] = result["sites"]
        return dict(site)


def _figures(site: dict[str, Any], behind: int) -> SweepFigures:
    names = SweepFigures.__dataclass_fields__.keys() - {"behind_after"}
    return SweepFigures(**{name: int(site[name]) for name in names}, behind_after=behind)


def run(
    call_api: CallApi,
    sim: JiraSimulator,
    sweep: Callable[[], dict[str, Any]],
    *,
    webhook_base: str,
    links_table: str,
    linked: int,
    changes: int,
    touched: int = TOUCHED,
    loss: float = 0.2,
    seed: int = 16,
    progress: Callable[[str], None] | None = None,
) -> HealingReport:
    say = progress or (lambda _: None)
    token, keys = prepare(call_api, sim, linked)
    worked_on = keys[:touched]
    report = HealingReport(linked=len(keys), touched=len(worked_on))
    say(f"{len(keys)} issues linked")
    age_setup(sim)
    report.first_sweep = _figures(sweep(), 0)
    # Jira retries a delivery our side was too slow to answer; here for longer than the simulator's default
    # (moto's transactions slow down as its tables grow, and the machine may be busy).
    sim.configure_webhook(f"{webhook_base}/webhooks/jira/{token}", SECRET, retry_delays=RETRY_DELAYS)
    sim.lose_webhooks(loss, seed=seed)
    generate(sim, worked_on, changes, seed)
    sim.wait_for_deliveries(len(sim.deliveries()), timeout=1800)
    dropped = sim.dropped_webhooks()
    delivered = sim.deliveries()
    report.events = len(delivered) + len(dropped)
    # A delivery Jira gave up on (out of retries) is lost as much as one it never sent.
    given_up = [item for item in delivered if item["done"] and not item["delivered"]]
    report.lost = len(dropped) + len(given_up)
    report.given_up = len(given_up)
    report.by_event = Counter(str(item["event"]) for item in [*delivered, *dropped])
    report.behind_after_webhooks = len(records_behind(links_table, sim, worked_on))
    say(
        f"{report.events} Jira events, {report.lost} webhooks lost, {report.behind_after_webhooks} records behind"
    )
    sim.lose_webhooks(0.0)
    settle_for_repair()
    for _ in range(MAX_SWEEPS):
        site = sweep()
        behind = records_behind(links_table, sim, worked_on)
        report.sweeps.append(_figures(site, len(behind)))
        report.repairs += int(site["repaired"])
        say(f"sweep {len(report.sweeps)}: {site['repaired']} repaired, {len(behind)} behind")
        if not behind and len(report.sweeps) >= 3:
            break
    if report.sweeps_to_heal is None:
        report.errors += records_behind(links_table, sim, worked_on)[:5]
    before = set(records_behind(links_table, sim, worked_on))
    for item in [*dropped, *given_up]:  # Jira's late retries of every lost delivery, after the repairs
        body = json.dumps(item["payload"]).encode()
        answer = requests.post(
            f"{webhook_base}/webhooks/jira/{token}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Atlassian-Webhook-Identifier": item["identifier"],
                "X-Hub-Signature": hub_signature(SECRET, body),
            },
            timeout=30,
        )
        if answer.status_code != 200:
            report.errors.append(f"late retry {item['identifier']}: {answer.status_code}")
            continue
        report.late_retries[answer.json()["outcome"]] += 1
    report.behind_after_retries = len(set(records_behind(links_table, sim, worked_on)) - before)
    return report


def print_report(report: HealingReport) -> None:
    print(
        f"linked {report.linked}, changed {report.touched}: {report.events} Jira events "
        f"{dict(sorted(report.by_event.items()))}, {report.lost} webhooks lost "
        f"({report.given_up} of them given up by Jira after its retries)"
    )
    if report.first_sweep is not None:
        first = report.first_sweep
        print(
            f"  the site's first sweep (every issue changed in the last day): {first.jira_calls} Jira calls "
            f"({first.search_calls} search, {first.fetch_calls} bulk fetch, {first.audit_calls} check), "
            f"{first.repaired} repaired"
        )
    print(f"  records behind after the webhooks: {report.behind_after_webhooks}")
    for number, sweep in enumerate(report.sweeps, 1):
        print(
            f"  sweep {number}: {sweep.repaired} repaired ({sweep.deleted} deleted, {sweep.too_fresh} too fresh), "
            f"{sweep.behind_after} behind after; Jira calls {sweep.jira_calls} = {sweep.search_calls} search + "
            f"{sweep.fetch_calls} bulk fetch + {sweep.audit_calls} check "
            f"(window: {sweep.changed} changed, {sweep.linked_changed} linked)"
        )
    print(
        f"  healed after sweep {report.sweeps_to_heal}; repairs {report.repairs} for "
        f"{report.behind_after_webhooks} records behind; Jira's late retries of the lost deliveries, answered "
        f"{dict(sorted(report.late_retries.items()))} (a worklog already in a repair's time tracking is "
        f"recorded, its seconds not counted again), records whose state they changed: "
        f"{report.behind_after_retries}; "
        f"applied twice: {report.applied_twice}"
    )
    for line in report.errors[:10]:
        print("  error: " + line)
    print("  result:", "OK" if report.ok else "FAILED")


def main() -> int:
    from bench import _report  # noqa: PLC0415
    from bench._send_stack import bench_stack  # noqa: PLC0415

    scales = [int(value) for value in os.environ.get("LINKED", "100,1000").split(",") if value.strip()]
    changes = int(os.environ.get("CHANGES", "1000"))
    reports: list[HealingReport] = []
    for linked in scales:
        with bench_stack() as stack:
            stack.gateway.start()
            try:
                report = run(
                    stack.call,
                    stack.sim,
                    Sweeper(stack.template, stack.gateway.handlers),
                    webhook_base=stack.gateway.url,
                    links_table=stack.resources.table_name("IssueLinksTable"),
                    linked=linked,
                    changes=changes,
                    progress=lambda line: print(f"  {time.strftime('%H:%M:%S')} {line}", flush=True),
                )
            finally:
                stack.gateway.stop()
        print_report(report)
        reports.append(report)
    largest = reports[-1]
    _report.figure(
        "Self-healing",
        f"{largest.events:,} Jira changes on {largest.touched} of {largest.linked:,} linked issues, "
        f"{largest.lost} webhooks lost ({largest.lost / max(largest.events, 1):.0%})",
        f"all reflected after sweep {largest.sweeps_to_heal}; applied twice: {largest.applied_twice} "
        f"({largest.repairs} repairs for {largest.behind_after_webhooks} records behind; "
        f"{sum(largest.late_retries.values())} late retries changed {largest.behind_after_retries})",
        "every change reflected within two sweeps, 0 applied twice",
        largest.ok,
    )
    first_sweeps = "; ".join(
        f"{report.linked:,} linked: {report.sweeps[0].search_calls} search + {report.sweeps[0].fetch_calls} "
        f"fetch + {report.sweeps[0].audit_calls} check"
        for report in reports
    )
    compared = len({report.linked for report in reports}) > 1
    _report.figure(
        "Self-healing",
        "Jira calls of the sweep after the changes"
        + (" (same changes, more issues linked)" if compared else " (one scale run: nothing compared)"),
        first_sweeps,
        "calls grow with the issues changed, not the issues linked (the check: a fixed 500 a sweep)",
        len({(r.sweeps[0].search_calls, r.sweeps[0].fetch_calls) for r in reports}) == 1
        if compared
        else None,
    )
    return 0 if all(report.ok for report in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
