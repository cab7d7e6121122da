"""Comments: roadmap and Jira calls per comment in each direction (target 1 each way).

5 features are created in the Aha! simulator and sent to Jira (an Aha! integration). Jira to roadmap: an
engineer writes 20 comments in Jira, edits them and deletes them; each delivery goes through the real webhook
handler (in-process), then the delivery worker carries its event to Aha!: Aha! calls are counted per comment
change on the simulator's call log. Roadmap to Jira: 20 comments posted to ``POST .../features/{ref}/comments``,
posted again edited, and deleted (``DELETE .../comments/{id}``): Jira calls per change on the Jira simulator's
call log; and 20 comments the product manager writes in Aha!, whose activity webhook the Aha! webhook handler
takes and whose job the retry worker runs (it reads the comment from Aha!, then writes Jira). Run:
``python -m bench.comment_calls``.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from typing import Any

from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._comment_workload import INTEGRATION, adf, create_and_send
from bench._roadmap_stack import roadmap_bench_stack
from bench._roadmap_workload import configure, drain
from bench._send_stack import request_through
from bench._webhook_workload import SECRET, Captured, sink

FEATURES = 5
COMMENTS = 20


def _drain(poller: SqsPoller) -> None:
    while poller.poll_once(poller.sources[0], wait_time_seconds=0).received:
        pass


def _per(changes: list[Counter[str]]) -> tuple[int, int, float, dict[str, float]]:
    totals = [sum(counter.values()) for counter in changes]
    merged: Counter[str] = Counter()
    for counter in changes:
        merged.update(counter)
    return (
        min(totals),
        max(totals),
        statistics.mean(totals),
        {k: round(v / len(changes), 2) for k, v in merged.items()},
    )


def _kind(path: str) -> str:
    parts = [part for part in path.split("?", maxsplit=1)[0].split("/") if part]
    return "/".join(
        "{id}" if part.isdigit() or ("-" in part and part[-1].isdigit()) else part for part in parts
    )


def main() -> int:  # noqa: PLR0915 (three measured phases)
    with roadmap_bench_stack(SECRET, {"AHA_REQUESTS_PER_SECOND": "100"}) as stack:
        aha, jira = stack.aha, stack.base.sim
        aha.set_rate_limit(None)
        token = configure(stack.call, jira, aha, INTEGRATION)
        keys = create_and_send(stack.call, aha, FEATURES)
        drain(stack.poller)
        references = sorted(keys)
        engineer = SimulatorClient(jira.base_url)

        # Jira -> roadmap
        with sink() as url:
            jira.configure_webhook(url, SECRET)
            seen = len(jira.deliveries())
            made = []
            for number in range(COMMENTS):
                key = keys[references[number % FEATURES]]
                made.append((key, str(engineer.engineer_comment(key, adf(f"comment {number}"))["id"])))
            for key, comment_id in made:
                engineer.engineer_edit_comment(key, comment_id, adf("edited"))
            for key, comment_id in made:
                engineer.engineer_delete_comment(key, comment_id)
            captured = [
                Captured(d["identifier"], d["event"], json.dumps(d["payload"]).encode())
                for d in jira.wait_for_deliveries(len(jira.deliveries()), timeout=60)[seen:]
                if d["event"].startswith("comment_")
            ]
        to_aha: dict[str, list[Counter[str]]] = {}
        for item in captured:
            status, answer = stack.deliver(token, item.body, item.identifier)
            assert status == 200, answer
            before = len(aha.calls)
            _drain(stack.poller)
            calls = Counter(
                f"{c['method']} {_kind(c['path'].removeprefix('/api/v1'))}" for c in aha.calls[before:]
            )
            to_aha.setdefault(item.event, []).append(calls)

        # roadmap -> Jira, by the API
        to_jira: dict[str, list[Counter[str]]] = {}

        def jira_calls(act: Any) -> Counter[str]:
            before = len(jira.calls)
            act()
            return Counter(f"{c['method']} {_kind(c['path'])}" for c in jira.calls[before:])

        def post(reference: str, body: dict[str, Any]) -> None:
            status, answer = stack.call(
                "POST", f"/integrations/{INTEGRATION}/features/{reference}/comments", body
            )
            assert status == 200, answer

        def delete(reference: str, comment_id: str) -> None:
            path = f"/integrations/{INTEGRATION}/features/{reference}/comments/{comment_id}"
            status, answer = stack.call("DELETE", path)
            assert status == 200, answer

        for number in range(COMMENTS):
            reference = references[number % FEATURES]
            body = {"id": f"b-{number}", "body": f"<p>roadmap {number}</p>", "author": "Pat Manager"}
            to_jira.setdefault("created (API)", []).append(jira_calls(lambda r=reference, b=body: post(r, b)))
            edited = {**body, "body": "<p>edited</p>"}
            to_jira.setdefault("edited (API)", []).append(
                jira_calls(lambda r=reference, b=edited: post(r, b))
            )
            to_jira.setdefault("deleted (API)", []).append(
                jira_calls(lambda r=reference, n=number: delete(r, f"b-{n}"))
            )

        # roadmap -> Jira, by Aha!'s webhook and the retry worker
        status, view = stack.call("GET", f"/integrations/{INTEGRATION}")
        path = "/" + str(view["roadmap"]["webhook_url"]).split("/", 3)[3]
        retry = SqsPoller(
            stack.base.template,
            stack.base.resources,
            handlers=stack.base.poller.handlers,
            sources=[s for s in stack.base.template.sqs_event_sources if s.queue == "RetryQueue"],
            wait_time_seconds=0,
        )
        from_aha: list[Counter[str]] = []
        with sink() as url:
            aha.configure_webhook(url, formats=("activity",))
            for number in range(COMMENTS):
                seen = len(aha.deliveries())
                aha.pm.add_comment(references[number % FEATURES], f"<p>from Aha! {number}</p>")
                [audit] = [
                    d
                    for d in aha.wait_for_deliveries(seen + 1, timeout=30)[seen:]
                    if d["record_type"] == "Comment"
                ]
                status, answer = request_through(stack.base.gateway, "POST", path, audit["payload"])
                assert status == 200 and answer["outcome"] == "queued", answer
                aha_before, jira_before = len(aha.calls), len(jira.calls)
                _drain(retry)
                calls = Counter(
                    f"Aha! {c['method']} {_kind(c['path'].removeprefix('/api/v1'))}"
                    for c in aha.calls[aha_before:]
                )
                calls.update(f"Jira {c['method']} {_kind(c['path'])}" for c in jira.calls[jira_before:])
                from_aha.append(calls)

    from bench import _report  # noqa: PLC0415

    worst_to_aha = 0
    for event, changes in sorted(to_aha.items()):
        low, high, mean, per = _per(changes)
        worst_to_aha = max(worst_to_aha, high)
        print(f"Jira {event} -> Aha! calls per comment: min {low}, max {high}, mean {mean:.2f} {per}")
    worst_to_jira = 0
    for what, changes in sorted(to_jira.items()):
        low, high, mean, per = _per(changes)
        worst_to_jira = max(worst_to_jira, high)
        print(f"roadmap comment {what} -> Jira calls: min {low}, max {high}, mean {mean:.2f} {per}")
    low, high, mean, per = _per(from_aha)
    jira_only = max(sum(v for k, v in c.items() if k.startswith("Jira ")) for c in from_aha)
    aha_only = max(sum(v for k, v in c.items() if k.startswith("Aha! ")) for c in from_aha)
    print(f"Aha! comment (webhook + retry worker) -> calls: min {low}, max {high}, mean {mean:.2f} {per}")
    _report.figure(
        "Comments",
        "Aha! calls per Jira comment change (created, edited, deleted; max)",
        worst_to_aha,
        "1",
        worst_to_aha == 1,
    )
    _report.figure(
        "Comments",
        "Jira calls per roadmap comment change by the API (max)",
        worst_to_jira,
        "1",
        worst_to_jira == 1,
    )
    _report.figure(
        "Comments",
        "calls per Aha! comment by its webhook (max): Jira; Aha! (the comment read)",
        f"{jira_only}; {aha_only}",
        "1 Jira call (+1 Aha! read of the newest body)",
        jira_only == 1 and aha_only == 1,
    )
    return 0 if worst_to_aha == 1 and worst_to_jira == 1 and jira_only == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
