"""The stack the roadmap benchmarks run against, in one process: the send benchmarks' stack (moto provisioned
from ``template.yaml``, the Jira simulator, the real handlers behind the local gateway's routing) seen through
the webhook's calls, with the Aha! simulator beside it and a poller of the roadmap delivery queue only.
``bench/__main__`` skips this module."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from bench._send_stack import BenchStack, bench_stack
from bench._webhook_stack import WebhookBenchStack

DELIVERY_QUEUE = "RoadmapDeliveryQueue"


@dataclass
class RoadmapBenchStack:
    base: BenchStack
    webhook: WebhookBenchStack
    aha: AhaSimulator
    poller: SqsPoller  # the roadmap delivery queue's, long-polling 1 s

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.base.call(method, path, body)

    def deliver(self, token: str, body: bytes, identifier: str) -> tuple[int, Any]:
        return self.webhook.deliver(token, body, identifier)


@contextmanager
def roadmap_bench_stack(
    secret: str, environment: Mapping[str, str] | None = None
) -> Iterator[RoadmapBenchStack]:
    with bench_stack(environment) as stack, AhaSimulator(port=0) as aha:
        sources = [s for s in stack.template.sqs_event_sources if s.queue == DELIVERY_QUEUE]
        poller = SqsPoller(
            stack.template,
            stack.resources,
            handlers=stack.poller.handlers,
            sources=sources,
            wait_time_seconds=1,
        )
        webhook = WebhookBenchStack(stack.resources, stack.sim, stack.gateway, secret)
        yield RoadmapBenchStack(stack, webhook, aha, poller)
