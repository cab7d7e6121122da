"""A release send run: the workload of ``bench.release_send``, ``bench.release_faults`` and the soak test.

One integration on the Jira simulator's MOB project (Story features, Sub-task requirements), a release of F
features with R requirements each sent with ``POST /integrations/{id}/releases/{ref}/send`` through the local
gateway's routing and the real handler, then the release worker run by the local stack's SQS poller from the
template's event source (``ScalingConfig.MaximumConcurrency`` workers, each its own thread, as Lambda runs
that many invocations), all in one process against moto provisioned from ``template.yaml``. The Jira
simulator enforces its burst limit (``set_rate_limits``); the integration has no ``jira.rate_limit``: the
site's request budget learns the limit from Jira's answers, as it would against a site whose limit nobody
told it.

With faults (``RunConfig.faults``), while the release runs: storms of 429s of each ``RateLimit-Reason``
(``jira-burst-based``, ``jira-per-issue-on-write``, ``jira-quota-tenant-based``, ``jira-quota-global-based``:
fault rules answering every matching call for a moment with that reason's headers), 503s, writes Jira commits
after the client's read timeout, creates whose answer is lost after the commit, workers killed mid-feature (the
invocation dies at a DynamoDB call: before its links are written, or before the feature's outcome is; its
message comes back after the queue's visibility timeout), and feature messages delivered again (while queued
and after they were handled). The run then checks, on the Jira side by the ``aha-jira`` stamp and in the
stored links: one issue per record (duplicates 0), every record linked to its issue (lost 0), no failed
feature, the dead-letter queue empty.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from aha_jira_dev.integration_bodies import integration_body
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.environment import restore_environment, set_environment
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template

Call = Callable[..., tuple[int, Any]]

PROJECT = "MOB"
STAMP = "aha-jira"
RELEASE_QUEUE = "ReleaseQueue"
RELEASE_DLQ = "ReleaseDeadLetterQueue"
REASONS = (
    "jira-burst-based",
    "jira-per-issue-on-write",
    "jira-quota-tenant-based",
    "jira-quota-global-based",
)
# The original integration (Aha!'s, before this one): per feature with N requirements, 5 + 4N calls.
ORIGINAL_BASE_CALLS = 5
ORIGINAL_CALLS_PER_REQUIREMENT = 4


@dataclass(frozen=True)
class RunConfig:
    features: int = 1000
    requirements: int = 10
    rate: float | None = 4.0  # the simulator's burst limit, requests a second (reads and writes each)
    concurrency: int | None = None  # release workers at once (None: the template's MaximumConcurrency)
    faults: bool = False
    seed: int = 20261205
    integration_id: str = "release-bench"
    prefix: str = "RB"
    timeout: float = 3600.0  # seconds the run may take before it fails
    # With faults: the release worker's view of time-outs and leases, shortened so that a killed worker's
    # feature comes back within seconds (what is scaled, and by how much, is printed with the run).
    read_timeout: float = 2.0  # JIRA_READ_TIMEOUT_SECONDS (15 s in AWS)
    visibility_timeout: int = 20  # the release queue's (360 s in the template)
    lease_seconds: float = 10.0  # RESERVATION_LEASE_SECONDS (90 s in AWS)
    release_lease: float = 15.0  # RELEASE_LEASE_SECONDS (the worker's deadline + 30 s in AWS: 90 s)
    search_consistency: float = 1.0  # SEARCH_CONSISTENCY_SECONDS (15 s in AWS)
    # Jira calls between two faults injected while the bulk of the release runs (about 30: the density of one
    # fault every 4 s at the 8 calls a second of reads and writes at 4/s, whatever the machine drives).
    fault_every: float = 30.0
    kill_rate: float = 0.02  # share of worker invocations killed
    check_links: bool = True

    @property
    def records(self) -> int:
        return self.features * (1 + self.requirements)


@dataclass
class RunReport:
    config: RunConfig
    post_seconds: float = 0.0
    wall_seconds: float = 0.0
    status: str = ""
    progress: dict[str, Any] = field(default_factory=dict)
    jira: dict[str, Any] = field(default_factory=dict)  # the simulator's rate-limit counters
    issues: int = 0
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    dead_letters: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # injected, by kind
    faults_met: Counter[str] = field(default_factory=Counter)
    killed: int = 0
    redelivered: int = 0
    unexpected: list[str] = field(default_factory=list)

    @property
    def jira_calls(self) -> int:
        return int(self.jira.get("calls", 0))

    @property
    def throttled(self) -> int:
        return int(self.jira.get("throttled_total", 0))

    @property
    def class_rates(self) -> dict[str, float]:
        """Allowed calls a second of each of the simulator's burst classes (reads, writes), over the run (first
        to last allowed call): each class has its own bucket at the limit."""
        elapsed = float(self.jira.get("elapsed_seconds") or 0.0)
        rates = {}
        for name, counts in (self.jira.get("by_class") or {}).items():
            allowed = int(counts.get("calls", 0)) - int(counts.get("throttled", 0))
            rates[name] = allowed / elapsed if elapsed else 0.0
        return rates

    @property
    def achieved_rate(self) -> float:
        """The rate of the class that binds the run (the one with the most calls: the writes of a release).
        Reads and writes each have the limit: their sum (`allowed_per_second`) can reach twice it."""
        return max(self.class_rates.values(), default=0.0)

    @property
    def original_calls(self) -> int:
        per_feature = ORIGINAL_BASE_CALLS + ORIGINAL_CALLS_PER_REQUIREMENT * self.config.requirements
        return self.config.features * per_feature

    @property
    def failures(self) -> list[str]:
        problems = []
        if self.status != "done":
            problems.append(f"the release send ended {self.status!r}, not done: {self.progress}")
        if self.progress.get("failed"):
            problems.append(f"{self.progress['failed']} failed feature(s): {self.progress.get('failures')}")
        if self.duplicates:
            problems.append(
                f"{len(self.duplicates)} record(s) with more than one issue: {self.duplicates[:12]}"
            )
        if self.missing:
            problems.append(f"{len(self.missing)} record(s) with no issue: {self.missing[:12]}")
        if self.unlinked:
            problems.append(f"{len(self.unlinked)} record(s) not linked to their issue: {self.unlinked[:12]}")
        if self.dead_letters:
            problems.append(f"{self.dead_letters} message(s) in the dead-letter queue")
        problems.extend(self.unexpected)
        return problems


@dataclass
class RunStack:
    call: Call
    sim: JiraSimulator
    template: Template
    resources: LocalResources
    handlers: HandlerRegistry


def release_body(config: RunConfig) -> dict[str, Any]:
    """A release as Aha!'s API carries it: features with their requirements, short descriptions (the body
    of 11,000 records stays under the API's 5 MiB)."""
    users = ["pm@acme.example", "engineer@acme.example"]
    features = []
    for number in range(1, config.features + 1):
        reference = f"{config.prefix}-{number}"
        features.append(
            {
                "reference_num": reference,
                "name": f"Feature {number}",
                "url": f"https://acme.aha.io/features/{reference}",
                "description": {"body": f"<p>Feature <strong>{number}</strong> of the release.</p>"},
                "workflow_status": {"name": "Ready to develop"},
                "tags": ["release bench"],
                "assigned_to_user": {"email": users[number % 2]},
                "original_estimate": 240,
                "work_units": 10,
                "requirements": [
                    {
                        "reference_num": f"{reference}-{index}",
                        "name": f"Requirement {index} of {reference}",
                        "description": {"body": f"<p>R{index}</p>"},
                    }
                    for index in range(1, config.requirements + 1)
                ],
            }
        )
    return {
        "release": {
            "reference_num": f"{config.prefix}-R-1",
            "name": "Release bench",
            "release_date": "2027-03-31",
        },
        "features": features,
    }


def references(config: RunConfig) -> list[str]:
    return [
        reference
        for number in range(1, config.features + 1)
        for reference in (
            f"{config.prefix}-{number}",
            *(f"{config.prefix}-{number}-{index}" for index in range(1, config.requirements + 1)),
        )
    ]


@contextmanager
def run_environment(config: RunConfig) -> Iterator[None]:
    values = {"RETRY_BASE_DELAY_SECONDS": "1"}
    if config.faults:
        values |= {
            "JIRA_READ_TIMEOUT_SECONDS": str(config.read_timeout),
            "RESERVATION_LEASE_SECONDS": str(config.lease_seconds),
            "RELEASE_LEASE_SECONDS": str(config.release_lease),
            "SEARCH_CONSISTENCY_SECONDS": str(config.search_consistency),
        }
    previous = set_environment(values)
    try:
        yield
    finally:
        restore_environment(previous)


class _Killer:
    """Kills a share of the release worker's invocations: the invocation dies at a DynamoDB write (before it
    links an issue Jira created, or before it records the feature's outcome), as a Lambda container killed
    there would (botocore's `provide-client-params` hook of the shared DynamoDB client raises). Only the
    release worker's threads are killed (their names say so)."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate = rate
        self.rng = rng
        self.killed = 0
        self._lock = threading.Lock()

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not threading.current_thread().name.startswith("sqs-poller-ReleaseWorker"):
            return
        if model.name != "UpdateItem":
            return
        table = str(params.get("TableName") or "")
        # Before the outcome is recorded (the feature's item leaves running), or before a link is written.
        settling = "ReleaseSends" in table and "run_token = :token" in str(params.get("ConditionExpression"))
        linking = "IssueLinks" in table
        if not (settling or linking):
            return
        with self._lock:
            if self.rng.random() >= self.rate / (10 if linking else 1):
                return
            self.killed += 1
        raise WorkerKilled("the release worker's container was killed here (injected)")


class WorkerKilled(Exception):
    pass


class ReleaseRun:
    def __init__(self, stack: RunStack, config: RunConfig) -> None:
        self.stack = stack
        self.config = config
        self.rng = random.Random(config.seed)
        self.report = RunReport(config)
        self.sqs = boto3.client("sqs")
        self.queue_url = stack.resources.queue_url(RELEASE_QUEUE)
        self.dlq_url = stack.resources.queue_url(RELEASE_DLQ)
        self.base = f"/integrations/{config.integration_id}"

    # -- set-up -----------------------------------------------------------------------------------------
    def configure(self) -> None:
        body = integration_body(self.stack.sim, name="Release bench", project=PROJECT)
        status, answer = self.stack.call("PUT", self.base, body)
        if status not in (200, 201):
            raise RuntimeError(f"configuring the integration failed: {status} {answer}")
        status, report = self.stack.call("POST", f"{self.base}/test-connection")
        if status != 200 or not report.get("ok"):
            raise RuntimeError(f"test connection failed: {status} {report}")
        if self.config.rate is not None:
            rate = self.config.rate
            self.stack.sim.set_rate_limits(burst={"read": {"rate": rate}, "write": {"rate": rate}})
        self.stack.sim.reset_rate_counters()
        if self.config.faults:
            self.sqs.set_queue_attributes(
                QueueUrl=self.queue_url, Attributes={"VisibilityTimeout": str(self.config.visibility_timeout)}
            )

    def poller(self) -> SqsPoller:
        source = next(s for s in self.stack.template.sqs_event_sources if s.queue == RELEASE_QUEUE)
        concurrency = {RELEASE_QUEUE: self.config.concurrency} if self.config.concurrency else {}
        return SqsPoller(
            self.stack.template,
            self.stack.resources,
            handlers=self.stack.handlers,
            wait_time_seconds=1,
            sources=[source],
            concurrency=concurrency,
        )

    # -- faults -----------------------------------------------------------------------------------------
    def inject(self) -> None:
        """One fault rule, picked at random, for the next matching calls."""
        kind = self.rng.choice(
            (
                "429 " + REASONS[0],
                "429 " + REASONS[1],
                "429 " + REASONS[2],
                "429 " + REASONS[3],
                "503",
                "timeout",
                "drop",
            )
        )
        write = ("POST", r"/rest/api/3/issue(/bulk)?$")
        rule: dict[str, Any] = {"method": write[0], "path": write[1], "times": 1}
        if kind.startswith("429"):
            reason = kind.split(" ", 1)[1]
            wait = 2 if "quota" in reason else 1
            rule.update(
                status=429,
                headers={"RateLimit-Reason": reason, "Retry-After": str(wait), "X-RateLimit-Remaining": "0"},
                body={"errorMessages": ["Rate limit exceeded."], "errors": {}},
                # A storm: the next six calls to issues (creates, bulk creates, edits) are refused.
                method="*",
                path=r"/rest/api/3/issue",
                times=6,
            )
        elif kind == "503":
            rule.update(status=503, times=2)
        elif kind == "timeout":
            rule.update(delay=self.config.read_timeout + 0.3)
        else:
            rule.update(drop_after_commit=True)
        self.stack.sim.add_fault(**rule)
        self.report.faults[kind] += 1

    def redeliver(self, count: int = 3) -> None:
        """SQS delivers at least once: a few feature messages delivered again, whatever their feature is doing
        (waiting in the queue, being sent, or sent already). Sent as new copies: receiving messages to copy
        them would spend their receive count, which SQS's redrive watches."""
        for number in self.rng.sample(range(1, self.config.features + 1), min(count, self.config.features)):
            job = {
                "kind": "release_feature",
                "integration_id": self.config.integration_id,
                "release_send_id": self.send_id,
                "reference": f"{self.config.prefix}-{number}",
            }
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(job))
            self.report.redelivered += 1

    def _fault_hits(self) -> int:
        return sum(int(rule.get("hits", 0)) for rule in self.stack.sim.core.faults.rules())

    # -- the run ------------------------------------------------------------------------------------------
    def run(self) -> RunReport:
        config, report = self.config, self.report
        with run_environment(config):
            self.configure()
            body = release_body(config)
            started = time.perf_counter()
            status, answer = self.stack.call("POST", f"{self.base}/releases/{config.prefix}-R-1/send", body)
            report.post_seconds = time.perf_counter() - started
            if status != 202:
                raise RuntimeError(f"the release send answered {status}: {str(answer)[:500]}")
            self.send_id = str(answer["release_send_id"])
            killer = _Killer(config.kill_rate if config.faults else 0.0, self.rng)
            dynamodb = _dynamodb_client()
            if config.faults:
                dynamodb.meta.events.register("provide-client-params.dynamodb.*", killer, unique_id="kill")
            poller = self.poller()
            logging.getLogger("aha_jira_dev.local_stack.sqs_poller").setLevel(logging.CRITICAL)
            poller.start()
            try:
                self._follow(started)
            finally:
                poller.stop()
                if config.faults:
                    dynamodb.meta.events.unregister("provide-client-params.dynamodb.*", unique_id="kill")
                self.stack.sim.clear_faults()
            report.killed = killer.killed
            report.jira = self.stack.sim.rate_limits()["counters"]
            report.dead_letters = self._depth(self.dlq_url)
            self.check()
        return report

    def _follow(self, started: float) -> None:
        config, report = self.config, self.report
        deadline = time.monotonic() + config.timeout
        next_fault = next_copies = config.fault_every
        while True:
            time.sleep(1.0)
            status, progress = self.stack.call("GET", f"{self.base}/release-sends/{self.send_id}")
            if status != 200:
                report.unexpected.append(f"progress answered {status}: {progress}")
                return
            report.progress = progress
            if config.faults and progress["status"] == "running":
                # Paced by Jira's calls, not by the clock: the same density whatever rate the machine drives.
                calls = int(self.stack.sim.rate_limits()["counters"].get("calls", 0))
                if calls >= next_fault and self._bulk_left(progress):
                    self.inject()
                    next_fault = calls + config.fault_every * self.rng.uniform(0.5, 1.5)
                if calls >= next_copies:
                    self.redeliver()
                    next_copies = calls + config.fault_every * self.rng.uniform(0.5, 1.5)
            if progress["status"] != "running" and self._depth(self.queue_url) == 0:
                report.status = progress["status"]
                report.wall_seconds = time.perf_counter() - started
                return
            if time.monotonic() > deadline:
                report.status = progress["status"]
                report.unexpected.append(f"the release did not finish in {config.timeout:.0f} s: {progress}")
                report.wall_seconds = time.perf_counter() - started
                return

    def _bulk_left(self, progress: dict[str, Any]) -> bool:
        """Jira's faults are injected while more than the tail of the release is left (5%, at least the
        workers' count): each fault hits the next matching call, so with a handful of features left every
        fault would land on the same few, five in a row failing a feature by design (RELEASE_MAX_ATTEMPTS:
        the send reports it, with a hint to send the release again), which says nothing about losses or
        duplicates. Workers are still killed and messages delivered again to the end."""
        settled = sum(int(progress.get(name) or 0) for name in ("done", "failed", "cancelled"))
        tail = max(self.config.features // 20, self.config.concurrency or 10)
        return self.config.features - settled > tail

    def _depth(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    # -- checks -------------------------------------------------------------------------------------------
    def check(self) -> None:
        report = self.report
        stamped: dict[str, list[str]] = {}
        # The simulator's store read in-process (its control API renders every issue: too slow for 11,000).
        store = self.stack.sim.core.store
        with store.lock:
            issues = [(issue.key, dict(issue.properties)) for issue in store.issues.values()]
        for key, properties in issues:
            stamp = properties.get(STAMP) or {}
            if isinstance(stamp, dict) and stamp.get("integration_id") == self.config.integration_id:
                stamped.setdefault(str(stamp.get("reference")), []).append(key)
        report.issues = sum(len(keys) for keys in stamped.values())
        report.duplicates = sorted(ref for ref, keys in stamped.items() if len(keys) > 1)
        wanted = references(self.config)
        report.missing = [ref for ref in wanted if ref not in stamped]
        if not self.config.check_links:
            return
        for number in range(1, self.config.features + 1):
            reference = f"{self.config.prefix}-{number}"
            status, view = self.stack.call("GET", f"{self.base}/features/{reference}")
            linked: dict[str, str | None] = {}
            if status == 200:
                linked[view["reference"]] = (view.get("jira") or {}).get("key")
                linked |= {
                    item["reference"]: (item.get("jira") or {}).get("key") for item in view["requirements"]
                }
            for ref in (reference, *(f"{reference}-{i}" for i in range(1, self.config.requirements + 1))):
                keys = stamped.get(ref) or []
                if keys and linked.get(ref) not in keys:
                    report.unlinked.append(ref)


def _dynamodb_client() -> Any:
    from aha_jira.storage import aws_clients  # noqa: PLC0415  (after the environment is set)

    return aws_clients.dynamodb()


def run_release(stack: RunStack, config: RunConfig) -> RunReport:
    return ReleaseRun(stack, config).run()


def format_report(report: RunReport) -> str:
    config = report.config
    progress = report.progress
    jira = report.jira
    throttled = jira.get("throttled") or {}
    lines = [
        f"release: {config.features} features x {config.requirements} requirements = {config.records} records; "
        f"POST answered 202 in {report.post_seconds:.2f} s",
        f"status: {report.status}; done {progress.get('done')}, failed {progress.get('failed')}, "
        f"queued {progress.get('queued')}, cancelled {progress.get('cancelled')}; "
        f"jira_calls (progress) {progress.get('jira_calls')}, throttled {progress.get('throttled')} s",
        f"wall time: {report.wall_seconds:.1f} s",
        f"Jira: {jira.get('calls')} calls, {jira.get('allowed')} allowed, 429s {report.throttled} "
        f"({', '.join(f'{reason} {count}' for reason, count in throttled.items() if count) or 'none'}), "
        f"{jira.get('allowed_per_second')} allowed/s over {jira.get('elapsed_seconds')} s "
        f"(peak second {jira.get('peak_allowed_per_second')})",
    ]
    if config.rate is not None:
        lines.append(
            "achieved by class: "
            + ", ".join(f"{name} {rate:.2f}/s" for name, rate in sorted(report.class_rates.items()))
            + f"; limit {config.rate:g} requests/s a class: the busiest class achieved {report.achieved_rate:.2f}/s = "
            f"{report.achieved_rate / config.rate:.3f} of the limit; 429s "
            f"{report.throttled / max(1, report.jira_calls):.2%} of calls"
        )
    lines += [
        f"the original integration (5 + 4N calls per feature): {report.original_calls} calls; this one "
        f"{report.jira_calls} ({report.original_calls / max(1, report.jira_calls):.1f}x fewer)",
        f"issues stamped: {report.issues}; duplicates {len(report.duplicates)}, missing {len(report.missing)}, "
        f"unlinked {len(report.unlinked)}; dead letters {report.dead_letters}",
    ]
    if config.faults:
        lines.append(
            f"faults injected: {sum(report.faults.values())} ("
            + ", ".join(f"{kind} {count}" for kind, count in sorted(report.faults.items()))
            + f"); workers killed {report.killed}; messages delivered again {report.redelivered}"
        )
    return "\n".join(lines)
