"""Tenant isolation on Aha!'s webhook: each tenant has an Aha! integration (`auto_update`) with one feature
linked through it (alpha PROD-1, beta PROD-2). One tenant's roadmap token sends only its own integration's
features: a change of the other's feature, delivered to it, queues nothing naming the other integration
(`tests/fuzz/tenants.py` has the attempts that also check no item of the other changed)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.fuzz.tenants import aha_audit, aha_change, aha_delivery
from tests.fuzz.wire import send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz


def queued_jobs() -> list[dict[str, Any]]:
    """Every message waiting in the retry queue (read without taking it: visibility 0)."""
    sqs = boto3.client("sqs")
    url = next(url for url in sqs.list_queues()["QueueUrls"] if url.endswith("RetryQueue"))
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(5):
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        for message in answer.get("Messages", []):
            seen[message["MessageId"]] = json.loads(message["Body"])
    return list(seen.values())


def sends_of(integration_id: str) -> list[dict[str, Any]]:
    return [job for job in queued_jobs() if job.get("integration_id") == integration_id]


def test_a_tenants_own_roadmap_token_queues_a_send_of_its_own_feature(world: World) -> None:
    """The control: the owner's token and its own feature's change queue its send."""
    tenant = world.beta
    before = len(sends_of(tenant.roadmap_integration_id))
    answer = send(world.app.url, aha_delivery(tenant.roadmap_token, aha_change(tenant, "Own change")))
    assert answer.status == 200, answer.excerpt()
    assert json.loads(answer.body)["outcome"] == "queued"
    assert len(sends_of(tenant.roadmap_integration_id)) == before + 1


@pytest.mark.parametrize("direction", ["alpha on beta", "beta on alpha"])
@pytest.mark.parametrize("kind", ["integration event", "audit"])
def test_a_roadmap_token_cannot_queue_a_send_of_another_tenants_feature(
    world: World, direction: str, kind: str
) -> None:
    attacker, victim = (
        (world.alpha, world.beta) if direction == "alpha on beta" else (world.beta, world.alpha)
    )
    before = len(sends_of(victim.roadmap_integration_id))
    document = aha_change(victim) if kind == "integration event" else aha_audit(victim)
    answer = send(world.app.url, aha_delivery(attacker.roadmap_token, document))
    assert answer.status == 200, answer.excerpt()
    assert json.loads(answer.body)["outcome"] == "ignored"
    assert len(sends_of(victim.roadmap_integration_id)) == before
    assert victim.roadmap_token not in answer.body.decode()
