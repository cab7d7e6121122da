"""The rotating check of linked issues (a fixed number a sweep, resumed where the last one stopped) and the
hourly repair counts behind `webhook.health.missed_last_24h`."""

from __future__ import annotations

import pytest

from aha_jira import wiring
from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from bench.self_healing import age_setup
from tests.integration.reconcile.conftest import Sweep, site_of
from tests.integration.webhooks.conftest import Site, aha_feature


def test_each_sweep_checks_the_next_slice_of_linked_issues(
    site: Site, sweep: Sweep, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(2, 6):
        site.send(aha_feature(f"PROD-{number}"))  # 8 linked issues: PROD-2, PROD-2-1 ... PROD-5-1
    age_setup(site.sim)  # linked long ago: no sweep window holds them any more
    first = site_of(sweep())
    assert first["linked_changed"] == 8 and first["audited"] == 0  # all looked at through the window
    monkeypatch.setenv("RECONCILE_AUDIT_ISSUES", "4")
    site.sim.lose_webhooks(1.0)
    SimulatorClient(site.sim.base_url).engineer_delete(site.read("PROD-5")["requirements"][0]["jira"]["key"])
    site.settle()

    second = site_of(sweep())  # PROD-2 .. PROD-3-1
    assert (second["changed"], second["audited"], second["deleted"], second["audit_calls"]) == (0, 4, 0, 1)
    third = site_of(sweep())  # PROD-4 .. PROD-5-1: the deletion (then its project and the issue asked again)
    assert (third["audited"], third["deleted"], third["audit_calls"]) == (4, 1, 3), third
    assert site.read("PROD-5")["requirements"][0]["detached"] is True
    assert site.read("PROD-5")["detached"] is False
    fourth = site_of(sweep())  # from the start again, without the detached record
    assert fourth["audited"] == 4 and fourth["deleted"] == 0


def test_repairs_are_counted_by_the_hour_over_the_last_day(aws: LocalResources) -> None:
    counts = wiring.webhook_health()
    hour = 480_000  # an epoch hour

    def missed(at_hour: float) -> int:
        return counts.read([], ["mob"], now=at_hour * 3600)[1]["mob"]

    counts.add_missed("mob", 2, now=hour * 3600 + 10)
    counts.add_missed("mob", 1, now=hour * 3600 + 20)
    counts.add_missed("mob", 4, now=(hour + 1) * 3600)
    counts.add_missed("other", 5, now=hour * 3600)
    assert missed(hour + 1.5) == 7
    assert missed(hour + 23.9) == 7
    assert missed(hour + 24.2) == 4  # the first hour is more than a day ago
    counts.add_missed("mob", 1, now=(hour + 24) * 3600 + 1)  # that hour's slot, a day later: counted afresh
    assert missed(hour + 24.5) == 5
    assert counts.read([], ["mob", "other", "none"], now=(hour + 0.5) * 3600)[1] == {
        "mob": 0,  # the slot of hour + 0 counts hour + 24 now
        "other": 5,
        "none": 0,
    }
