"""Operator commands, against the local stack (`make run`) or a deployed stack.

    python -m aha_jira_dev.ops [TARGET] log <integration> [--reference R] [--outcome O] [--since T] [--limit N] [--all] [--json]
    python -m aha_jira_dev.ops [TARGET] test-connection <integration> [--json]
    python -m aha_jira_dev.ops [TARGET] replay-dlq [--limit N]     (the retry queue's and the roadmap deliveries')

TARGET (the local stack when none is given):
    --local                         http://127.0.0.1:$PORT (3000), key $API_KEY (local-dev-api-key), moto on $MOTO_PORT (4566)
    --api-url URL --api-key KEY     a deployed API (also AHA_JIRA_API_URL / AHA_JIRA_API_KEY); not for replay-dlq
    --stack NAME [--region R]       a deployed stack: its CloudFormation outputs give the API URL, the API key
                                    (read from API Gateway) and the queues; AWS credentials from the environment

`log` and `test-connection` go through the HTTP API, like any roadmap client; `replay-dlq` moves the dead
letters back to the retry queue, and the roadmap deliveries' back to their queue, with SQS
(aha_jira.storage.retry_queue).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import requests

from aha_jira.storage.retry_queue import replay_dead_letters

LOCAL_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Target:
    api_url: str
    api_key: str
    queue_url: str | None = None
    dlq_url: str | None = None
    endpoint_url: str | None = None  # moto, for the local stack's queues
    # The roadmap deliveries' queue and its dead letters (issue 14), replayed with the retry queue's.
    roadmap_queue_url: str | None = None
    roadmap_dlq_url: str | None = None
    region: str | None = None


def local_target() -> Target:
    port = os.environ.get("PORT") or "3000"
    moto = f"http://127.0.0.1:{os.environ.get('MOTO_PORT') or '4566'}"
    return Target(
        api_url=f"http://127.0.0.1:{port}",
        api_key=os.environ.get("API_KEY") or "local-dev-api-key",
        queue_url=f"{moto}/{LOCAL_ACCOUNT}/RetryQueue",
        dlq_url=f"{moto}/{LOCAL_ACCOUNT}/RetryDeadLetterQueue",
        endpoint_url=moto,
        roadmap_queue_url=f"{moto}/{LOCAL_ACCOUNT}/RoadmapDeliveryQueue",
        roadmap_dlq_url=f"{moto}/{LOCAL_ACCOUNT}/RoadmapDeliveryDLQ",
        region="us-east-1",
    )


def stack_target(stack: str, region: str | None = None, endpoint_url: str | None = None) -> Target:
    """The deployed stack's outputs: ApiUrl, ApiKeyId (its value read from API Gateway), the queues."""
    import boto3  # noqa: PLC0415 - only this target needs it

    session = boto3.session.Session(region_name=region)
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in described.get("Outputs", [])}
    missing = {"ApiUrl", "ApiKeyId"} - outputs.keys()
    if missing:
        raise SystemExit(f"stack {stack} has no output {', '.join(sorted(missing))}")
    apigateway = session.client("apigateway", endpoint_url=endpoint_url)
    key = apigateway.get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]
    return Target(
        api_url=outputs["ApiUrl"].rstrip("/"),
        api_key=key,
        queue_url=outputs.get("RetryQueueUrl"),
        dlq_url=outputs.get("DeadLetterQueueUrl"),
        endpoint_url=endpoint_url,
        roadmap_queue_url=outputs.get("RoadmapDeliveryQueueUrl"),
        roadmap_dlq_url=outputs.get("RoadmapDeadLetterQueueUrl"),
        region=session.region_name,
    )


def _call(target: Target, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
    response = requests.request(
        method, f"{target.api_url}{path}", params=params, headers={"x-api-key": target.api_key}, timeout=60
    )
    body = response.json() if response.content else None
    if response.status_code >= 400:
        error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
        hint = f"\n  hint: {error['hint']}" if error.get("hint") else ""
        raise SystemExit(
            f"{method} {path}: {response.status_code} {error.get('code', '')}: {error.get('message', body)}{hint}"
        )
    return body


def _format_entry(entry: dict[str, Any]) -> str:
    where = " ".join(str(entry[key]) for key in ("reference", "jira_key") if entry.get(key))
    status = f" [Jira {entry['jira_status']}]" if entry.get("jira_status") else ""
    code = f" ({entry['error_code']})" if entry.get("error_code") else ""
    line = f"{entry['timestamp']}  {entry['outcome']:<7}  {entry['action']:<28} {where}{status}{code}  {entry['message']}"
    if entry.get("hint"):
        line += f"\n{'':>31}hint: {entry['hint']}"
    return line


def show_log(target: Target, integration: str, args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {"limit": args.limit}
    for name in ("reference", "outcome", "since"):
        if getattr(args, name):
            params[name] = getattr(args, name)
    entries: list[dict[str, Any]] = []
    while True:
        page = _call(target, "GET", f"/integrations/{integration}/log", params)
        entries += page["entries"]
        if not args.all or not page["next"]:
            break
        params["next"] = page["next"]
    if args.json:
        out.write(json.dumps({"entries": entries}, indent=2) + "\n")
    else:
        for entry in reversed(entries):  # oldest first, like a terminal log
            out.write(_format_entry(entry) + "\n")
        out.write(f"{len(entries)} entries\n")
    return 0


def rerun_test_connection(target: Target, integration: str, args: argparse.Namespace, out: TextIO) -> int:
    report = _call(target, "POST", f"/integrations/{integration}/test-connection")
    if args.json:
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        out.write(f"{integration}: {'ok' if report['ok'] else 'PROBLEMS'}\n")
        for problem in report["problems"]:
            out.write(f"  {problem['severity']:<7} {problem['code']}: {problem['message']}\n")
            if problem.get("hint"):
                out.write(f"          hint: {problem['hint']}\n")
    return 0 if report["ok"] else 1


def replay(target: Target, args: argparse.Namespace, out: TextIO) -> int:
    if not target.queue_url or not target.dlq_url:
        raise SystemExit("replay-dlq needs the queues: use --local or --stack NAME")
    import boto3  # noqa: PLC0415

    sqs = boto3.session.Session(region_name=target.region).client("sqs", endpoint_url=target.endpoint_url)
    moved = replay_dead_letters(target.dlq_url, target.queue_url, limit=args.limit, sqs=sqs)
    answer: dict[str, int] = {"moved": moved}
    if target.roadmap_queue_url and target.roadmap_dlq_url:
        # The roadmap deliveries' dead letters too: each names an event the worker delivers once replayed.
        roadmap = replay_dead_letters(
            target.roadmap_dlq_url, target.roadmap_queue_url, limit=args.limit, sqs=sqs
        )
        answer = {"moved": moved + roadmap, "retry": moved, "roadmap": roadmap}
    out.write(json.dumps(answer) + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m aha_jira_dev.ops", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    where = root.add_mutually_exclusive_group()
    where.add_argument("--local", action="store_true", help="the `make run` stack (default)")
    where.add_argument("--api-url", default=os.environ.get("AHA_JIRA_API_URL"))
    where.add_argument("--stack", help="a deployed stack's name")
    root.add_argument("--api-key", default=os.environ.get("AHA_JIRA_API_KEY"))
    root.add_argument("--region", default=None)
    root.add_argument("--endpoint-url", default=None, help=argparse.SUPPRESS)  # tests: moto
    commands = root.add_subparsers(dest="command", required=True)
    log = commands.add_parser("log", help="show an integration's log (a reference's, with --reference)")
    log.add_argument("integration")
    log.add_argument("--reference")
    log.add_argument("--outcome", choices=["ok", "skipped", "queued", "failed"])
    log.add_argument("--since", help="ISO 8601 time")
    log.add_argument("--limit", type=int, default=50)
    log.add_argument("--all", action="store_true", help="follow `next` to the oldest entry")
    log.add_argument("--json", action="store_true")
    test = commands.add_parser("test-connection", help="run test connection again and show its report")
    test.add_argument("integration")
    test.add_argument("--json", action="store_true")
    dlq = commands.add_parser(
        "replay-dlq", help="move the dead letters back to the retry queue and the roadmap delivery queue"
    )
    dlq.add_argument("--limit", type=int, default=None)
    return root


def resolve_target(args: argparse.Namespace) -> Target:
    if args.stack:
        return stack_target(args.stack, args.region, args.endpoint_url)
    if args.api_url and not args.local:
        if not args.api_key:
            raise SystemExit("--api-url needs --api-key (or AHA_JIRA_API_KEY)")
        return Target(api_url=args.api_url.rstrip("/"), api_key=args.api_key)
    return local_target()


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    stream = out or sys.stdout
    target = resolve_target(args)
    if args.command == "log":
        return show_log(target, args.integration, args, stream)
    if args.command == "test-connection":
        return rerun_test_connection(target, args.integration, args, stream)
    return replay(target, args, stream)


if __name__ == "__main__":
    sys.exit(main())
