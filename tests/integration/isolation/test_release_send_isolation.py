"""Tenant isolation of release sends: a release send belongs to the integration it was sent to. Another
integration's path (`/integrations/<other>/release-sends/<id>`) can neither read nor cancel it: 404, the
same answer as for an id that does not exist, and nothing of the other tenant changes. The control first:
the tenant's own path reads and cancels its own send, and the observer sees it."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.observation import record_changes
from tests.fuzz.probes import Tenant, api, encode, release_document, release_path
from tests.fuzz.wire import send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz


def start_release(world: World, tenant: Tenant, release: str) -> str:
    target = world.app.target(tenant)
    answer = send(
        target.url, api(target, "POST", release_path(target, release), encode(release_document(release, 2)))
    )
    assert answer.status == 202, answer.excerpt()
    return str(json.loads(answer.body)["release_send_id"])


def progress(
    world: World, tenant: Tenant, integration_id: str, send_id: str, method: str = "GET"
) -> tuple[int, bytes]:
    target = world.app.target(tenant)
    answer = send(target.url, api(target, method, f"/integrations/{integration_id}/release-sends/{send_id}"))
    return answer.status, answer.body


def test_a_tenants_own_path_reads_and_cancels_its_release_send(world: World) -> None:
    tenant = world.beta
    before = world.observer.records_of(tenant.markers)
    send_id = start_release(world, tenant, "BETA-R-1")
    assert record_changes(before, world.observer.records_of(tenant.markers)), (
        "the observer saw no release send"
    )
    status, body = progress(world, tenant, tenant.integration_id, send_id)
    assert status == 200 and json.loads(body)["status"] == "running"
    status, body = progress(world, tenant, tenant.integration_id, send_id, "DELETE")
    assert status == 200 and json.loads(body)["status"] == "cancelled"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("direction", ["alpha on beta", "beta on alpha"])
def test_another_integration_cannot_read_or_cancel_a_release_send(
    world: World, direction: str, method: str
) -> None:
    attacker, victim = (
        (world.alpha, world.beta) if direction == "alpha on beta" else (world.beta, world.alpha)
    )
    send_id = start_release(world, victim, f"{victim.name.upper()}-R-{method}")
    before = world.observer.records_of(victim.markers)
    status, body = progress(world, attacker, attacker.integration_id, send_id, method)
    assert status == 404, body
    assert json.loads(body)["error"]["code"] == "release_send_not_found"
    for identifier in (victim.integration_id, victim.jira_url, f"{victim.name.upper()}-R-"):
        assert identifier.encode() not in body
    assert record_changes(before, world.observer.records_of(victim.markers)) == []
    status, body = progress(world, victim, victim.integration_id, send_id)
    assert status == 200 and json.loads(body)["status"] == "running"
