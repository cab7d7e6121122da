"""The real Jira captures (Cloud, Data Center, old format) replayed at a linked issue, each after our send
(its time moved to now, in Jira's order): without `mapping.two_way` none renames the roadmap record, whatever
summary it carries (Jira's is shown as `jira.summary`); with `two_way: ["name"]` the same deliveries do."""

from __future__ import annotations

import json
import time
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import (
    SECRET,
    Deliver,
    Site,
    aha_feature,
    configure_site,
    reference_deliveries,
    reference_delivery,
)

# Issue events about an existing issue (a creation is an import, a comment no issue change).
REPLAYED = ("jira:issue_updated", "jira:issue_deleted")


def replay_captures(site: Site, deliver: Deliver, issue_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Each issue-event capture pointed at `issue_id`, newer than the send and than the one before; per
    capture its summary, the answer and the record read back after it."""
    seen: list[tuple[str, str, dict[str, Any]]] = []
    captures = [json.loads(reference_delivery(name)) for name in reference_deliveries()]
    captures = sorted(
        (payload for payload in captures if payload.get("webhookEvent") in REPLAYED),
        key=lambda payload: (payload["webhookEvent"] == "jira:issue_deleted", payload["timestamp"]),
    )
    start = int(time.time() * 1000) + 1000
    for index, payload in enumerate(captures):
        payload["issue"]["id"] = issue_id
        payload["timestamp"] = start + index
        status, answer = deliver(site.token, json.dumps(payload).encode(), secret=SECRET)
        assert status == 200, answer
        seen.append((payload["issue"]["fields"]["summary"], answer["outcome"], site.read("PROD-2")))
    return seen


def test_no_real_capture_renames_the_record_without_two_way(site: Site, deliver: Deliver) -> None:
    sent = site.send(aha_feature(requirements=False))
    name = site.read("PROD-2")["name"]
    replayed = replay_captures(site, deliver, sent["jira"]["id"])
    assert len(replayed) == 13  # every issue update and deletion captured, each carrying a summary
    assert {outcome for _, outcome, _ in replayed} == {"applied"}
    for summary, _, record in replayed:
        assert record["name"] == name
        assert record["jira"]["summary"] == summary


def test_with_two_way_name_the_same_captures_rename_it(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway, deliver: Deliver
) -> None:
    site = configure_site(call_api, jira_sim, gateway, two_way=["name"])
    sent = site.send(aha_feature(requirements=False))
    replayed = replay_captures(site, deliver, sent["jira"]["id"])
    for summary, _, record in replayed[:-1]:
        assert record["name"] == summary == record["jira"]["summary"]
    # The deletion's summary ("hey") is the deleted issue's: the record is detached and keeps its name.
    summary, _, record = replayed[-1]
    assert record["detached"] is True and record["jira"]["summary"] == summary
    assert record["name"] == replayed[-2][2]["name"]
    expected: list[str] = []
    current = "Feature with attachments"
    for summary, _, _ in replayed[:-1]:
        if summary != current:
            expected.append(summary)
            current = summary
    status, feed = call_api("GET", "/integrations/mob/events")
    assert status == 200
    renames = [event["data"]["name"] for event in feed["events"] if event["type"] == "record.renamed"]
    assert renames == expected and len(renames) >= 2  # one event per change of name, none for the same
