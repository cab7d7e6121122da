"""The outbox: events commit with their change or not at all, ids increase per integration in commit order
across containers, the change feed pages them, and an integration without a roadmap connector keeps them for
its feed only."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from aha_jira.models import roadmap_event
from aha_jira.storage.issue_links import DynamoIssueLinkRepository
from aha_jira.storage.roadmap_outbox import RoadmapOutbox
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.roadmap.conftest import DELIVERY_QUEUE, events, queue_depth, record_link, status_event


@pytest.fixture
def plain(call_api: Call, jira_sim: JiraSimulator) -> None:
    """Integration `mob` without a roadmap connector (`roadmap.type` none)."""
    assert call_api("PUT", "/integrations/mob", integration_body(jira_sim, product="PROD"))[0] == 201


def test_two_containers_write_increasing_ids_without_a_gap(
    plain: None, call_api: Call, aws: LocalResources
) -> None:
    # Each container remembers the last id it saw; a stale one learns the counter from its failed condition.
    containers = [RoadmapOutbox(), RoadmapOutbox()]
    written: list[int] = []
    for turn in range(6):
        outcome = containers[turn % 2].commit([], [status_event(f"PROD-{turn}", "Shipped", "Done")])
        assert outcome.committed
        written += [ref.event_id for ref in outcome.events]
    assert written == [1, 2, 3, 4, 5, 6]
    assert [event["id"] for event in events(call_api, limit=4)] == written


def test_an_event_is_never_written_without_its_change(plain: None, call_api: Call) -> None:
    links = DynamoIssueLinkRepository()
    link = record_link("PROD-1")
    # No such record is reserved: the link's condition fails, so neither the link nor its event is written.
    assert not links.mark_linked(link, [roadmap_event.linked(link, deliver=False)])
    assert events(call_api) == []
    # The next event still takes the first id: a refused change takes none.
    RoadmapOutbox().commit([], [status_event("PROD-1", "Shipped", "Done")])
    assert [event["id"] for event in events(call_api)] == [1]


def test_the_feed_pages_oldest_first(plain: None, call_api: Call) -> None:
    outbox = RoadmapOutbox()
    for number in range(5):
        outbox.commit([], [status_event(f"PROD-{number}", "Shipped", "Done")])
    status, page = call_api("GET", "/integrations/mob/events", query=[("limit", "2")])
    assert status == 200 and [e["id"] for e in page["events"]] == [1, 2] and page["next"] == 2
    status, page = call_api("GET", "/integrations/mob/events", query=[("after", "2"), ("limit", "3")])
    assert [e["id"] for e in page["events"]] == [3, 4, 5] and page["next"] is None
    status, page = call_api("GET", "/integrations/mob/events", query=[("after", "5")])
    assert page == {"events": [], "next": None}
    event = events(call_api)[0]
    assert set(event) == {"id", "type", "occurred_at", "integration_id", "reference", "kind", "data"}
    assert event["data"] == {"status": "Shipped", "jira_status": "Done"}


@pytest.mark.parametrize(
    "query",
    [[("after", "-1")], [("after", "x")], [("after", "1e3")], [("limit", "0")], [("limit", "101")]],
)
def test_bad_paging_is_400_and_an_unknown_integration_404(plain: None, call_api: Call, query: Any) -> None:
    status, answer = call_api("GET", "/integrations/mob/events", query=query)
    assert status == 400, answer
    assert call_api("GET", "/integrations/nobody/events")[0] == 404


def test_without_a_connector_events_are_for_the_feed_only(
    plain: None, call_api: Call, aws: LocalResources
) -> None:
    link = record_link("PROD-4")
    RoadmapOutbox().commit([], [roadmap_event.linked(link, deliver=False)])
    assert queue_depth(aws, DELIVERY_QUEUE) == 0
    items = boto3.client("dynamodb").scan(TableName=aws.table_name("RoadmapEventsTable"))["Items"]
    [event] = [item for item in items if item["sk"]["S"].startswith("EVENT#")]
    assert event["delivery"]["S"] == "feed_only" and "expires_at" in event and "sweep_pk" not in event
    assert [e["type"] for e in events(call_api)] == ["record.linked"]


def test_removing_an_integration_writes_each_records_detachment(
    plain: None, call_api: Call, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    dynamodb = boto3.client("dynamodb")
    for reference in ("PROD-1", "PROD-1-1"):
        link = record_link(reference, kind="requirement" if reference.count("-") > 1 else "feature")
        item: dict[str, Any] = {
            "pk": {"S": "INTEGRATION#mob"},
            "sk": {"S": f"RECORD#{reference}"},
            "integration_id": {"S": "mob"},
            "reference": {"S": reference},
            "kind": {"S": link.kind},
            "feature_reference": {"S": link.feature_reference},
            "state": {"S": "linked"},
            "token": {"S": "t"},
            "issue_key": {"S": "MOB-1"},
        }
        dynamodb.put_item(TableName=aws.table_name("IssueLinksTable"), Item=item)
    assert call_api("DELETE", "/integrations/mob")[0] == 204
    # The events stay for an integration of the same id (its records are kept, detached too).
    assert call_api("PUT", "/integrations/mob", integration_body(jira_sim, product="PROD"))[0] == 201
    detached = events(call_api)
    assert sorted(e["reference"] for e in detached) == ["PROD-1", "PROD-1-1"]
    assert {e["type"] for e in detached} == {"record.detached"}
    assert {e["data"]["reason"] for e in detached} == {"integration_removed"}


def test_an_integrations_feed_holds_only_its_own_events(
    plain: None, call_api: Call, jira_sim: JiraSimulator
) -> None:
    body = integration_body(jira_sim, product="OTHER", name="Other")
    assert call_api("PUT", "/integrations/other", body)[0] == 201
    other = record_link("OTHER-1").model_copy(update={"integration_id": "other"})
    outbox = RoadmapOutbox()
    outbox.commit([], [status_event("PROD-1", "Shipped", "Done")])
    outbox.commit([], [roadmap_event.linked(other, deliver=False)])
    assert [(e["integration_id"], e["reference"], e["id"]) for e in events(call_api)] == [
        ("mob", "PROD-1", 1)
    ]
    assert [(e["integration_id"], e["reference"], e["id"]) for e in events(call_api, "other")] == [
        ("other", "OTHER-1", 1)
    ]


def test_many_containers_at_once_all_commit_with_distinct_increasing_ids(
    plain: None, call_api: Call, aws: LocalResources
) -> None:
    # A release's workers link issues of one integration at once: each commit that loses the counter to
    # another writer backs off and tries again, rather than giving up after Jira created the issue.
    writers, commits = 12, 5
    written: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(number: int) -> None:
        outbox = RoadmapOutbox()  # a container of its own
        for turn in range(commits):
            try:
                outcome = outbox.commit([], [status_event(f"PROD-{number}-{turn}", "Shipped", "Done")])
            except Exception as error:
                with lock:
                    failures.append(error)
                return
            with lock:
                written.extend(ref.event_id for ref in outcome.events)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(written) == list(range(1, writers * commits + 1))
