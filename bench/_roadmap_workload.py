"""The roadmap reliability workload, shared by ``bench.roadmap_reliability`` (1,000 Jira events for 100 issues)
and its small soak test (``tests/integration/roadmap/test_reliability_soak.py``).

1. An Aha! integration (the Aha! simulator) is configured and tested; the product manager creates one feature
   per issue in Aha!, each is sent to Jira from its Aha! representation (the real send handler) and its link
   delivered (the Jira key as integration fields).
2. An engineer works on the issues in the Jira simulator (``bench._webhook_workload.generate``: transitions,
   renames, description edits, worklogs logged, changed and deleted, a few issues deleted); the deliveries are
   collected, then handed to the webhook handler as Jira's at-least-once, unordered delivery could: a share
   twice, a share late.
3. Meanwhile the delivery worker (the local stack's SQS poller, in a thread) delivers the roadmap events to
   the Aha! simulator, which answers a share of the calls with a 429, a 5xx, a timeout, or does the work and
   drops the answer (commit-then-drop).
4. Compared at the end: Aha!'s state with Jira's (each feature's workflow status, its work done and remaining
   estimate; one comment on each feature whose issue was deleted), every event of the outbox settled (none
   pending, dead or failed: none lost), no event delivered twice (the integration log), the dead-letter queue
   empty.
``bench/__main__`` skips this module (its name starts with ``_``).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests

from aha_jira.integration_log import logger as integration_logger
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._webhook_workload import SECRET, STATUSES, Captured, chaotic, generate, sink

CallApi = Callable[..., tuple[int, Any]]
Deliver = Callable[[str, bytes, str], tuple[int, Any]]

INTEGRATION = "roadmap-rel"
RELEASE = "PROD-R-1"
DELIVERY_QUEUE = "RoadmapDeliveryQueue"
DLQ = "RoadmapDeliveryDLQ"
SETTLED = {"delivered", "superseded", "skipped"}


@dataclass
class Report:
    issues: int
    events: int = 0
    deliveries: int = 0
    duplicated: int = 0
    reordered: int = 0
    outbox: Counter[str] = field(default_factory=Counter)  # roadmap events by delivery state
    by_type: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)  # roadmap.* log lines
    aha_calls: Counter[str] = field(default_factory=Counter)  # by outcome: ok, faulted, rate limited
    delivered_twice: list[int] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dead_letters: int = 0
    time_posted_minutes: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.lost or self.errors or self.delivered_twice or self.dead_letters)


def aha_roadmap(aha: AhaSimulator) -> dict[str, Any]:
    return {
        "type": "aha",
        "base_url": aha.base_url,
        "api_key": aha.bot_key,
        "integration_ref": aha.integration_id,
    }


def configure(
    call_api: CallApi, jira: JiraSimulator, aha: AhaSimulator, integration: str = INTEGRATION
) -> str:
    """The Aha! integration, tested; its Jira webhook token."""
    credentials = jira.credentials
    body = {
        "name": "Roadmap reliability",
        "product": "PROD",
        "jira": {
            "base_url": jira.base_url,
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
        "roadmap": aha_roadmap(aha),
    }
    status, view = call_api("PUT", f"/integrations/{integration}", body)
    assert status in (200, 201), view
    status, report = call_api("POST", f"/integrations/{integration}/test-connection")
    assert status == 200 and report["ok"], report
    return str(view["webhook_url"]).rsplit("/", 1)[-1]


def aha_feature(aha: AhaSimulator, reference: str) -> dict[str, Any]:
    answer = requests.get(
        f"{aha.api_url}/features/{reference}", headers={"Authorization": f"Bearer {aha.bot_key}"}, timeout=10
    )
    answer.raise_for_status()
    return dict(answer.json()["feature"])


def create_and_send(
    call_api: CallApi,
    aha: AhaSimulator,
    count: int,
    integration: str = INTEGRATION,
    *,
    prefix: str = "Reliability",
) -> dict[str, str]:
    """`count` features created in Aha! by the product manager, each sent to Jira: Aha! reference → Jira key."""
    keys: dict[str, str] = {}
    for number in range(1, count + 1):
        created = aha.pm.create_feature(RELEASE, f"{prefix} {number}", status="Ready to develop")
        reference = str(created["reference_num"])
        status, sent = call_api(
            "POST",
            f"/integrations/{integration}/features/{reference}/send",
            {"feature": aha_feature(aha, reference)},
        )
        assert status == 200, sent
        keys[reference] = sent["jira"]["key"]
    return keys


def drain(poller: SqsPoller, *, quiet_polls: int = 2, rounds: int = 10_000) -> int:
    """Run the delivery worker (in this thread) until its queue gave nothing `quiet_polls` times in a row."""
    handled = quiet = 0
    for _ in range(rounds):
        outcome = poller.poll_once(poller.sources[0], wait_time_seconds=1)
        if not outcome.received:
            quiet += 1
            if quiet >= quiet_polls:
                break
            continue
        quiet = 0
        handled += len(outcome.received)
    return handled


@contextmanager
def captured_log() -> Iterator[io.StringIO]:
    """The integration log's lines while it runs, kept here and kept off the terminal."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(integration_logger.registered_formatter)
    target = logging.getLogger(integration_logger.service)
    previous = target.level
    quieted = [(other, other.level) for other in target.handlers]
    for other, _ in quieted:
        other.setLevel(logging.CRITICAL)
    target.addHandler(handler)
    target.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)
        for other, level in quieted:
            other.setLevel(level)


def outbox_events(table: str, integration: str = INTEGRATION) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :event)",
        "ExpressionAttributeValues": {":pk": {"S": f"INTEGRATION#{integration}"}, ":event": {"S": "EVENT#"}},
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def queue_depth(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def add_faults(aha: AhaSimulator, share: float, *, timeout_delay: float) -> None:
    """Aha! misbehaves on `share` of the calls of the connector (status, time, comments, fields), evenly
    between a 429, a 503, an answer later than the client's read timeout, and a commit whose answer is lost."""
    each = share / 4
    path = r"^/api/v1/(features|requirements|time_tracking_events)/"
    aha.seed_faults(7)
    # Rules are tried in order: each later one sees only what the ones before let through.
    for index, rule in enumerate(
        (
            {"status": 429, "retry_after": 1},
            {"status": 503},
            {"delay": timeout_delay},
            {"drop_after_commit": True},
        )
    ):
        aha.add_fault(path=path, probability=each / (1 - each * index), times=None, **rule)


def run(
    call_api: CallApi,
    deliver: Deliver,
    jira: JiraSimulator,
    aha: AhaSimulator,
    poller: SqsPoller,
    *,
    events_table: str,
    dlq_url: str,
    issues: int,
    events: int,
    duplicate: float = 0.3,
    reorder: float = 0.2,
    fault_share: float = 0.2,
    timeout_delay: float = 1.5,
    seed: int = 5,
    progress: Callable[[str], None] | None = None,
    settle_timeout: float = 600.0,
) -> Report:
    say = progress or (lambda _: None)
    report = Report(issues=issues)
    token = configure(call_api, jira, aha)
    keys = create_and_send(call_api, aha, issues)
    drain(poller)  # the links (integration fields), before Aha! starts failing
    say(f"{issues} features created in Aha!, sent and linked")
    start = {reference: aha.feature(reference)["work_done"] or 0 for reference in keys}
    with sink() as url:
        jira.configure_webhook(url, SECRET)
        captured = generate(jira, keys, events, seed)
    stream, report.duplicated, report.reordered = chaotic(
        captured, duplicate=duplicate, reorder=reorder, seed=seed
    )
    report.events, report.deliveries = len(captured), len(stream)
    say(f"{len(captured)} Jira events captured; {len(stream)} deliveries to replay")

    add_faults(aha, fault_share, timeout_delay=timeout_delay)
    calls_before = len(aha.calls)
    started = time.perf_counter()
    with captured_log() as log:
        poller.start()
        try:
            _replay(deliver, token, stream, report, say)
            _settle(events_table, report, say, settle_timeout)
        finally:
            poller.stop()
        aha.clear_faults()
        drain(poller)
    report.seconds = time.perf_counter() - started
    _count_calls(aha.calls[calls_before:], report)
    _judge(log, events_table, dlq_url, jira, aha, keys, start, report)
    return report


def _replay(
    deliver: Deliver, token: str, stream: list[Captured], report: Report, say: Callable[[str], None]
) -> None:
    for number, item in enumerate(stream, start=1):
        status, answer = deliver(token, item.body, item.identifier)
        if status != 200:
            report.errors.append(f"{item.event} {item.identifier}: {status} {answer}")
        if number % 250 == 0:
            say(f"{number} of {len(stream)} Jira deliveries")


def _settle(events_table: str, report: Report, say: Callable[[str], None], timeout: float) -> None:
    """Wait until no roadmap event is pending (the worker, its back-offs and the sweep deliver them)."""
    from aha_jira import wiring  # noqa: PLC0415 - the function's own services, as the schedule uses them
    from aha_jira.roadmap.sweep import sweep  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = [item for item in outbox_events(events_table) if item["delivery"]["S"] == "pending"]
        if not waiting:
            return
        say(f"{len(waiting)} roadmap events still pending")
        sweep(wiring.roadmap_delivery_services())
        time.sleep(2.0)
    report.errors.append(f"roadmap events still pending after {timeout:.0f} s")


def _count_calls(calls: list[dict[str, Any]], report: Report) -> None:
    for call in calls:
        if call.get("rate_limited"):
            report.aha_calls["rate limited (simulator's 300/min)"] += 1
        elif call.get("fault"):
            report.aha_calls["faulted"] += 1
        else:
            report.aha_calls["answered"] += 1


def _judge(  # noqa: PLR0917 (the run's parts)
    log: io.StringIO,
    events_table: str,
    dlq_url: str,
    jira: JiraSimulator,
    aha: AhaSimulator,
    keys: dict[str, str],
    start: dict[str, float],
    report: Report,
) -> None:
    lines = [json.loads(line) for line in log.getvalue().splitlines() if line.startswith("{")]
    delivered = Counter(line["event_id"] for line in lines if line.get("action") == "roadmap.delivered")
    report.actions.update(
        line["action"] for line in lines if str(line.get("action", "")).startswith("roadmap.")
    )
    report.delivered_twice = sorted(event_id for event_id, count in delivered.items() if count > 1)
    for item in outbox_events(events_table):
        state, kind = item["delivery"]["S"], item["type"]["S"]
        report.outbox[state] += 1
        report.by_type[kind] += 1
        if state not in SETTLED:
            report.lost.append(f"event {item['event_id']['N']} ({kind} {item['reference']['S']}): {state}")
    report.dead_letters = queue_depth(dlq_url)
    client = SimulatorClient(jira.base_url)
    existing = {issue["key"] for issue in client.issues("MOB")}
    for reference, key in keys.items():
        feature = aha.feature(reference)
        if key not in existing:
            said = [c for c in feature["comments"] if f"{key} was deleted" in (c.get("body") or "")]
            if len(said) != 1:
                report.mismatches.append(f"{reference}: {len(said)} comments on {key}'s deletion, not 1")
            continue
        fields = client.issue(key)["fields"]
        tracking = fields.get("timetracking") or {}
        expected_status = STATUSES[fields["status"]["name"]]
        spent = round((tracking.get("timeSpentSeconds") or 0) / 60)
        work_done = round((feature["work_done"] or 0) - start[reference])
        report.time_posted_minutes += work_done
        mine = {"status": feature["workflow_status"]["name"], "work_done": work_done}
        truth = {"status": expected_status, "work_done": spent}
        remaining = tracking.get("remainingEstimateSeconds")
        if remaining is not None:
            mine["remaining"] = round(feature["remaining_estimate"] or 0)
            truth["remaining"] = round(remaining / 60)
        if mine != truth:
            report.mismatches.append(f"{reference} ({key}): Aha! {mine} != Jira {truth}")
