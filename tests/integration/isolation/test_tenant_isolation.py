"""Tenant isolation: two integrations on two Jira sites (tenants alpha and beta), each with a webhook secret
and our Connect app installed. For each webhook kind (the admin webhook's token and HMAC, the Connect JWT, the
Connect lifecycle callbacks and configure page), a caller holding one tenant's credentials tries to read or
change the other's records (`tests/fuzz/tenants.py` lists the attempts); nothing of the other tenant may change
(its items, secrets and Jira calls) and no answer may show its identifiers or secrets.

The management routes are not tenant-scoped, by design: one API key opens the whole management API (API
Gateway's key, DESIGN.md), so there the boundary is the key itself (`tests/fuzz` checks every route refuses a
missing or wrong key). Isolation is between the webhook and Connect callers, who each hold one site's secrets.

The first tests are the controls: each tenant's own credentials do change its own records, and the observer
sees it, so an attempt that changes nothing has been refused, not missed."""

from __future__ import annotations

import pytest

from tests.fuzz.observation import record_changes
from tests.fuzz.probes import Tenant
from tests.fuzz.tenants import (
    Attack,
    admin_webhook,
    connect_webhook,
    isolation_attacks,
    read_feature,
    run_attack,
    status_change,
)
from tests.fuzz.wire import send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz

DIRECTIONS = ("alpha on beta", "beta on alpha")
ATTEMPTS = [(direction, attack) for direction in DIRECTIONS for attack in isolation_attacks()]


def tenants(world: World, direction: str) -> tuple[Tenant, Tenant]:
    return (world.alpha, world.beta) if direction == "alpha on beta" else (world.beta, world.alpha)


def test_the_markers_name_only_their_tenants_records(world: World) -> None:
    """Each tenant's markers find its own records and none of the other's (first: before any attempt)."""
    alpha = world.observer.records_of(world.alpha.markers)
    beta = world.observer.records_of(world.beta.markers)
    assert alpha and beta
    assert not set(alpha) & set(beta), sorted(set(alpha) & set(beta))
    # Both sites numbered their first issue alike: an attempt naming the other's issue id names one of its own.
    assert world.alpha.issue_id == world.beta.issue_id


def test_a_tenants_own_admin_webhook_changes_its_own_records(world: World) -> None:
    tenant = world.beta
    before = world.observer.records_of(tenant.markers)
    answer = send(world.app.url, admin_webhook(tenant, status_change(tenant, issue_of=tenant, status="Done")))
    assert answer.status == 200, answer.excerpt()
    assert record_changes(before, world.observer.records_of(tenant.markers)), "the observer saw no change"
    assert read_feature(world.app, tenant)["jira"]["status"] == "Done"


def test_a_tenants_own_connect_webhook_is_accepted_and_reaches_only_connect_integrations(
    world: World,
) -> None:
    """The control for the Connect attempts below: the tenant's own installation signs a webhook we accept
    (so a refused attempt is refused for its credentials, not for its shape). Its integration authenticates
    to Jira with an API token, and a Connect webhook reaches only the integrations that chose its
    installation (`jira.auth.client_key`), so the record keeps its status; records of Connect integrations
    changing through their own installation are tests/integration/connect/test_tenant_isolation.py's."""
    tenant = world.beta
    status_before = read_feature(world.app, tenant)["jira"]["status"]
    document = status_change(tenant, issue_of=tenant, status="In Review")
    answer = send(
        world.app.url, connect_webhook(tenant.connect_client_key, tenant.connect_shared_secret, document)
    )
    assert answer.status == 200, answer.excerpt()
    assert read_feature(world.app, tenant)["jira"]["status"] == status_before


@pytest.mark.parametrize(
    ("direction", "attack"),
    ATTEMPTS,
    ids=[f"{direction}: {attack.kind}: {attack.name}" for direction, attack in ATTEMPTS],
)
def test_a_tenant_cannot_read_or_change_another_tenants_records(
    world: World, direction: str, attack: Attack
) -> None:
    attacker, victim = tenants(world, direction)
    result = run_attack(world.app, attack, attacker, victim, world.observer)
    assert not result.breaches and not result.problems, (result.statuses, result.breaches, result.problems)
