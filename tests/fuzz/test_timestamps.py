"""Times from outside cannot poison ordering: a signed delivery whose `timestamp` is 10^30 ms, or whose issue
says it was updated in the year 9999, is refused or clamped to the time we received it, so the next real event
of the issue still applies (DESIGN.md: values from Jira are checked too)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
import requests

from tests.fuzz.probes import encode, set_at, webhook
from tests.fuzz.signing import status_event
from tests.fuzz.tenants import read_feature
from tests.fuzz.wire import send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz

POISONS: dict[str, tuple[str, Any]] = {
    "timestamp 10^30": ("timestamp", 10**30),
    "fields.updated in the year 9999": ("issue.fields.updated", "9999-12-31T23:59:59.000+0000"),
}


@pytest.mark.parametrize("poison", list(POISONS))
def test_a_far_future_time_does_not_freeze_the_record(world: World, poison: str) -> None:
    target = world.target
    tenant = target.tenant
    reference = f"FAR-{list(POISONS).index(poison) + 1}"
    sent = requests.post(
        f"{target.url}/integrations/{tenant.integration_id}/features/{reference}/send",
        json={"feature": {"reference_num": reference, "name": f"Ordering {poison}", "requirements": []}},
        headers={"x-api-key": target.api_key},
        timeout=60,
    )
    assert sent.status_code == 200, sent.text
    issue = sent.json()["jira"]

    def event(status: str, changelog_id: int) -> dict[str, Any]:
        return status_event(
            site_url=tenant.jira_url,
            issue_id=str(issue["id"]),
            issue_key=issue["key"],
            status=status,
            changelog_id=changelog_id,
        )

    key, value = POISONS[poison]
    poisoned = send(
        target.url, webhook(target, f"poison {poison}", encode(set_at(event("Done", 1), key, value)))
    )
    assert poisoned.status < 500, poisoned.excerpt()
    time.sleep(0.01)
    real = send(target.url, webhook(target, f"real after {poison}", encode(event("In Progress", 2))))
    assert real.status == 200, real.excerpt()
    feature = read_feature(world.app, replace(tenant, reference=reference))
    assert feature["jira"]["status"] == "In Progress", (real.excerpt(), feature)
    assert feature["status"] == "In development"
