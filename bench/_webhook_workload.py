"""The webhook reliability workload, shared by ``bench.webhook_reliability`` (2,000 events for 100 issues) and
its small-scale test (``tests/integration/webhooks/test_reliability.py``).

1. An integration is configured, tested, and sends one feature per issue (the real send handler).
2. An engineer works on those issues in the Jira simulator: transitions, renames, description edits,
   worklogs logged, changed and deleted, a few issues deleted. The simulator fires its real deliveries at a
   sink that records nothing but answers 200; the deliveries (identifier + raw body) are collected.
3. The deliveries are handed to the webhook handler twice, from the same starting records: once in order,
   once with a share of them delivered twice and a share arriving late (moved later in the stream).
4. Compared: the records after both runs (must be equal), the records against Jira's own final state (status,
   summary, time spent and remaining), and every answer (each delivery handled once; every repeat a
   `duplicate`; no 5xx).
``bench/__main__`` skips this module (its name starts with ``_``).
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

CallApi = Callable[..., tuple[int, Any]]
Deliver = Callable[[str, bytes, str], tuple[int, Any]]

SECRET = "reliability-webhook-secret-0123456789"  # noqa: S105 - the simulator's, local only
INTEGRATION = "reliability"
STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}
COMPARED = (
    "jira_status",
    "roadmap_status",
    "jira_resolution",
    "name",
    "summary",
    "description",
    "detached",
    "spent_seconds",
    "remaining_seconds",
    "last_event_at",
    "last_event_seq",
)


@dataclass(frozen=True)
class Captured:
    identifier: str
    event: str
    body: bytes


@dataclass
class Report:
    issues: int
    events: int
    deliveries_in_order: int
    deliveries_shuffled: int
    duplicated: int
    reordered: int
    by_event: Counter[str] = field(default_factory=Counter)
    outcomes_in_order: Counter[str] = field(default_factory=Counter)
    outcomes_shuffled: Counter[str] = field(default_factory=Counter)
    records: int = 0
    mismatches_with_in_order: list[str] = field(default_factory=list)
    mismatches_with_jira: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds_in_order: float = 0.0
    seconds_shuffled: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.mismatches_with_in_order or self.mismatches_with_jira or self.errors)


@contextmanager
def sink() -> Iterator[str]:
    """A URL that answers every POST with 200 and keeps nothing (the simulator keeps the deliveries)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/jira/sink"
    finally:
        server.shutdown()
        server.server_close()


def prepare(call_api: CallApi, sim: JiraSimulator, issues: int) -> tuple[str, dict[str, str]]:
    """Configure and test the integration, send one feature per issue; (webhook token, reference → key)."""
    credentials = sim.credentials
    body = {
        "name": "Reliability",
        "product": "REL",
        "jira": {
            "base_url": sim.base_url,
            "auth": {
                "type": "basic",
                "email": credentials["cloud_email"],
                "api_token": credentials["cloud_api_token"],
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
    keys = {}
    for number in range(1, issues + 1):
        reference = f"REL-{number}"
        feature = {
            "reference_num": reference,
            "name": f"Feature {number}",
            "description": {"body": f"<p>Scope of feature {number}</p>"},
            "workflow_status": {"name": "Ready to develop"},
            "original_estimate": 2400,  # 40 h: Jira's remaining never reaches 0 here
            "remaining_estimate": 2400,
            "work_units": 10,
            "requirements": [],
        }
        status, sent = call_api(
            "POST", f"/integrations/{INTEGRATION}/features/{reference}/send", {"feature": feature}
        )
        assert status == 200, sent
        keys[reference] = sent["jira"]["key"]
    return str(view["webhook_url"]).rsplit("/", 1)[-1], keys


class _Engineer:
    def __init__(self, sim: JiraSimulator) -> None:
        self.client = SimulatorClient(sim.base_url)
        credentials = sim.credentials
        self.auth = (credentials["engineer_email"], credentials["engineer_api_token"])
        self.base = f"{sim.base_url}/rest/api/3"
        self.session = requests.Session()

    def rest(self, method: str, path: str, **kwargs: Any) -> None:
        answer = self.session.request(method, f"{self.base}/{path}", auth=self.auth, timeout=10, **kwargs)
        answer.raise_for_status()


def generate(sim: JiraSimulator, keys: dict[str, str], events: int, seed: int) -> list[Captured]:
    """An engineer's day on the issues (exactly `events` Jira events); the deliveries Jira sent for them."""
    rng = random.Random(seed)
    engineer = _Engineer(sim)
    already = {delivery["identifier"] for delivery in sim.deliveries()}
    status = dict.fromkeys(keys.values(), "To Do")
    worklogs: dict[str, list[str]] = {key: [] for key in keys.values()}
    alive = sorted(keys.values())
    deletions = max(1, len(alive) // 30)
    # Every issue moves first, so Jira's time tracking reaches each record early in the stream.
    for key in alive:
        engineer.client.engineer_transition(key, "In Progress")
        status[key] = "In Progress"
    for number in range(events - len(alive) - deletions):
        key = rng.choice(alive)
        roll = rng.random()
        if roll < 0.35:
            target = rng.choice([name for name in STATUSES if name != status[key]])
            engineer.client.engineer_transition(key, target)
            status[key] = target
        elif roll < 0.5:
            engineer.client.engineer_edit(key, {"summary": f"{key} renamed ({number})"})
        elif roll < 0.55:
            text = {"type": "text", "text": f"Edited in Jira ({number})"}
            document = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [text]}]}
            engineer.client.engineer_edit(key, {"description": document})
        elif roll < 0.8 or not worklogs[key]:
            logged = engineer.client.engineer_worklog(key, rng.choice([900, 1800, 3600]))
            worklogs[key].append(str(logged["id"]))
        elif roll < 0.92:
            worklog = rng.choice(worklogs[key])
            engineer.rest(
                "PUT", f"issue/{key}/worklog/{worklog}", json={"timeSpentSeconds": rng.choice([600, 2700])}
            )
        else:
            worklog = worklogs[key].pop(rng.randrange(len(worklogs[key])))
            engineer.rest("DELETE", f"issue/{key}/worklog/{worklog}")
    for key in rng.sample(alive, deletions):
        engineer.client.engineer_delete(key)
    total = len(sim.deliveries())
    delivered = sim.wait_for_deliveries(total, timeout=120)
    captured = [
        Captured(delivery["identifier"], delivery["event"], json.dumps(delivery["payload"]).encode())
        for delivery in delivered
        if delivery["identifier"] not in already
    ]
    assert len(captured) == events, (len(captured), events)
    return captured


def chaotic(
    events: list[Captured], *, duplicate: float, reorder: float, seed: int
) -> tuple[list[Captured], int, int]:
    """The stream Jira's at-least-once, unordered delivery could produce: a share of the deliveries arrives
    late (moved 1 to 40 places later), a share arrives twice (the copy later still). (stream, duplicated, moved)."""
    rng = random.Random(seed)
    stream = list(events)
    moved = 0
    for index in rng.sample(range(len(stream)), int(len(stream) * reorder)):
        item = stream[index]
        position = stream.index(item)
        stream.pop(position)
        stream.insert(min(position + rng.randint(1, 40), len(stream)), item)
        moved += 1
    copies = rng.sample(range(len(events)), int(len(events) * duplicate))
    for index in copies:
        item = events[index]
        first = stream.index(item)
        stream.insert(rng.randint(first + 1, len(stream)), item)
    return stream, len(copies), moved


def _table(name: str) -> Any:
    return boto3.resource("dynamodb").Table(name)


def scan(table: str) -> list[dict[str, Any]]:
    resource = _table(table)
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = resource.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def restore(links_table: str, deliveries_table: str, links: list[dict[str, Any]]) -> None:
    """Back to the records as the sends left them, and no delivery seen."""
    with _table(links_table).batch_writer() as batch:
        for item in scan(links_table):
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    with _table(links_table).batch_writer() as batch:
        for item in links:
            batch.put_item(Item=item)
    with _table(deliveries_table).batch_writer() as batch:
        for item in scan(deliveries_table):
            batch.delete_item(Key={"pk": item["pk"]})


def records(links_table: str) -> dict[str, dict[str, Any]]:
    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value)
        return value

    return {
        str(item["reference"]): {name: plain(item.get(name)) for name in COMPARED}
        for item in scan(links_table)
        if item.get("integration_id") == INTEGRATION
    }


def jira_truth(sim: JiraSimulator, keys: dict[str, str]) -> dict[str, dict[str, Any] | None]:
    client = SimulatorClient(sim.base_url)
    existing = {issue["key"]: issue for issue in client.issues("MOB")}
    truth: dict[str, dict[str, Any] | None] = {}
    for reference, key in keys.items():
        issue = existing.get(key)
        if issue is None:
            truth[reference] = None
            continue
        fields = client.issue(key)["fields"]
        tracking = fields.get("timetracking") or {}
        truth[reference] = {
            "jira_status": fields["status"]["name"],
            "roadmap_status": STATUSES[fields["status"]["name"]],
            "jira_resolution": (fields.get("resolution") or {}).get("name"),
            "summary": fields["summary"],  # Jira's; the record's name stays the roadmap's (no two_way)
            "spent_seconds": tracking.get("timeSpentSeconds", 0),
            "remaining_seconds": tracking.get("remainingEstimateSeconds"),
        }
    return truth


def replay(
    deliver: Deliver,
    token: str,
    stream: list[Captured],
    report: Report,
    *,
    outcomes: Counter[str],
    progress: Callable[[str], None] | None = None,
) -> None:
    seen: set[str] = set()
    for number, item in enumerate(stream, start=1):
        if progress is not None and number % 250 == 0:
            progress(f"{number} of {len(stream)} delivered")
        status, answer = deliver(token, item.body, item.identifier)
        if status != 200:
            report.errors.append(f"{item.event} {item.identifier}: {status} {answer}")
            continue
        outcome = answer["outcome"]
        outcomes[outcome] += 1
        if item.identifier in seen and outcome != "duplicate":
            report.errors.append(f"{item.identifier} delivered again was {outcome}, not duplicate")
        if item.identifier not in seen and outcome == "duplicate":
            report.errors.append(f"{item.identifier} was a duplicate on its first delivery")
        seen.add(item.identifier)


def run(
    call_api: CallApi,
    deliver: Deliver,
    sim: JiraSimulator,
    *,
    links_table: str,
    deliveries_table: str,
    issues: int,
    events: int,
    duplicate: float = 0.3,
    reorder: float = 0.2,
    seed: int = 5,
    clock: Callable[[], float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    import time  # noqa: PLC0415

    now = clock or time.perf_counter
    say = progress or (lambda _: None)
    with sink() as url:
        token, keys = prepare(call_api, sim, issues)
        say(f"{issues} features sent")
        sim.configure_webhook(url, SECRET)
        captured = generate(sim, keys, events, seed)
        say(f"{len(captured)} Jira events captured")
    stream, duplicated, moved = chaotic(captured, duplicate=duplicate, reorder=reorder, seed=seed)
    report = Report(
        issues=issues,
        events=len(captured),
        deliveries_in_order=len(captured),
        deliveries_shuffled=len(stream),
        duplicated=duplicated,
        reordered=moved,
        by_event=Counter(item.event for item in captured),
    )
    initial = scan(links_table)

    restore(links_table, deliveries_table, initial)
    started = now()
    replay(deliver, token, captured, report, outcomes=report.outcomes_in_order, progress=progress)
    report.seconds_in_order = now() - started
    in_order = records(links_table)

    restore(links_table, deliveries_table, initial)
    started = now()
    replay(deliver, token, stream, report, outcomes=report.outcomes_shuffled, progress=progress)
    report.seconds_shuffled = now() - started
    shuffled = records(links_table)

    report.records = len(shuffled)
    if len(in_order) != issues or set(in_order) != set(shuffled):
        report.errors.append(
            f"records: {len(in_order)} after the in-order run, {len(shuffled)} after the other"
        )
    for reference in sorted(set(in_order) | set(shuffled)):
        if shuffled.get(reference) != in_order.get(reference):
            report.mismatches_with_in_order.append(
                f"{reference}: {shuffled.get(reference)} != {in_order.get(reference)}"
            )
    for reference, truth in jira_truth(sim, keys).items():
        record = shuffled[reference]
        if truth is None:
            if not record["detached"]:
                report.mismatches_with_jira.append(f"{reference}: deleted in Jira, not detached")
            continue
        mine = {name: record[name] for name in truth}
        if mine != truth:
            report.mismatches_with_jira.append(f"{reference}: {mine} != Jira's {truth}")
    return report
