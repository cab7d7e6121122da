"""Changes whose webhook Jira never delivered are applied by the next sweep through the webhook's own path:
status, summary, time and deletions; once each, in order with the webhooks that do arrive."""

from __future__ import annotations

import io

from aha_jira_dev.jira_sim import SimulatorClient
from tests.integration.reconcile.conftest import Sweep, missed_lines, settle_for_repair, site_of
from tests.integration.webhooks.conftest import Deliver, Site, aha_feature


def _redeliver_dropped(site: Site, deliver: Deliver) -> list[str]:
    """Jira's late retries of the deliveries it had dropped: each one's outcome."""
    outcomes = []
    for dropped in site.sim.dropped_webhooks():
        status, answer = deliver(
            site.token, dropped["payload"], secret=site.secret, identifier=dropped["identifier"]
        )
        assert status == 200, answer
        outcomes.append(answer["outcome"])
    return outcomes


def test_a_lost_status_change_is_applied_by_the_next_sweep_once(
    site: Site, sweep: Sweep, deliver: Deliver, log_output: io.StringIO
) -> None:
    sent = site.send(aha_feature())
    key = sent["jira"]["key"]
    assert site.read("PROD-2")["jira"]["status"] is None
    site.sim.lose_webhooks(1.0)
    SimulatorClient(site.sim.base_url).engineer_transition(key, "In Progress")
    site.settle()
    assert [d["issue_key"] for d in site.sim.dropped_webhooks()] == [key]
    assert site.read("PROD-2")["jira"]["status"] is None  # the webhook never came

    settle_for_repair()
    first = site_of(sweep())
    assert first["repaired"] == 1 and first["linked_changed"] >= 1, first
    feature = site.read("PROD-2")
    assert feature["jira"]["status"] == "In Progress" and feature["status"] == "In development"
    [line] = missed_lines(log_output)
    assert line["integration_id"] == "mob" and line["reference"] == "PROD-2" and line["jira_key"] == key
    assert line["missed"] == ["status (none) → In Progress"] and line["outcome"] == "ok"

    # Nothing is applied twice: a second sweep finds the record up to date, and Jira's late retry of the
    # lost delivery is older than the repair.
    second = site_of(sweep())
    assert second["repaired"] == 0, second
    assert _redeliver_dropped(site, deliver) == ["stale"]
    assert site.read("PROD-2")["jira"]["status"] == "In Progress"
    assert len(missed_lines(log_output)) == 1

    # A later change's webhook still applies (it is newer than the repair).
    site.sim.lose_webhooks(0.0)
    SimulatorClient(site.sim.base_url).engineer_transition(key, "Done")
    site.settle()
    assert site.read("PROD-2")["status"] == "Shipped"


def test_changes_the_webhook_delivered_are_not_repaired(
    site: Site, sweep: Sweep, log_output: io.StringIO
) -> None:
    sent = site.send(aha_feature())
    client = SimulatorClient(site.sim.base_url)
    client.engineer_transition(sent["jira"]["key"], "In Progress")
    client.engineer_worklog(sent["requirements"][0]["jira"]["key"], 1800)
    site.settle()
    settle_for_repair()
    result = site_of(sweep())
    assert result["linked_changed"] == 2 and result["repaired"] == 0, result
    assert missed_lines(log_output) == []


def test_lost_worklogs_are_counted_once_even_when_jira_delivers_them_late(
    site: Site, sweep: Sweep, deliver: Deliver
) -> None:
    sent = site.send(aha_feature())
    key = sent["jira"]["key"]
    client = SimulatorClient(site.sim.base_url)
    client.engineer_transition(key, "In Progress")  # a baseline of Jira's time tracking
    site.settle()
    site.sim.lose_webhooks(0.5, seed=3, events=["worklog_created"])
    for seconds in (600, 1200, 1800, 2400):
        client.engineer_worklog(key, seconds)
    site.settle()
    dropped = site.sim.dropped_webhooks()
    assert 0 < len(dropped) < 4
    jira_spent = site.sim.core.store.time_spent(site.sim.core.store.issue(key).id)
    assert jira_spent == 6000
    assert site.read("PROD-2")["time_tracking"]["spent_seconds"] < jira_spent

    settle_for_repair()
    assert site_of(sweep())["repaired"] == 1
    assert site.read("PROD-2")["time_tracking"]["spent_seconds"] == jira_spent
    # The lost worklog events arriving after all are already in the repair's baseline.
    assert set(_redeliver_dropped(site, deliver)) <= {"applied", "stale"}
    assert site.read("PROD-2")["time_tracking"]["spent_seconds"] == jira_spent
    assert site_of(sweep())["repaired"] == 0


def test_a_deletion_whose_webhook_was_lost_detaches_the_record(
    site: Site, sweep: Sweep, deliver: Deliver, log_output: io.StringIO
) -> None:
    sent = site.send(aha_feature())
    key = sent["jira"]["key"]
    site.sim.lose_webhooks(1.0)
    SimulatorClient(site.sim.base_url).engineer_delete(key)  # its sub-task goes with it
    site.settle()
    assert site.read("PROD-2")["detached"] is False

    result = site_of(sweep())
    assert result["deleted"] == 2 and result["audited"] == 2, result
    feature = site.read("PROD-2")
    assert feature["detached"] is True and feature["requirements"][0]["detached"] is True
    lines = missed_lines(log_output)
    assert sorted(line["reference"] for line in lines) == ["PROD-2", "PROD-2-1"]
    assert all(line["missed"] == ["deleted"] for line in lines)
    assert _redeliver_dropped(site, deliver) == ["stale", "stale"]
    assert site_of(sweep())["repaired"] == 0


def test_a_change_too_fresh_to_repair_is_repaired_by_the_sweep_after(site: Site, sweep: Sweep) -> None:
    sent = site.send(aha_feature())
    site.sim.lose_webhooks(1.0)
    client = SimulatorClient(site.sim.base_url)
    client.engineer_edit(sent["jira"]["key"], {"summary": "Renamed in Jira"})
    site.settle()
    first = site_of(sweep())
    if first["repaired"] == 0:  # the sweep came within a moment of the change: it waits for the next one
        assert first["too_fresh"] == 1, first
        settle_for_repair()
        assert site_of(sweep())["repaired"] == 1
    assert site.read("PROD-2")["jira"]["summary"] == "Renamed in Jira"
    # Repaired once: the record has Jira's summary now (its roadmap name is kept without mapping.two_way).
    assert site_of(sweep())["repaired"] == 0
