"""The comments reliability workload (issue 17 "Comments both ways"), shared by ``bench.comment_reliability``
(500 comments) and its small test (``tests/integration/roadmap/test_comment_reliability.py``).

1. An Aha! integration (the Aha! simulator) is configured and tested; ``features`` features are created in Aha!
   and sent to Jira (linked, the links delivered).
2. Users comment on both sides: an engineer in Jira (ADF), the product manager in Aha! (HTML), ``comments`` in
   all, half each, spread over the features; a share is edited (once or twice) and a share deleted, in a
   seeded random order. Jira's webhooks and Aha!'s activity webhook are captured at a sink meanwhile.
3. The sims' webhooks are then pointed at the local gateway (live: the integration's own comments on either
   side fire them, and must come back as echoes only), and the captured deliveries are replayed as an
   at-least-once, unordered delivery could: a share twice, a share late. The workers (roadmap delivery, retry)
   run in a thread while Aha! and Jira fail a share of the comment calls (429, 503, a timeout, a commit whose
   answer is lost).
4. Compared at the end, per feature: every live engineer comment has exactly one Aha! copy with its last body,
   every live product-manager comment exactly one Jira copy with its last body, no copy of a deleted comment
   and no other copy (no echo came back, none doubled, none lost); every roadmap event settled; both dead-letter
   queues empty.
``bench/__main__`` skips this module (its name starts with ``_``).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._roadmap_workload import (
    aha_feature,
    captured_log,
    configure,
    drain,
    outbox_events,
    queue_depth,
)
from bench._webhook_workload import SECRET, Captured, chaotic, sink

CallApi = Callable[..., tuple[int, Any]]
Deliver = Callable[[str, bytes, str], tuple[int, Any]]
INTEGRATION = "comment-rel"
RELEASE = "PROD-R-1"
SETTLED = {"delivered", "superseded", "skipped"}
_TOKEN = re.compile(r"\b([ja]\d+v\d+)\b")
_PERMALINK = re.compile(r"focusedCommentId=(\d+)")


@dataclass
class Report:
    comments: int
    features: int
    edits: int = 0
    deletes: int = 0
    jira_deliveries: int = 0
    aha_deliveries: int = 0
    duplicated: int = 0
    reordered: int = 0
    outbox: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dead_letters: int = 0
    copies_in_aha: int = 0
    copies_in_jira: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.lost or self.errors or self.dead_letters)


def adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def create_and_send(call_api: CallApi, aha: AhaSimulator, count: int) -> dict[str, str]:
    keys: dict[str, str] = {}
    for number in range(1, count + 1):
        created = aha.pm.create_feature(RELEASE, f"Comments {number}", status="Ready to develop")
        reference = str(created["reference_num"])
        status, sent = call_api(
            "POST",
            f"/integrations/{INTEGRATION}/features/{reference}/send",
            {"feature": aha_feature(aha, reference)},
        )
        assert status == 200, sent
        keys[reference] = sent["jira"]["key"]
    return keys


@dataclass
class _Comment:
    side: str  # "jira" or "aha"
    number: int
    reference: str
    key: str
    id: str = ""
    version: int = 0
    deleted: bool = False

    @property
    def token(self) -> str:
        return f"{self.side[0]}{self.number}v{self.version}"


def user_activity(  # noqa: PLR0917 (the workload's parts)
    jira: JiraSimulator, aha: AhaSimulator, keys: dict[str, str], comments: int, seed: int, report: Report
) -> list[_Comment]:
    """Comments written, edited and deleted on both sides by people, in a seeded random order."""
    rng = random.Random(seed)
    engineer = SimulatorClient(jira.base_url)
    references = sorted(keys)
    made = [
        _Comment("jira" if number % 2 else "aha", number, references[number % len(references)], "")
        for number in range(comments)
    ]
    for comment in made:
        comment.key = keys[comment.reference]
    actions: list[tuple[str, _Comment]] = [("create", comment) for comment in made]
    for comment in made:
        roll = rng.random()
        if roll < 0.3:
            actions += [("edit", comment)] * rng.randint(1, 2)
        elif roll < 0.5:
            actions.append(("delete", comment))
    rng.shuffle(actions)
    for action, comment in _ordered(actions):
        if action == "create":
            _create(engineer, aha, comment)
        elif action == "edit" and not comment.deleted:
            comment.version += 1
            report.edits += 1
            if comment.side == "jira":
                engineer.engineer_edit_comment(comment.key, comment.id, adf(f"Engineer says {comment.token}"))
            else:
                aha.pm.edit_comment(comment.id, f"<p>PM says {comment.token}</p>")
        elif action == "delete" and not comment.deleted:
            comment.deleted = True
            report.deletes += 1
            if comment.side == "jira":
                engineer.engineer_delete_comment(comment.key, comment.id)
            else:
                aha.pm.delete_comment(comment.id)
    return made


def _ordered(actions: list[tuple[str, _Comment]]) -> list[tuple[str, _Comment]]:
    """The shuffled actions with each comment's create moved before its own edits and deletion."""
    created: set[int] = set()
    ordered: list[tuple[str, _Comment]] = []
    waiting: dict[int, list[tuple[str, _Comment]]] = {}
    for action, comment in actions:
        if action == "create":
            created.add(comment.number)
            ordered.append((action, comment))
            ordered += waiting.pop(comment.number, [])
        elif comment.number in created:
            ordered.append((action, comment))
        else:
            waiting.setdefault(comment.number, []).append((action, comment))
    return ordered


def _create(engineer: SimulatorClient, aha: AhaSimulator, comment: _Comment) -> None:
    if comment.side == "jira":
        made = engineer.engineer_comment(comment.key, adf(f"Engineer says {comment.token}"))
    else:
        made = aha.pm.add_comment(comment.reference, f"<p>PM says {comment.token}</p>")
    comment.id = str(made["id"])


def add_faults(jira: JiraSimulator, aha: AhaSimulator, comments: int) -> None:
    """A share of the comment calls fail on each side: a 429, a 503, a timeout, a commit whose answer is lost."""
    share = max(1, comments // 40)
    aha.seed_faults(11)
    path = r"^/api/v1/(features|requirements|comments)/"
    for index, rule in enumerate(
        ({"status": 429, "retry_after": 1}, {"status": 503}, {"drop_after_commit": True})
    ):
        aha.add_fault(path=path, probability=0.05 / (1 - 0.05 * index), times=None, **rule)
    for rule in (
        {"status": 503, "retry_after": 0},
        {"drop_after_commit": True},
        {"status": 429, "retry_after": 0},
    ):
        jira.add_fault(method="*", path=r"/comment(/\d+)?$", times=share, **rule)


def run(  # noqa: PLR0917 (the stack's parts)
    call_api: CallApi,
    deliver: Deliver,
    aha_deliver: Callable[[str, bytes], tuple[int, Any]],
    jira: JiraSimulator,
    aha: AhaSimulator,
    poller: SqsPoller,
    gateway_url: str,
    *,
    events_table: str,
    dead_letter_urls: list[str],
    comments: int,
    features: int,
    seed: int = 3,
    progress: Callable[[str], None] | None = None,
    settle_timeout: float = 600.0,
) -> Report:
    say = progress or (lambda _: None)
    report = Report(comments=comments, features=features)
    token = configure(call_api, jira, aha, INTEGRATION)
    status, view = call_api("GET", f"/integrations/{INTEGRATION}")
    assert status == 200, view
    roadmap_path = "/" + str(view["roadmap"]["webhook_url"]).split("/", 3)[3]
    keys = create_and_send(call_api, aha, features)
    drain(poller)
    say(f"{features} features created in Aha!, sent and linked")

    with sink() as url:
        jira.configure_webhook(url, SECRET)
        aha.configure_webhook(url, formats=("activity",))
        jira_seen, aha_seen = len(jira.deliveries()), len(aha.deliveries())
        made = user_activity(jira, aha, keys, comments, seed, report)
        jira_captured = [
            Captured(d["identifier"], d["event"], json.dumps(d["payload"]).encode())
            for d in jira.wait_for_deliveries(len(jira.deliveries()), timeout=120)[jira_seen:]
            if d["event"].startswith("comment_")
        ]
        aha_captured = [
            Captured(str(index), d["event"], json.dumps(d["payload"]).encode())
            for index, d in enumerate(aha.wait_for_deliveries(len(aha.deliveries()), timeout=120)[aha_seen:])
            if d["record_type"] == "Comment"
        ]
    jira_stream, duplicated, moved = chaotic(jira_captured, duplicate=0.3, reorder=0.2, seed=seed)
    aha_stream, aha_duplicated, aha_moved = chaotic(aha_captured, duplicate=0.3, reorder=0.2, seed=seed + 1)
    report.jira_deliveries, report.aha_deliveries = len(jira_stream), len(aha_stream)
    report.duplicated, report.reordered = duplicated + aha_duplicated, moved + aha_moved
    say(
        f"{len(jira_captured)} Jira and {len(aha_captured)} Aha! comment events; replaying {len(jira_stream) + len(aha_stream)}"
    )

    # Live from now on: the integration's own comments fire both sides' webhooks at the product.
    jira.configure_webhook(f"{gateway_url}/webhooks/jira/{token}", SECRET)
    aha.configure_webhook(f"{gateway_url}{roadmap_path}", formats=("activity",))
    add_faults(jira, aha, comments)
    started = time.perf_counter()
    with captured_log() as log:
        poller.start()
        try:
            _replay(deliver, aha_deliver, token, roadmap_path, jira_stream, aha_stream, report)
            _settle(events_table, dead_letter_urls, jira, aha, report, say, settle_timeout)
        finally:
            poller.stop()
        aha.clear_faults()
        jira.clear_faults()
        drain(poller)
    report.seconds = time.perf_counter() - started
    lines = [json.loads(line) for line in log.getvalue().splitlines() if line.startswith("{")]
    report.actions.update(str(line.get("action")) for line in lines if line.get("action"))
    _judge(events_table, dead_letter_urls, jira, aha, keys, made, report)
    return report


def _replay(  # noqa: PLR0917
    deliver: Deliver,
    aha_deliver: Callable[[str, bytes], tuple[int, Any]],
    token: str,
    roadmap_path: str,
    jira_stream: list[Captured],
    aha_stream: list[Captured],
    report: Report,
) -> None:
    """Both streams, interleaved; a 5xx is delivered again (as Jira and Aha! do)."""
    merged = [("jira", item) for item in jira_stream] + [("aha", item) for item in aha_stream]
    random.Random(1).shuffle(merged)
    for side, item in merged:
        for _ in range(5):
            if side == "jira":
                status, answer = deliver(token, item.body, item.identifier)
            else:
                status, answer = aha_deliver(roadmap_path, item.body)
            if status < 500:
                break
            time.sleep(0.2)
        if status != 200:
            report.errors.append(f"{side} {item.event}: {status} {answer}")


def _settle(  # noqa: PLR0917
    events_table: str,
    dead_letter_urls: list[str],
    jira: JiraSimulator,
    aha: AhaSimulator,
    report: Report,
    say: Callable[[str], None],
    timeout: float,
) -> None:
    from aha_jira import wiring  # noqa: PLC0415
    from aha_jira.roadmap.sweep import sweep  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        jira.wait_for_deliveries(len(jira.deliveries()), timeout=30)
        aha.wait_for_deliveries(len(aha.deliveries()), timeout=30)
        waiting = [i for i in outbox_events(events_table, INTEGRATION) if i["delivery"]["S"] == "pending"]
        queued = _retry_depth()
        if not waiting and not queued:
            quiet += 1
            if quiet >= 3:
                return
        else:
            quiet = 0
            say(f"{len(waiting)} roadmap events pending, {queued} comment jobs queued")
            sweep(wiring.roadmap_delivery_services())
        time.sleep(1.0)
    report.errors.append(f"comments still moving after {timeout:.0f} s")


def _retry_depth() -> int:
    import boto3  # noqa: PLC0415

    sqs = boto3.client("sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith("RetryQueue"))
    return queue_depth(url)


def _text(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _judge(  # noqa: PLR0917
    events_table: str,
    dead_letter_urls: list[str],
    jira: JiraSimulator,
    aha: AhaSimulator,
    keys: dict[str, str],
    made: list[_Comment],
    report: Report,
) -> None:
    from aha_jira.sync.comments import COMMENT_PROPERTY  # noqa: PLC0415

    for item in outbox_events(events_table, INTEGRATION):
        state = item["delivery"]["S"]
        report.outbox[f"{item['type']['S']} {state}"] += 1
        if state not in SETTLED:
            report.lost.append(f"event {item['event_id']['N']} ({item['type']['S']}): {state}")
    report.dead_letters = sum(queue_depth(url) for url in dead_letter_urls)
    store = jira.core.store
    bot = jira.bot_account_id
    by_issue: dict[str, list[Any]] = {}
    for comment in list(store.comments.values()):
        by_issue.setdefault(comment.issue_id, []).append(comment)
    for reference, key in keys.items():
        issue = store.issue(key)
        assert issue is not None
        in_jira = by_issue.get(issue.id, [])
        in_aha = [c for c in aha.feature(reference)["comments"] if not c.get("deleted")]
        people_jira = {c.id: c for c in in_jira if c.author != bot}
        copies_jira = [c for c in in_jira if c.author == bot]
        copies_aha = [c for c in in_aha if "focusedCommentId=" in (c.get("body") or "")]
        report.copies_in_aha += len(copies_aha)
        report.copies_in_jira += len(copies_jira)
        mine = [c for c in made if c.reference == reference]
        expected_aha = {c.id: c.token for c in mine if c.side == "jira" and not c.deleted}
        expected_jira = {c.id: c.token for c in mine if c.side == "aha" and not c.deleted}
        if set(people_jira) != {c.id for c in mine if c.side == "jira" and not c.deleted}:
            report.errors.append(f"{reference}: the engineer's comments in Jira are not the workload's")
        got_aha = Counter(m for c in copies_aha for m in _PERMALINK.findall(c.get("body") or ""))
        got_jira = Counter(
            str((c.properties.get(COMMENT_PROPERTY) or {}).get("comment_id")) for c in copies_jira
        )
        _compare(
            reference,
            "Aha!",
            expected_aha,
            got_aha,
            {m: c.get("body") or "" for c in copies_aha for m in _PERMALINK.findall(c.get("body") or "")},
            report,
        )
        bodies_jira = {
            str((c.properties.get(COMMENT_PROPERTY) or {}).get("comment_id")): _text(c.body)
            for c in copies_jira
        }
        _compare(reference, "Jira", expected_jira, got_jira, bodies_jira, report)


def _compare(  # noqa: PLR0917
    reference: str,
    side: str,
    expected: dict[str, str],
    got: Counter[str],
    bodies: dict[str, str],
    report: Report,
) -> None:
    for comment_id, token in expected.items():
        count = got.get(comment_id, 0)
        if count != 1:
            report.mismatches.append(f"{reference}: comment {comment_id} has {count} copies in {side}, not 1")
        elif token not in _TOKEN.findall(bodies.get(comment_id, "")):
            report.mismatches.append(
                f"{reference}: the {side} copy of {comment_id} is not its last body ({token})"
            )
    for comment_id in set(got) - set(expected):
        report.mismatches.append(
            f"{reference}: {got[comment_id]} copies in {side} of {comment_id}, deleted or not a person's"
        )
