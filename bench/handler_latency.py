"""Handler latency: the overhead of our code over the AWS and Jira calls it makes.

Two operations, each through the template's real handler, in-process, warm (after a warm-up), against moto
in server mode (provisioned from ``template.yaml``) and the Jira simulator (Cloud) over HTTP:

- **send**: ``POST /integrations/{id}/features/{ref}/send`` of a new feature with 10 requirements (one
  ``POST /issue``, one ``POST /issue/bulk``, the reservations, links and the feature record in DynamoDB);
- **webhook**: a status-change delivery of a linked issue (``jira:issue_updated``, signed), as Jira sends it.

Every AWS call the handler makes (botocore's ``provide-client-params`` event on its own clients: operation
and parameters) and every Jira request (``requests.Session.send``: the prepared request as signed) is
recorded. Right after the handler, the same calls are **replayed directly**, in the same order, on the
same warm boto3 clients and a warm ``requests`` session: that is the cost of the operation's calls alone.
The handler's p50 (p95) over the replay's p50 (p95) is the overhead of our code (parsing, validation,
drafting, planning, logging, serialisation), judged against the target (issue 8): at most 1.3x. The median of
the per-run ratio (handler / its own replay) is printed too.

So that a replayed write does what the original did (not a conditional failure, whose cost differs), the
replay of a send targets other references (``LAT-`` renamed ``RPL-`` in every parameter), a webhook's
delivery record another identifier, and every replayed condition is made true (``(<condition>) OR
attribute_exists(pk)``: the original already bumped the record's ``webhook_rev``); Jira's creates make new
issues in the simulator.

Figures: p50 and p95 of the handler, of the replay, of their ratio per operation, and the median of the
calls replayed. The garbage collector runs before each pair, not during it (``no_gc_pauses``). Run: ``python -m bench.handler_latency [--sends N] [--deliveries N]``. The moto server
answers a DynamoDB call in about 5-15 ms, DynamoDB itself in single-digit milliseconds: against AWS the
same overhead is a larger share (the absolute overhead in ms is printed too).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from botocore import xform_name

from aha_jira.storage import aws_clients
from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.local_stack.gateway import GatewayRequest, LocalApiGateway, build_proxy_event
from aha_jira_dev.local_stack.lambda_context import context_for
from bench._send_stack import API_KEY, bench_stack
from bench._webhook_workload import SECRET, prepare, sink
from bench.send_calls import aha_feature, integration_body
from bench.webhook_calls import transitions

SENDS = 40
DELIVERIES = 100
REQUIREMENTS = 10
TARGET_RATIO = 1.3
INTEGRATION = "latency"


@dataclass
class Recorded:
    aws: list[tuple[Any, str, dict[str, Any]]] = field(default_factory=list)  # (client, operation, params)
    jira: list[requests.PreparedRequest] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.aws) + len(self.jira)


class Recorder:
    """Records the AWS calls of the handler's boto3 clients and the Jira requests of every session."""

    def __init__(self) -> None:
        self.active = False
        self.recorded = Recorded()
        self._original_send = requests.Session.send

    def attach(self) -> None:
        for client in (aws_clients.dynamodb(), aws_clients.secretsmanager(), aws_clients.sqs()):
            client.meta.events.register("provide-client-params.*.*", self._aws(client))
        recorder = self
        original = self._original_send

        def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
            if recorder.active:
                recorder.recorded.jira.append(request.copy())
            return original(session, request, **kwargs)

        requests.Session.send = send  # type: ignore[method-assign]

    def detach(self) -> None:
        requests.Session.send = self._original_send  # type: ignore[method-assign]

    def _aws(self, client: Any) -> Callable[..., None]:
        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            if self.active:
                self.recorded.aws.append((client, xform_name(model.name), copy.deepcopy(params)))

        return record

    @contextmanager
    def recording(self) -> Iterator[Recorded]:
        self.recorded = Recorded()
        self.active = True
        try:
            yield self.recorded
        finally:
            self.active = False


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Collect first, then no collection during one handler call and its replay. This process holds moto's
    tables and the simulator's issues (millions of objects): a full collection here costs hundreds of
    milliseconds and falls on whichever allocates more, the handler; a Lambda container's heap is small."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _renamed(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, bytes):
        return value.replace(old.encode(), new.encode())
    if isinstance(value, dict):
        return {_renamed(k, old, new): _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(item, old, new) for item in value]
    return value


def _conditions_true(value: Any) -> Any:
    """The same request with every condition also satisfied by an existing item (see the module docstring)."""
    if isinstance(value, list):
        return [_conditions_true(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _conditions_true(item) for key, item in value.items()}
    if "ConditionExpression" in result:
        result["ConditionExpression"] = f"({result['ConditionExpression']}) OR attribute_exists(#replay_key)"
        result["ExpressionAttributeNames"] = {
            **result.get("ExpressionAttributeNames", {}),
            "#replay_key": "pk",
        }
    return result


def replay(
    recorded: Recorded, session: requests.Session, rename: tuple[str, str] | None
) -> tuple[float, int]:
    """The recorded calls again, directly: the AWS calls in their order, then the Jira requests in theirs
    (each call is a round trip of its own, so the interleaving does not change the cost). Returns
    (seconds, calls refused by their conditions or by Jira)."""
    refused = 0
    started = time.perf_counter()
    for client, operation, params in recorded.aws:
        arguments = _conditions_true(_renamed(params, *rename) if rename else params)
        try:
            getattr(client, operation)(**arguments)
        except client.exceptions.ClientError:
            refused += 1
    for request in recorded.jira:
        prepared = request.copy()
        if rename and prepared.body is not None:
            prepared.body = _renamed(prepared.body, *rename)
            prepared.headers["Content-Length"] = str(len(prepared.body))
        response = session.send(prepared, timeout=(3.05, 15), allow_redirects=False)
        refused += response.status_code >= 400
    return time.perf_counter() - started, refused


def call_handler(gateway: LocalApiGateway, request: GatewayRequest) -> tuple[float, int, Any]:
    """The function's handler on the request's REST proxy event; only the handler is timed."""
    found = gateway.find_route(request.method, request.path)
    assert found is not None, request.path
    route, params = found
    event = build_proxy_event(
        request,
        route,
        params,
        stage=gateway.stage,
        binary_media_types=gateway.binary_media_types,
        api_key=API_KEY if route.api_key_required else None,
    )
    handler = gateway.handlers.handler(route.function)
    context = context_for(gateway.handlers.function(route.function))
    started = time.perf_counter()
    result = handler(event, context)
    seconds = time.perf_counter() - started
    body = json.loads(result["body"]) if result.get("body") else None
    return seconds, int(result["statusCode"]), body


def _headers() -> list[tuple[str, str]]:
    return [
        ("Host", "api.bench.test"),
        ("X-Forwarded-Proto", "https"),
        ("x-api-key", API_KEY),
        ("Content-Type", "application/json"),
    ]


@dataclass
class Series:
    name: str
    handler: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)

    def percentile(self, values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    @property
    def ratios(self) -> list[float]:
        return [h / r for h, r in zip(self.handler, self.raw, strict=True)]

    def summary(self) -> dict[str, float]:
        return {
            "runs": len(self.handler),
            "handler_p50_ms": self.percentile(self.handler, 50) * 1000,
            "handler_p95_ms": self.percentile(self.handler, 95) * 1000,
            "raw_p50_ms": self.percentile(self.raw, 50) * 1000,
            "raw_p95_ms": self.percentile(self.raw, 95) * 1000,
            # p50 (p95) of the handler over p50 (p95) of the same calls made directly.
            "ratio_p50": self.percentile(self.handler, 50) / self.percentile(self.raw, 50),
            "ratio_p95": self.percentile(self.handler, 95) / self.percentile(self.raw, 95),
            # Per run, handler / its replay: the median (its tail mixes unrelated spikes of either).
            "ratio_median_paired": statistics.median(self.ratios),
            "overhead_p50_ms": statistics.median(h - r for h, r in zip(self.handler, self.raw, strict=True))
            * 1000,
            "calls": statistics.median(self.calls),
            "refused": statistics.median(self.refused),
        }


def measure_sends(stack: Any, recorder: Recorder, session: requests.Session, sends: int) -> Series:
    status, answer = stack.call("PUT", f"/integrations/{INTEGRATION}", integration_body(stack, INTEGRATION))
    assert status in (200, 201), answer
    status, report = stack.call("POST", f"/integrations/{INTEGRATION}/test-connection")
    assert status == 200 and report["ok"], report
    series = Series("send")
    for number in range(-2, sends):  # two warm-up sends (the release's version, the assignee's lookup)
        reference = f"LAT-{number + 3}"
        feature = aha_feature(reference, REQUIREMENTS, release="Latency release")
        path = f"/integrations/{INTEGRATION}/features/{reference}/send"
        body = json.dumps({"feature": feature}).encode()
        with no_gc_pauses():
            with recorder.recording() as recorded:
                seconds, status, answer = call_handler(
                    stack.gateway, GatewayRequest("POST", path, _headers(), [], body, "127.0.0.1")
                )
            raw, refused = replay(recorded, session, ("LAT-", "RPL-"))
        assert status == 200, answer
        if number >= 0:
            series.handler.append(seconds)
            series.raw.append(raw)
            series.calls.append(recorded.count)
            series.refused.append(refused)
    return series


def measure_webhooks(stack: Any, recorder: Recorder, session: requests.Session, deliveries: int) -> Series:
    with sink() as url:
        token, keys = prepare(stack.call, stack.sim, 10)
        stack.sim.configure_webhook(url, SECRET)
        events = transitions(stack, keys)[: deliveries + 2]
    series = Series("webhook")
    for number, item in enumerate(events):
        headers = [
            ("Host", "api.bench.test"),
            ("Content-Type", "application/json"),
            ("X-Atlassian-Webhook-Identifier", item.identifier),
            ("X-Hub-Signature", hub_signature(SECRET, item.body)),
        ]
        request = GatewayRequest("POST", f"/webhooks/jira/{token}", headers, [], item.body, "127.0.0.1")
        with no_gc_pauses():
            with recorder.recording() as recorded:
                seconds, status, answer = call_handler(stack.gateway, request)
            raw, refused = replay(recorded, session, (item.identifier, f"replay-{uuid.uuid4().hex}"))
        assert status == 200 and answer["outcome"] == "applied", answer
        if number >= 2:  # the first two create the adapters and cache the site (a new container)
            series.handler.append(seconds)
            series.raw.append(raw)
            series.calls.append(recorded.count)
            series.refused.append(refused)
    return series


@dataclass(frozen=True)
class LatencyResult:
    send: dict[str, float]
    webhook: dict[str, float]

    @property
    def meets(self) -> bool:
        return all(
            row["ratio_p50"] <= TARGET_RATIO and row["ratio_p95"] <= TARGET_RATIO
            for row in (self.send, self.webhook)
        )


def run(sends: int = SENDS, deliveries: int = DELIVERIES) -> LatencyResult:
    with bench_stack() as stack:
        recorder = Recorder()
        recorder.attach()
        session = requests.Session()
        try:
            send = measure_sends(stack, recorder, session, sends)
            webhook = measure_webhooks(stack, recorder, session, deliveries)
        finally:
            recorder.detach()
    return LatencyResult(send.summary(), webhook.summary())


def print_result(result: LatencyResult) -> None:
    print("Handler latency (warm, in-process; moto server + Jira simulator): handler vs. its calls replayed")
    for name, row in (
        (f"send (feature + {REQUIREMENTS} requirements, first send)", result.send),
        ("webhook (status change, signed)", result.webhook),
    ):
        print(
            f"  {name}: {row['runs']:.0f} runs, {row['calls']:.0f} calls each "
            f"(replay refused {row['refused']:.0f})\n"
            f"    handler p50 {row['handler_p50_ms']:.1f} ms, p95 {row['handler_p95_ms']:.1f} ms; "
            f"calls alone p50 {row['raw_p50_ms']:.1f} ms, p95 {row['raw_p95_ms']:.1f} ms\n"
            f"    ratio p50 {row['ratio_p50']:.2f}x, p95 {row['ratio_p95']:.2f}x, per-run median "
            f"{row['ratio_median_paired']:.2f}x "
            f"(target <= {TARGET_RATIO}x); our code {row['overhead_p50_ms']:.1f} ms (median)"
        )
    print(f"  {'every ratio meets' if result.meets else 'NOT every ratio meets'} the target")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sends", type=int, default=SENDS)
    parser.add_argument("--deliveries", type=int, default=DELIVERIES)
    args = parser.parse_args(argv if argv is not None else [])
    result = run(max(args.sends, 2), max(args.deliveries, 2))
    print_result(result)
    from bench import _report  # noqa: PLC0415

    _report.record("handler_latency", result)
    for name, row in (
        (f"send of a feature with {REQUIREMENTS} requirements", result.send),
        ("status-change webhook", result.webhook),
    ):
        _report.figure(
            "Latency",
            f"{name}: handler / its AWS and Jira calls made directly (p50, p95 of {row['runs']:.0f})",
            f"{row['ratio_p50']:.2f}x, {row['ratio_p95']:.2f}x ({row['handler_p50_ms']:.0f} ms vs "
            f"{row['raw_p50_ms']:.0f} ms at p50: {row['overhead_p50_ms']:.0f} ms of our code, {row['calls']:.0f} calls)",
            f"≤ {TARGET_RATIO}x",
            row["ratio_p50"] <= TARGET_RATIO and row["ratio_p95"] <= TARGET_RATIO,
        )
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
