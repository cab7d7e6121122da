"""Send: the Jira call budget of a send (issue 4).

For N = 0, 1, 10, 50, 200 new requirements (Sub-task requirements, project MOB on the Jira simulator in Cloud
mode), sends a feature through the template's real handler (``POST /integrations/{id}/features/{ref}/send``,
in-process through the local gateway) against moto provisioned from ``template.yaml``, and counts on the
simulator's call log:

- the first send's calls by kind: writes (``POST /issue``, ``POST /issue/bulk``, ``POST /version``, ``PUT``,
  any other non-search write) and reads (everything else), and among the reads any metadata read
  (createmeta, field, statuses, project, issuetype, issueLinkType, serverInfo), which must be 0;
- the writes of an unchanged re-send (must be 0) and of a re-send with one requirement changed (for N = 0,
  the feature's description changed);
- whether the first send meets the budget: at most ``1 + ceil(N/50)`` issue writes plus at most one version
  create; beside the original Aha! Jira integration's reference count, ``5 + 4N`` calls for sub-task
  requirements (version lookup, user look-ups, rank, one create per requirement).

Every measured send is the worst case: a fresh integration (cold version and user caches, tested once) and a
release Jira does not have yet, so the version is created and the assignee looked up. The feature and each
requirement are assigned to a Jira user by e-mail and carry tags, an estimate and an HTML description.
Wall time per send is the median of 3 (3 features per N, after a warm-up send). Run:
``python -m bench.send_calls`` (or ``make bench`` for every benchmark).
"""

from __future__ import annotations

import copy
import json
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aha_jira_dev.integration_bodies import integration_body as simulator_integration
from bench._send_stack import REPO_ROOT, BenchStack, bench_stack

REQUIREMENT_COUNTS = (0, 1, 10, 50, 200)
RUNS = 3
BULK_LIMIT = 50
PROJECT = "MOB"
ASSIGNEE = "pm@acme.example"
AHA_EVENTS = REPO_ROOT.parent / "shared" / "reference" / "aha-events"
METADATA_MARKERS = (
    "/createmeta",
    "/field",
    "/statuses",
    "/project",
    "/issuetype",
    "/issueLinkType",
    "/serverInfo",
)


def reference_count(requirements: int) -> int:
    """Calls the original Aha! Jira integration made for a feature with sub-task requirements."""
    return 5 + 4 * requirements


def write_budget(requirements: int) -> int:
    """Issue writes allowed for a first send (a version create is allowed on top, at most one)."""
    return 1 + math.ceil(requirements / BULK_LIMIT)


def is_write(call: dict[str, Any]) -> bool:
    path = str(call["path"])
    return call["method"] != "GET" and not path.endswith(("/search/jql", "/search"))


def is_version_create(call: dict[str, Any]) -> bool:
    return call["method"] == "POST" and str(call["path"]).endswith("/version")


def is_metadata_read(call: dict[str, Any]) -> bool:
    return not is_write(call) and any(marker in str(call["path"]) for marker in METADATA_MARKERS)


def kind(call: dict[str, Any]) -> str:
    path = call["path"].replace("/rest/api/3", "").replace("/rest/api/2", "")
    if call["method"] == "PUT" and path.startswith("/issue/"):
        path = "/issue/{key}"
    return f"{call['method']} {path}"


def integration_body(stack: BenchStack, name: str) -> dict[str, Any]:
    return simulator_integration(stack.sim, name=name, project=PROJECT)


def aha_feature(reference: str, requirements: int, release: str) -> dict[str, Any]:
    """Aha!'s own feature payload (create_feature_event.json), with `requirements` requirements."""
    event = json.loads((AHA_EVENTS / "create_feature_event.json").read_text())
    feature: dict[str, Any] = event["feature"]
    template = feature["requirements"][0]
    feature.update(
        reference_num=reference,
        name=f"Offline mode {reference}",
        url=f"https://acme.aha.io/features/{reference}",
        description={"body": "<p>Work <strong>offline</strong> and sync later.</p><ul><li>queue</li></ul>"},
        tags=["mobile app", "offline"],
        original_estimate=480,
        work_units=10,
        assigned_to_user={"email": ASSIGNEE, "name": "Pat PM"},
    )
    feature["release"] = dict(feature["release"], name=release, reference_num=f"{reference}-R")
    feature["requirements"] = [
        dict(
            copy.deepcopy(template),
            reference_num=f"{reference}-{n}",
            name=f"Requirement {n} of {reference}",
            url=f"https://acme.aha.io/requirements/{reference}-{n}",
            description={"body": f"<p>Requirement <em>{n}</em>: it must work.</p>"},
            assigned_to_user={"email": ASSIGNEE},
            original_estimate=60,
            work_units=10,
        )
        for n in range(1, requirements + 1)
    ]
    return feature


@dataclass
class SendMeasure:
    status: int
    calls: list[dict[str, Any]]
    seconds: float

    @property
    def writes(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if is_write(call)]

    @property
    def reads(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if not is_write(call)]


@dataclass
class Row:
    requirements: int
    first: list[SendMeasure] = field(default_factory=list)
    unchanged: list[SendMeasure] = field(default_factory=list)
    changed: list[SendMeasure] = field(default_factory=list)

    @property
    def sample(self) -> SendMeasure:
        return self.first[0]

    @property
    def version_creates(self) -> int:
        return sum(1 for call in self.sample.writes if is_version_create(call))

    @property
    def issue_writes(self) -> int:
        return len(self.sample.writes) - self.version_creates

    @property
    def metadata_reads(self) -> int:
        return sum(1 for call in self.sample.calls if is_metadata_read(call))

    @property
    def meets_budget(self) -> bool:
        return (
            self.issue_writes <= write_budget(self.requirements)
            and self.version_creates <= 1
            and self.metadata_reads == 0
            and all(not m.writes for m in self.unchanged)
        )


def _send(stack: BenchStack, integration_id: str, feature: dict[str, Any]) -> SendMeasure:
    since = stack.sim.calls[-1]["seq"] if stack.sim.calls else 0
    started = time.perf_counter()
    status, answer = stack.call(
        "POST",
        f"/integrations/{integration_id}/features/{feature['reference_num']}/send",
        {"feature": feature},
    )
    seconds = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"send of {feature['reference_num']} answered {status}: {answer}")
    calls = stack.sim.core.calls.snapshot(since)
    return SendMeasure(status, calls, seconds)


def _tested_integration(stack: BenchStack, integration_id: str) -> None:
    status, answer = stack.call(
        "PUT", f"/integrations/{integration_id}", integration_body(stack, integration_id)
    )
    if status not in (200, 201):
        raise RuntimeError(f"configuring {integration_id} failed: {status} {answer}")
    status, report = stack.call("POST", f"/integrations/{integration_id}/test-connection")
    if status != 200 or not report.get("ok"):
        raise RuntimeError(f"test connection of {integration_id} failed: {status} {report}")


def measure(stack: BenchStack, requirements: int) -> Row:
    row = Row(requirements)
    for run in range(1, RUNS + 1):
        integration_id = f"calls-n{requirements}-r{run}"
        _tested_integration(stack, integration_id)
        reference = f"MOB-{requirements * 10 + run}"
        feature = aha_feature(reference, requirements, release=f"Bench {requirements}.{run}")
        row.first.append(_send(stack, integration_id, feature))
        row.unchanged.append(_send(stack, integration_id, feature))
        if feature["requirements"]:
            feature["requirements"][0]["description"] = {"body": "<p>Changed: it must work offline.</p>"}
        else:
            feature["description"] = {"body": "<p>Changed: work offline.</p>"}
        row.changed.append(_send(stack, integration_id, feature))
    counts = {len(m.calls) for m in row.first}
    if len(counts) != 1:
        raise RuntimeError(f"N={requirements}: the first sends made different call counts {sorted(counts)}")
    return row


def _median_ms(measures: list[SendMeasure]) -> str:
    values = [m.seconds * 1000 for m in measures]
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def print_table(rows: list[Row]) -> None:
    headers = [
        "N requirements",
        "original Aha! (5+4N)",
        "first send: calls",
        "writes",
        "reads",
        "metadata reads",
        "budget 1+ceil(N/50) (+1 version)",
        "meets",
        "unchanged re-send: writes",
        "one changed: writes",
        "first send ms, median of 3",
        "unchanged re-send ms",
    ]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---:|" * len(headers)]
    for row in rows:
        sample = row.sample
        changed = row.changed[0]
        lines.append(
            "| "
            + " | ".join(
                [
                    str(row.requirements),
                    str(reference_count(row.requirements)),
                    str(len(sample.calls)),
                    f"{len(sample.writes)} ({row.issue_writes} + {row.version_creates} version)",
                    str(len(sample.reads)),
                    str(row.metadata_reads),
                    f"{write_budget(row.requirements)} (+1)",
                    "yes" if row.meets_budget else "**NO**",
                    str(max(len(m.writes) for m in row.unchanged)),
                    f"{len(changed.writes)}" + (" (feature)" if row.requirements == 0 else ""),
                    _median_ms(row.first),
                    _median_ms(row.unchanged),
                ]
            )
            + " |"
        )
    print("\n".join(lines))


def print_kinds(rows: list[Row]) -> None:
    print("\nFirst send, calls by kind:")
    for row in rows:
        by_kind = Counter(kind(call) for call in row.sample.calls)
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(by_kind.items()))
        print(f"  N={row.requirements:<3d} {listed}")
    print("Re-send with one record changed, calls by kind:")
    for row in rows:
        by_kind = Counter(kind(call) for call in row.changed[0].calls)
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(by_kind.items())) or "none"
        print(f"  N={row.requirements:<3d} {listed}")


def report_figures(rows: list[Row]) -> None:
    from bench import _report  # noqa: PLC0415

    for row in rows:
        n = row.requirements
        _report.figure(
            "Send",
            f"Jira calls, first send of a feature with {n} requirement{'s' if n != 1 else ''}",
            f"{len(row.sample.calls)} ({row.issue_writes} issue writes + {row.version_creates} version create, "
            f"{len(row.sample.reads)} reads, {row.metadata_reads} metadata reads); original integration "
            f"{reference_count(n)}",
            f"≤ {write_budget(n)} issue writes + 1 version create, 0 metadata reads",
            row.meets_budget,
        )
    _report.figure(
        "Send",
        "Jira writes, re-send unchanged / with one record changed",
        f"{max(len(m.writes) for r in rows for m in r.unchanged)} / "
        f"{max(len(m.writes) for r in rows for m in r.changed)}",
        "0 / 1",
        all(not m.writes for r in rows for m in r.unchanged)
        and all(len(m.writes) <= 1 for r in rows for m in r.changed),
    )


def main() -> int:
    with bench_stack() as stack:
        print(
            f"Send call budget: Jira simulator (cloud) at {stack.sim.base_url}, project {PROJECT}, Sub-task requirements"
        )
        _tested_integration(stack, "calls-warm-up")  # handler imports and clients, like a warm container
        _send(stack, "calls-warm-up", aha_feature("MOB-9999", 2, release="Bench warm-up"))
        rows = [measure(stack, n) for n in REQUIREMENT_COUNTS]
    print()
    print_table(rows)
    print_kinds(rows)
    failed = [row.requirements for row in rows if not row.meets_budget]
    report_figures(rows)
    print(
        "\nBudget: at most 1 + ceil(N/50) issue writes plus at most one version create, no metadata read, "
        "no write on an unchanged re-send: "
        + ("met for every N." if not failed else f"NOT met for N = {failed}.")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
