"""Jira Software's sprint and rank of a linked issue, from the simulator's webhooks (Sprint and Rank
changelog items, as Jira Cloud sends them), in the feature read-back as `jira.sprint` and `jira.rank`."""

from __future__ import annotations

from aha_jira_dev.jira_sim import SimulatorClient
from tests.integration.webhooks.conftest import Site, aha_feature


def test_sprint_moves_and_ranking_show_in_the_read_back(site: Site) -> None:
    feature = aha_feature()
    feature["description"]["attachments"] = []
    feature["requirements"][0]["description"]["attachments"] = []
    sent = site.send(feature)
    key = sent["jira"]["key"]
    other = site.send({**aha_feature("PROD-3", requirements=False), "description": {"body": ""}})["jira"][
        "key"
    ]
    engineer = SimulatorClient(site.sim.base_url)
    before = site.read("PROD-2")["jira"]
    assert before["sprint"] is None

    engineer.engineer_move_to_sprint(key, 2)
    site.settle()
    jira = site.read("PROD-2")["jira"]
    assert jira["sprint"] == {"id": "2", "name": "MOB Sprint 2", "state": "active"}
    assert jira["rank"] and jira["rank"].startswith("0|")

    first_rank = jira["rank"]
    engineer.engineer_rank(key, after=other)
    site.settle()
    jira = site.read("PROD-2")["jira"]
    assert jira["rank"] != first_rank
    assert jira["rank"] == engineer.issue(key)["fields"]["customfield_10019"]
    assert jira["rank"] > engineer.issue(other)["fields"]["customfield_10019"]  # ranked after it

    engineer.engineer_move_to_sprint(key, 3)
    site.settle()
    assert site.read("PROD-2")["jira"]["sprint"] == {"id": "3", "name": "MOB Sprint 3", "state": "future"}

    engineer.engineer_move_to_sprint(key, None)
    site.settle()
    assert site.read("PROD-2")["jira"]["sprint"] is None
