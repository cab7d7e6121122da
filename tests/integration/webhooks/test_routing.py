"""One webhook URL per Jira site serves every integration on it; each event reaches only the records
linked to its issue, handled with their own integration's settings."""

from __future__ import annotations

import json

import boto3

from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import SECRET, Deliver, Site, aha_feature, reference_delivery


def test_two_integrations_on_one_site_never_touch_each_others_records(site: Site, call_api: Call) -> None:
    site.add_integration("web", statuses={"In Progress": "Building", "Done": "Live"})
    mobile = site.send(aha_feature(requirements=False))["jira"]["key"]
    web = site.send(aha_feature(requirements=False), integration="web")["jira"]["key"]
    assert mobile != web  # the same roadmap reference in two products: two issues

    SimulatorClient(site.sim.base_url).engineer_transition(web, "In Progress")
    deliveries = site.settle()
    assert all(d["status"] == 200 for d in deliveries)

    assert site.read("PROD-2", integration="web")["status"] == "Building"
    untouched = site.read("PROD-2")
    assert untouched["jira"]["status"] is None and untouched["status"] == "Ready to develop"

    SimulatorClient(site.sim.base_url).engineer_transition(mobile, "Done")
    site.settle()
    assert site.read("PROD-2")["status"] == "Shipped"
    assert site.read("PROD-2", integration="web")["status"] == "Building"


def test_a_removed_integrations_records_are_left_alone(
    site: Site, call_api: Call, aws: LocalResources
) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    site.add_integration("web")  # keeps the site, its token and its webhook alive
    assert call_api("DELETE", "/integrations/mob")[0] == 204
    SimulatorClient(site.sim.base_url).engineer_transition(key, "Done")
    deliveries = site.settle()
    assert deliveries[-1]["status"] == 200
    table = boto3.resource("dynamodb").Table(aws.table_name("IssueLinksTable"))
    item = table.get_item(Key={"pk": "INTEGRATION#mob", "sk": "RECORD#PROD-2"})["Item"]
    assert item["detached"] is True and "jira_status" not in item


def test_real_captures_are_applied_to_a_linked_issue(site: Site, deliver: Deliver) -> None:
    """Real Jira deliveries (Cloud, Data Center, old format), pointed at one of our issues, in Jira's order."""
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    outcomes = {}
    for name in (
        "webhook-issue-updated-renamed.json",  # 1550286471789
        "webhook-server-old-issue-updated-no-event-type-edited.json",  # 1550286601840, description
        "webhook-issue-updated-started-working.json",  # 1550286862039, To Do → In Progress
        "webhook-issue-updated-resolved.json",  # 1550286940507, In Progress → Done, resolution Done
        "webhook-server-issue-updated-in-progress.json",  # 1565751753680, Data Center: Reopened → In Progress
    ):
        payload = json.loads(reference_delivery(name))
        payload["issue"]["id"] = issue_id
        status, answer = deliver(site.token, json.dumps(payload).encode(), secret=SECRET)
        assert status == 200, answer
        outcomes[name] = answer["outcome"]
        if name.endswith("resolved.json"):
            resolved = site.read("PROD-2")
            assert resolved["status"] == "Shipped" and resolved["jira"]["resolution"] == "Done"
    assert set(outcomes.values()) == {"applied"}, outcomes
    feature = site.read("PROD-2")
    # Without mapping.two_way the roadmap keeps its name; Jira's summary is shown beside it.
    assert feature["name"] == "Feature with attachments"
    assert feature["jira"]["summary"] == "Unit test summary 1"
    assert feature["description"] == "<p>Unit test description, not that long, a little longer now</p>"
    assert feature["jira"]["status"] == "In Progress" and feature["status"] == "In development"
    assert feature["jira"]["resolution"] is None
    # The Data Center capture carries time tracking: 2 minutes logged, nothing remaining.
    assert feature["time_tracking"] == {"spent_seconds": 120, "remaining_seconds": 0}

    payload = json.loads(reference_delivery("webhook-issue-deleted.json"))
    payload["issue"]["id"] = issue_id
    status, answer = deliver(site.token, json.dumps(payload).encode(), secret=SECRET)
    assert (status, answer["outcome"]) == (200, "stale")  # 2019-07-03 is older than the last change
    payload["timestamp"] = 1565751753681
    status, answer = deliver(site.token, json.dumps(payload).encode(), secret=SECRET)
    assert (status, answer["outcome"]) == (200, "applied")
    assert site.read("PROD-2")["detached"] is True
