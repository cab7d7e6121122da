"""Send: reliability run (issue 4). Exactly once under faults, duplicates and redeliveries.

S sends (``--sends``, default 200; ``--seed``) of a pool of features (0-5 requirements each, Sub-task
requirements on the Jira simulator's project MOB) go through the real send handler in-process, against moto
provisioned from ``template.yaml``. The same feature is sent several times, often changed (renamed, a
requirement renamed, added or removed, tags changed). Each send gets one fault from the simulator at random:

- ``none``;
- ``429`` with ``Retry-After: 0`` or ``503`` (the simulator's ``Retry-After: 1``) on the send's first issue
  write (create, bulk create or edit), its feature create, its bulk create, the reconcile search or its
  first call, whichever is picked;
- ``timeout``: the first issue write, the create or the bulk create is held ``read timeout + 0.1 s`` before
  Jira handles it, so the client gives up (``JIRA_READ_TIMEOUT_SECONDS``, 0.5 s here) and Jira commits the
  write 0.1 s later;
- ``drop``: ``drop_after_commit`` on the first create, ``POST /issue`` or ``POST /issue/bulk`` (created,
  answer lost).

A fault whose call the send does not make (an unchanged re-send makes none) is counted as not met.
Some sends are doubled: the same payload from two threads at once; after some 202 (queued) answers the same
payload is sent again straight away (the product manager clicks again). Between rounds the retry worker
(``SqsPoller.poll_once``, the template's SQS event source played in-process) drains the retry queue, with a
fault injected before some of its polls that have jobs to receive; before draining, a queued job is sometimes delivered twice (its
body sent to the queue again), and after draining an already finished job is sometimes delivered again.
Jira's search is eventually consistent in the simulator (``search lag``, 0.1 s; with the late commit, below
the send's ``SEARCH_CONSISTENCY_SECONDS``, 0.3 s here); ``RETRY_BASE_DELAY_SECONDS=0`` keeps back-off short.

At the end (after replaying the dead-letter queue, if anything went there, and draining again) it checks, on
the Jira side by the ``aha-jira`` entity property and through ``GET /integrations/{id}/features/{ref}``:

- every roadmap record (each feature and each requirement it still has) has exactly one stamped issue;
- no reference ever sent has two (duplicates: 0);
- every record is linked: the read-back's ``jira.key`` is set and is its stamped issue (unlinked: 0);
- the DLQ is empty; no send answered 5xx.

It also reports, for information, records whose Jira summary shows an older payload than the last one sent
(content, not exactly-once: a reconciled issue holds what the attempt that created it sent) and stamped
issues of records no longer on the roadmap, then re-sends every feature once without faults: that settle
pass must create nothing. Exit status 1 when an invariant fails.

Run: ``python -m bench.send_reliability [--sends 200] [--seed N]``. The CI test
``tests/integration/send/test_reliability_soak.py`` runs the same code with small parameters.
"""

from __future__ import annotations

import argparse
import logging
import os
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
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.environment import restore_environment, set_environment
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._send_stack import bench_stack

Call = Callable[..., tuple[int, Any]]

PROJECT = "MOB"
STAMP = "aha-jira"
RETRY_QUEUE = "RetryQueue"
DEAD_LETTER_QUEUE = "RetryDeadLetterQueue"
FAULT_KINDS = ("none", "429", "503", "timeout", "drop")
FAULT_WEIGHTS = (30, 15, 15, 15, 25)
WORKER_FAULT_KINDS = ("429", "503", "timeout", "drop")
# Where a fault is injected: (method, path regex). A send's first call of that kind meets it.
ISSUE_WRITE = ("*", r"/rest/api/3/issue(/bulk|/[A-Z]+-\d+)?$")  # create, bulk create or edit
ANY_CREATE = ("POST", r"/rest/api/3/issue(/bulk)?$")
CREATE = ("POST", r"/rest/api/3/issue$")
BULK = ("POST", r"/rest/api/3/issue/bulk$")
SEARCH = ("POST", r"/rest/api/3/search/jql$")  # the reconcile search
FIRST_CALL = ("*", r"/rest/api/")
TARGETS: dict[str, tuple[tuple[str, str], ...]] = {  # listed twice: picked twice as often
    "429": (ISSUE_WRITE, ISSUE_WRITE, CREATE, BULK, SEARCH, FIRST_CALL),
    "503": (ISSUE_WRITE, ISSUE_WRITE, CREATE, BULK, SEARCH, FIRST_CALL),
    "timeout": (ISSUE_WRITE, ISSUE_WRITE, CREATE, BULK),
    "drop": (ANY_CREATE, ANY_CREATE, CREATE, BULK),
}


@dataclass(frozen=True)
class RunConfig:
    sends: int = 200
    seed: int = 20261128
    features: int | None = None  # pool size; default: one feature per 5 sends, at least 3
    round_size: int = 10  # sends between two drains of the retry queue
    change_rate: float = 0.7  # a re-send carries a change
    duplicate_rate: float = 0.1  # a send is doubled by a concurrent identical send
    click_again_rate: float = 0.3  # after a 202 (queued), the same payload is sent again at once
    redeliver_rate: float = 0.4  # per round: a queued job delivered twice; a finished job delivered again
    worker_fault_rate: float = 0.3  # a fault before a poll of the retry worker that has jobs to receive
    read_timeout: float = 0.5  # JIRA_READ_TIMEOUT_SECONDS for the run
    search_consistency: float = 0.3  # SEARCH_CONSISTENCY_SECONDS for the run
    search_lag: float = 0.1  # the simulator's search lag
    # A `timeout` fault holds the write this long past the client's read timeout before Jira commits it.
    # late_commit + search_lag must stay below search_consistency: a create that lands and shows in
    # search later than that after the client gave up cannot be told from one that never happened.
    late_commit: float = 0.1
    drain_timeout: float = 240.0  # seconds one drain may take before the run fails
    # The send's reservation lease (`RESERVATION_LEASE_SECONDS`, 90 s by default). A
    # send that meets another send of the same feature in flight is retried after a third of it: None keeps
    # the product's value, a short one (the CI test) keeps a colliding double send's retry short.
    lease_seconds: float | None = None
    integration_id: str = "reliability"
    prefix: str = "REL"

    @property
    def pool(self) -> int:
        return self.features or max(3, self.sends // 5)


@dataclass
class RunStack:
    """What a run needs: an API call into the real handlers, the simulator, the retry worker, the queues."""

    call: Call
    sim: JiraSimulator
    poller: SqsPoller
    resources: LocalResources


# --- the roadmap side -------------------------------------------------------------------------------------


@dataclass
class Requirement:
    reference: str
    name: str
    body: str


@dataclass
class Feature:
    reference: str
    name: str
    body: str
    release: str
    tags: list[str]
    assignee: str | None
    requirements: list[Requirement] = field(default_factory=list)
    next_requirement: int = 1
    revision: int = 0
    sent: bool = False

    def add_requirement(self) -> None:
        n = self.next_requirement
        self.next_requirement += 1
        reference = f"{self.reference}-{n}"
        self.requirements.append(
            Requirement(reference, f"Requirement {n} of {self.reference}", f"<p>R{n}</p>")
        )

    def payload(self) -> dict[str, Any]:
        """The feature as Aha!'s API carries it."""
        user = {"email": self.assignee, "name": "PM"} if self.assignee else None
        return {
            "reference_num": self.reference,
            "name": self.name,
            "url": f"https://acme.aha.io/features/{self.reference}",
            "description": {"body": self.body},
            "workflow_status": {"name": "Ready to develop"},
            "tags": list(self.tags),
            "release": {
                "reference_num": f"{self.release}-R",
                "name": self.release,
                "release_date": "2027-03-31",
            },
            "assigned_to_user": user,
            "original_estimate": 240,
            "work_units": 10,
            "requirements": [
                {
                    "reference_num": requirement.reference,
                    "name": requirement.name,
                    "url": f"https://acme.aha.io/requirements/{requirement.reference}",
                    "description": {"body": requirement.body},
                    "assigned_to_user": user,
                }
                for requirement in self.requirements
            ],
        }

    def references(self) -> list[str]:
        return [self.reference] + [requirement.reference for requirement in self.requirements]

    def names(self) -> dict[str, str]:
        return {self.reference: self.name} | {r.reference: r.name for r in self.requirements}


def _pool(config: RunConfig, rng: random.Random) -> list[Feature]:
    features = []
    for n in range(1, config.pool + 1):
        feature = Feature(
            reference=f"{config.prefix}-{n}",
            name=f"Feature {n}",
            body=f"<p>Feature <strong>{n}</strong></p>",
            release=f"Reliability {rng.randint(1, 3)}",
            tags=["reliability run"],
            assignee=rng.choice(["pm@acme.example", "engineer@acme.example", None]),
        )
        for _ in range(rng.randint(0, 5)):
            feature.add_requirement()
        features.append(feature)
    return features


def _change(feature: Feature, rng: random.Random) -> str:
    """Change the feature as a product manager would between two sends; returns what changed."""
    feature.revision += 1
    options = ["rename", "tags"]
    if feature.requirements:
        options += ["rename requirement", "remove requirement"]
    if len(feature.requirements) < 5:
        options += ["add requirement", "add requirement"]
    change = rng.choice(options)
    if change == "rename":
        feature.name = f"Feature {feature.reference} rev {feature.revision}"
    elif change == "tags":
        feature.tags = ["reliability run", f"rev-{feature.revision}"]
    elif change == "rename requirement":
        requirement = rng.choice(feature.requirements)
        requirement.name = f"Requirement {requirement.reference} rev {feature.revision}"
        requirement.body = f"<p>Changed in revision {feature.revision}</p>"
    elif change == "remove requirement":
        feature.requirements.remove(rng.choice(feature.requirements))
    else:
        feature.add_requirement()
    return change


# --- the run ----------------------------------------------------------------------------------------------


@dataclass
class RunReport:
    config: RunConfig
    sends: int = 0
    api_sends: int = 0
    duplicate_sends: int = 0
    clicked_again: int = 0
    changed_sends: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)  # injected per send, by kind
    faults_hit: Counter[str] = field(default_factory=Counter)  # of those, the ones a call met
    worker_faults_hit: Counter[str] = field(default_factory=Counter)
    answers: Counter[int] = field(default_factory=Counter)
    unexpected_answers: list[str] = field(default_factory=list)
    retries_run: int = 0  # retry jobs the worker received (every attempt)
    retries_failed: int = 0  # of those, attempts that were scheduled again
    redelivered_pending: int = 0
    redelivered_done: int = 0
    dead_letters_replayed: int = 0
    records: int = 0
    references_ever: int = 0
    issues_created: int = 0
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    dead_letters_left: int = 0
    settle_writes: int = 0
    settle_creates: int = 0
    seconds: float = 0.0
    trace: list[tuple[float, str, str]] = field(default_factory=list)  # (time, feature, what happened)

    def history(self, feature: str) -> list[str]:
        start = self.trace[0][0] if self.trace else 0.0
        return [f"{at - start:8.3f} s {what}" for at, ref, what in sorted(self.trace) if ref == feature]

    @property
    def failures(self) -> list[str]:
        problems = []
        if self.duplicates:
            problems.append(f"{len(self.duplicates)} record(s) with more than one issue: {self.duplicates}")
        if self.missing:
            problems.append(f"{len(self.missing)} record(s) with no issue: {self.missing}")
        if self.unlinked:
            problems.append(f"{len(self.unlinked)} record(s) not linked to their issue: {self.unlinked}")
        if self.dead_letters_left:
            problems.append(f"{self.dead_letters_left} message(s) left in the dead-letter queue")
        if self.unexpected_answers:
            problems.append(f"unexpected answers: {self.unexpected_answers}")
        if self.settle_creates:
            problems.append(f"the settle pass created {self.settle_creates} issue(s)")
        return problems


@contextmanager
def run_environment(config: RunConfig) -> Iterator[None]:
    """The run's timing settings (read by the send on every use), restored afterwards."""
    previous = set_environment(
        {
            "SEARCH_CONSISTENCY_SECONDS": str(config.search_consistency),
            "RETRY_BASE_DELAY_SECONDS": "0",
            "JIRA_READ_TIMEOUT_SECONDS": str(config.read_timeout),
        }
    )
    try:
        yield
    finally:
        restore_environment(previous)


class ReliabilityRun:
    def __init__(self, stack: RunStack, config: RunConfig) -> None:
        if config.late_commit + config.search_lag >= config.search_consistency:
            raise ValueError("late_commit + search_lag must stay below SEARCH_CONSISTENCY_SECONDS")
        self.stack = stack
        self.config = config
        # Two random streams: the plan (features, changes, faults, doubles) depends on the seed only; the
        # worker's faults and redeliveries also depend on how many polls the timing needed.
        self.rng = random.Random(config.seed)
        self.worker_rng = random.Random(config.seed + 1)
        self.report = RunReport(config)
        self.features = _pool(config, self.rng)
        self.references_ever: set[str] = set()
        self.job_bodies: list[str] = []
        self.sqs = boto3.client("sqs")
        self.queue_url = stack.resources.queue_url(RETRY_QUEUE)
        self.dlq_url = stack.resources.queue_url(DEAD_LETTER_QUEUE)
        self.source = next(s for s in stack.poller.template.sqs_event_sources if s.queue == RETRY_QUEUE)

    # -- setup ------------------------------------------------------------------------------------------
    def configure(self) -> None:
        body = integration_body(self.stack.sim, name="Reliability run", project=PROJECT)
        integration = f"/integrations/{self.config.integration_id}"
        status, answer = self.stack.call("PUT", integration, body)
        if status not in (200, 201):
            raise RuntimeError(f"configuring the integration failed: {status} {answer}")
        status, report = self.stack.call("POST", f"{integration}/test-connection")
        if status != 200 or not report.get("ok"):
            raise RuntimeError(f"test connection failed: {status} {report}")

    # -- one send ---------------------------------------------------------------------------------------
    def _inject(self, kind: str, rng: random.Random) -> str | None:
        """Add one fault rule of `kind` at a random target; its id, or None for `none`."""
        if kind == "none":
            return None
        method, path = rng.choice(TARGETS[kind])
        rule: dict[str, Any] = {"method": method, "path": path, "times": 1}
        if kind == "429":
            rule.update(status=429, retry_after=0)
        elif kind == "503":
            rule.update(status=503)
        elif kind == "timeout":
            rule.update(delay=self.config.read_timeout + self.config.late_commit)
        else:
            rule.update(drop_after_commit=True)
        return str(self.stack.sim.add_fault(**rule)["id"])

    def _fault_hit(self, rule_id: str | None) -> bool:
        if rule_id is None:
            return False
        pending = {rule["id"]: rule for rule in self.stack.sim.core.faults.rules()}
        return rule_id not in pending or pending[rule_id]["hits"] > 0

    def _target(self, rule_id: str | None) -> str:
        rule = next((r for r in self.stack.sim.core.faults.rules() if r["id"] == rule_id), None)
        return f" on {rule['method']} {rule['path']}" if rule else ""

    def _note(self, feature: str, what: str) -> None:
        self.report.trace.append((time.monotonic(), feature, what))

    def _feature_of(self, reference: str) -> str:
        if any(feature.reference == reference for feature in self.features):
            return reference
        return reference.rsplit("-", 1)[0]

    @contextmanager
    def _lease(self) -> Iterator[None]:
        previous = os.environ.get("RESERVATION_LEASE_SECONDS")
        if self.config.lease_seconds is not None:
            os.environ["RESERVATION_LEASE_SECONDS"] = str(self.config.lease_seconds)
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("RESERVATION_LEASE_SECONDS", None)
            else:
                os.environ["RESERVATION_LEASE_SECONDS"] = previous

    @contextmanager
    def _integration_log(self) -> Iterator[None]:
        """Keep the integration log's lines (what the engine did) in the trace, instead of printing them."""
        from aha_jira.integration_log import logger  # noqa: PLC0415  (after the environment is set)

        run = self

        class Capture(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                action = getattr(record, "action", None)
                if action is None or getattr(record, "integration_id", None) != run.config.integration_id:
                    return
                reference = str(getattr(record, "reference", "") or "")
                key = getattr(record, "jira_key", None)
                run._note(
                    run._feature_of(reference),
                    f"  {action} {getattr(record, 'outcome', '')} {reference}{f' {key}' if key else ''}: "
                    f"{record.getMessage()}",
                )

        target = logging.getLogger(logger.service)
        levels = [(handler, handler.level) for handler in target.handlers]
        level = target.level
        capture = Capture(logging.INFO)
        for handler, _ in levels:
            handler.setLevel(logging.CRITICAL)
        target.setLevel(logging.INFO)
        target.addHandler(capture)
        try:
            yield
        finally:
            target.removeHandler(capture)
            target.setLevel(level)
            for handler, handler_level in levels:
                handler.setLevel(handler_level)

    def _post(self, payload: dict[str, Any]) -> tuple[int, Any]:
        path = f"/integrations/{self.config.integration_id}/features/{payload['reference_num']}/send"
        return self.stack.call("POST", path, {"feature": payload})

    def send_one(self) -> None:
        report = self.report
        feature = self.rng.choice(self.features)
        if feature.sent and self.rng.random() < self.config.change_rate:
            report.changes[_change(feature, self.rng)] += 1
            report.changed_sends += 1
        feature.sent = True
        self.references_ever.update(feature.references())
        payload = feature.payload()
        kind = self.rng.choices(FAULT_KINDS, FAULT_WEIGHTS)[0]
        report.faults[kind] += 1
        rule_id = self._inject(kind, self.rng)
        target = self._target(rule_id)
        doubled = self.rng.random() < self.config.duplicate_rate
        again = self.rng.random() < self.config.click_again_rate
        answers: list[tuple[int, Any]] = []
        if doubled:
            start = threading.Barrier(2)

            def twin() -> None:
                start.wait()
                answers.append(self._post(payload))

            threads = [threading.Thread(target=twin) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            report.duplicate_sends += 1
        else:
            answers.append(self._post(payload))
        met = self._fault_hit(rule_id)
        if met:
            report.faults_hit[kind] += 1
        self.stack.sim.clear_faults()
        if again and any(status == 202 for status, _ in answers):
            # The product manager sees "queued" and clicks again straight away.
            answers.append(self._post(payload))
            report.clicked_again += 1
        report.sends += 1
        report.api_sends += len(answers)
        self._note(
            feature.reference,
            f"send {report.sends}{' doubled' if doubled else ''}: {feature.references()}, fault {kind}{target}"
            + ((" (met)" if met else " (not met)") if rule_id else "")
            + " -> "
            + "; ".join(f"{status} {_gist(body)}" for status, body in answers),
        )
        for status, body in answers:
            report.answers[status] += 1
            if status not in (200, 202, 422):
                report.unexpected_answers.append(f"{feature.reference}: {status} {body}")

    # -- the retry queue --------------------------------------------------------------------------------
    def _queue_counts(self, url: str) -> dict[str, int]:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return {name: int(value) for name, value in attributes.items()}

    def redeliver_pending(self) -> None:
        """SQS delivers at least once: send a queued job's body to the queue again."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        for message in messages:
            self.job_bodies.append(message["Body"])
        if messages:
            chosen = self.worker_rng.choice(messages)
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=chosen["Body"])
            self.report.redelivered_pending += 1
        for message in messages:  # visible again at once, as if never received
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def redeliver_done(self) -> None:
        """A job the worker already finished, delivered once more."""
        if self.job_bodies:
            self.sqs.send_message(
                QueueUrl=self.queue_url, MessageBody=self.worker_rng.choice(self.job_bodies)
            )
            self.report.redelivered_done += 1

    def drain(self, *, faults: bool) -> None:
        """Run the retry worker until the queue is empty (delayed and in-flight messages included)."""
        deadline = time.monotonic() + self.config.drain_timeout
        while True:
            rule_id, kind = None, ""
            if (
                faults
                and self._queue_counts(self.queue_url)["ApproximateNumberOfMessages"]
                and self.worker_rng.random() < self.config.worker_fault_rate
            ):
                kind = self.worker_rng.choice(WORKER_FAULT_KINDS)
                rule_id = self._inject(kind, self.worker_rng)
            target = self._target(rule_id)
            seen = len(self.report.trace)
            outcome = self.stack.poller.poll_once(self.source, wait_time_seconds=0)
            if self._fault_hit(rule_id):
                self.report.worker_faults_hit[kind] += 1
                for feature in {ref for _, ref, _ in self.report.trace[seen:]}:
                    self._note(feature, f"(the worker met a {kind} fault{target} during this poll)")
            self.stack.sim.clear_faults()
            if outcome.received:
                self.report.retries_run += len(outcome.received)
                self.report.retries_failed += len(outcome.failed)
                continue
            if not any(self._queue_counts(self.queue_url).values()):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the retry queue did not drain in {self.config.drain_timeout:.0f} s")
            time.sleep(0.1)

    def empty_dead_letters(self) -> None:
        """Replay whatever reached the DLQ (the operator's command), then drain without faults."""
        from aha_jira.storage.retry_queue import replay_dead_letters  # noqa: PLC0415  (after the environment is set)

        for _ in range(3):
            if not self._queue_counts(self.dlq_url)["ApproximateNumberOfMessages"]:
                break
            self.report.dead_letters_replayed += replay_dead_letters(
                self.dlq_url, self.queue_url, sqs=self.sqs
            )
            self.drain(faults=False)
        self.report.dead_letters_left = sum(self._queue_counts(self.dlq_url).values())

    # -- checks -----------------------------------------------------------------------------------------
    def stamped_issues(self) -> dict[str, list[dict[str, Any]]]:
        by_reference: dict[str, list[dict[str, Any]]] = {}
        for issue in SimulatorClient(self.stack.sim.base_url).issues(PROJECT):
            stamp = (issue.get("properties") or {}).get(STAMP) or {}
            if stamp.get("integration_id") == self.config.integration_id:
                by_reference.setdefault(str(stamp.get("reference")), []).append(issue)
        return by_reference

    def check(self) -> None:
        report = self.report
        stamped = self.stamped_issues()
        report.issues_created = sum(len(issues) for issues in stamped.values())
        report.references_ever = len(self.references_ever)
        report.duplicates = sorted(ref for ref, issues in stamped.items() if len(issues) > 1)
        current: dict[str, str] = {}
        for feature in self.features:
            if feature.sent:
                current |= feature.names()
        report.records = len(current)
        report.missing = sorted(ref for ref in current if not stamped.get(ref))
        report.orphans = sorted(ref for ref in stamped if ref not in current)
        for feature in self.features:
            if not feature.sent:
                continue
            status, view = self.stack.call(
                "GET", f"/integrations/{self.config.integration_id}/features/{feature.reference}"
            )
            keys: dict[str, str | None] = {}
            if status == 200:
                keys[view["reference"]] = view["jira"]["key"]
                keys |= {item["reference"]: item["jira"]["key"] for item in view["requirements"]}
            for reference in feature.references():
                issues = stamped.get(reference) or []
                if not issues:
                    continue  # missing, counted above
                if keys.get(reference) not in {issue["key"] for issue in issues}:
                    report.unlinked.append(reference)
                elif len(issues) == 1 and issues[0]["fields"]["summary"] != current[reference]:
                    report.stale.append(reference)

    def settle(self) -> None:
        """Every feature sent once more without faults: converges content, must create nothing."""
        since = self.stack.sim.calls[-1]["seq"] if self.stack.sim.calls else 0
        for feature in self.features:
            if feature.sent:
                status, body = self._post(feature.payload())
                if status != 200:
                    self.report.unexpected_answers.append(f"settle {feature.reference}: {status} {body}")
        calls = self.stack.sim.core.calls.snapshot(since)
        self.report.settle_creates = sum(
            1 for c in calls if c["method"] == "POST" and c["path"].endswith(("/issue", "/issue/bulk"))
        )
        self.report.settle_writes = sum(
            1 for c in calls if c["method"] != "GET" and not c["path"].endswith("/search/jql")
        )

    # -- all of it --------------------------------------------------------------------------------------
    def run(self) -> RunReport:
        started = time.perf_counter()
        with run_environment(self.config), self._integration_log(), self._lease():
            self.configure()
            self.stack.sim.core.search_lag_seconds = self.config.search_lag
            try:
                while self.report.sends < self.config.sends:
                    for _ in range(min(self.config.round_size, self.config.sends - self.report.sends)):
                        self.send_one()
                    if self.worker_rng.random() < self.config.redeliver_rate:
                        self.redeliver_pending()
                    self.drain(faults=True)
                    if self.worker_rng.random() < self.config.redeliver_rate:
                        self.redeliver_done()
                self.drain(faults=False)
                self.empty_dead_letters()
                self.report.seconds = time.perf_counter() - started
                self.check()
                self.settle()
            finally:
                self.stack.sim.core.search_lag_seconds = 0.0
                self.stack.sim.clear_faults()
        return self.report


def run_reliability(stack: RunStack, config: RunConfig) -> RunReport:
    return ReliabilityRun(stack, config).run()


def _gist(body: Any) -> str:
    if not isinstance(body, dict):
        return str(body)
    if body.get("status") == "queued":
        return f"queued ({body.get('reason')})"
    if body.get("status") == "synced":
        return (
            f"synced {body['jira']['key']} created={body['created']} updated={body['updated']} "
            f"removed={body['removed']}"
        )
    return str(body.get("error", body))[:200]


def _listed(values: list[str], limit: int = 12) -> str:
    if not values:
        return "0"
    shown = ", ".join(values[:limit]) + (" …" if len(values) > limit else "")
    return f"{len(values)} ({shown})"


def format_report(report: RunReport) -> str:
    config = report.config
    faults = f"none {report.faults['none']}, " + ", ".join(
        f"{kind} {report.faults[kind]} ({report.faults_hit[kind]} met a call)" for kind in FAULT_KINDS[1:]
    )
    worker = (
        ", ".join(f"{kind} {count}" for kind, count in sorted(report.worker_faults_hit.items())) or "none"
    )
    answers = ", ".join(f"{status}: {count}" for status, count in sorted(report.answers.items()))
    changes = ", ".join(f"{name} {count}" for name, count in sorted(report.changes.items()))
    lines = [
        f"sends: {report.sends} ({report.changed_sends} changed: {changes}); "
        f"{report.duplicate_sends} doubled by a concurrent identical send; {report.clicked_again} sent again "
        f"right after a 202; {report.api_sends} API calls",
        f"features: {config.pool}; records on the roadmap: {report.records} "
        f"(references ever sent: {report.references_ever})",
        f"faults per send: {faults}",
        f"faults met by the retry worker: {worker}",
        f"answers: {answers}",
        f"retries run by the worker: {report.retries_run} ({report.retries_failed} scheduled again)",
        f"redelivered jobs: {report.redelivered_pending} while queued, {report.redelivered_done} after finishing",
        f"dead letters replayed: {report.dead_letters_replayed}; left in the DLQ: {report.dead_letters_left}",
        f"issues created (stamped): {report.issues_created}",
        f"duplicates: {_listed(report.duplicates)}",
        f"missing: {_listed(report.missing)}",
        f"unlinked: {_listed(report.unlinked)}",
        f"stamped issues of records no longer on the roadmap: {_listed(report.orphans)}",
        f"records whose Jira summary shows an older payload: {_listed(report.stale)}",
        f"settle pass (every feature re-sent, no fault): {report.settle_writes} writes, "
        f"{report.settle_creates} creates",
        f"wall time: {report.seconds:.1f} s (without the settle pass)",
    ]
    broken = sorted(
        {
            ref.rsplit("-", 1)[0] if ref.count("-") > 1 else ref
            for ref in report.duplicates + report.missing + report.unlinked
        }
    )
    for feature in broken:
        lines.append(f"\nhistory of {feature} (sends, faults, and the integration log):")
        lines.extend("  " + line for line in report.history(feature))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send reliability run (exactly once under faults).")
    parser.add_argument("--sends", type=int, default=RunConfig.sends)
    parser.add_argument("--seed", type=int, default=RunConfig.seed)
    parser.add_argument(
        "--features", type=int, default=None, help="pool size (default: sends / 5, at least 3)"
    )
    args = parser.parse_args(argv if argv is not None else [])
    config = RunConfig(sends=args.sends, seed=args.seed, features=args.features)
    with bench_stack() as stack:
        print(
            f"Send reliability run: {config.sends} sends, seed {config.seed}, Jira simulator (cloud) at "
            f"{stack.sim.base_url}, project {PROJECT}; read timeout {config.read_timeout} s, "
            f"search consistency {config.search_consistency} s, simulator search lag {config.search_lag} s, "
            f"late commit {config.late_commit} s",
            flush=True,
        )
        report = run_reliability(RunStack(stack.call, stack.sim, stack.poller, stack.resources), config)
    print(format_report(report))
    failures = report.failures
    print("invariants: " + ("all hold" if not failures else "FAILED\n  - " + "\n  - ".join(failures)))
    from bench import _report  # noqa: PLC0415

    _report.figure(
        "Send",
        f"reliability: {report.sends} sends with injected faults ({sum(n for kind, n in report.faults.items() if kind != 'none')} injected), "
        f"{report.duplicate_sends} concurrent doubles, {report.redelivered_pending + report.redelivered_done} "
        "redelivered jobs",
        f"{report.issues_created} issues for {report.references_ever} references: {len(report.duplicates)} "
        f"duplicates, {len(report.missing)} missing, {len(report.unlinked)} unlinked; DLQ left "
        f"{report.dead_letters_left}",
        "exactly one issue per record, every record linked, DLQ empty",
        not failures,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
