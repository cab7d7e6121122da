"""An issue deleted in Jira: its record is kept and detached (the webhook), and the next send from the
roadmap creates the issue again instead of failing on an issue that no longer exists."""

from __future__ import annotations

from aha_jira_dev.jira_sim import SimulatorClient
from tests.integration.webhooks.conftest import Site, aha_feature


def test_a_send_after_the_issue_was_deleted_in_jira_creates_it_again(site: Site) -> None:
    first = site.send(aha_feature())
    old_key, old_requirement = first["jira"]["key"], first["requirements"][0]["jira"]["key"]
    SimulatorClient(site.sim.base_url).engineer_delete(old_key)  # its sub-task goes with it
    site.settle()
    assert site.read("PROD-2")["detached"] is True

    again = site.send(aha_feature())
    assert again["created"] == ["PROD-2", "PROD-2-1"] and again["updated"] == []
    assert again["jira"]["key"] != old_key and again["requirements"][0]["jira"]["key"] != old_requirement
    store = site.sim.core.store
    live = {issue.key for issue in store.issues.values()}
    assert again["jira"]["key"] in live and old_key not in live
    feature = site.read("PROD-2")
    assert feature["detached"] is False and feature["jira"]["key"] == again["jira"]["key"]
    assert feature["requirements"][0]["detached"] is False

    # Status changes of the new issue come back; the record is linked to it and only to it.
    SimulatorClient(site.sim.base_url).engineer_transition(again["jira"]["key"], "In Progress")
    site.settle()
    assert site.read("PROD-2")["status"] == "In development"
    # And a third send is an ordinary re-send: nothing changed, nothing written.
    third = site.send(aha_feature())
    assert third["unchanged"] == ["PROD-2", "PROD-2-1"] and third["created"] == []
