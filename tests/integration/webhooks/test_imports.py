"""Issues created in Jira become roadmap records: an engineer creates issues in the simulator, which fires
real `jira:issue_created` deliveries at the local gateway; the records are read back through the API and
the retry worker writes the new reference back to the Jira issue."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import boto3
import pytest

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import (
    SECRET,
    Deliver,
    Site,
    aha_feature,
    configure_site,
    reference_delivery,
)
from tests.queues import messages_handled, run_until_quiet

IMPORT_TYPES = ["Story", "Bug"]


@pytest.fixture
def importing(call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway) -> Site:
    """Integration `mob` (product MOB, project MOB) importing Stories and Bugs created in Jira."""
    return configure_site(call_api, jira_sim, gateway, import_types=IMPORT_TYPES)


@pytest.fixture
def worker(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> SqsPoller:
    return SqsPoller(repo_template, aws, handlers=handler_registry, wait_time_seconds=0)


def run_worker(worker: SqsPoller, rounds: int = 8, empty_polls: int = 1) -> int:
    """Run the retry worker until the queue is empty or gave nothing `empty_polls` times in a row (a
    postponed message comes back after its back-off); the number of messages it handled."""
    source = worker.template.sqs_event_sources[0]
    return messages_handled(run_until_quiet(worker, source, rounds=rounds, empty_polls=empty_polls))


def engineer_creates(site: Site, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The engineer creates an issue; (the created issue, the delivery of its issue_created event)."""
    before = len(site.sim.deliveries())
    created = SimulatorClient(site.sim.base_url).engineer_create(fields)
    deliveries = site.sim.wait_for_deliveries(before + 1, timeout=10)
    delivery = next(item for item in deliveries[before:] if item["event"] == "jira:issue_created")
    return created, delivery


def story(
    summary: str = "Crash when the session expires", project: str = "MOB", kind: str = "Story"
) -> dict[str, Any]:
    return {
        "project": {"key": project},
        "issuetype": {"name": kind},
        "summary": summary,
        "description": {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Seen on iOS 18."}]}],
        },
    }


def features(call_api: Call, integration: str = "mob") -> list[dict[str, Any]]:
    status, page = call_api("GET", f"/integrations/{integration}/features")
    assert status == 200, page
    return list(page["features"])


def redeliver(deliver: Deliver, site: Site, delivery: dict[str, Any], identifier: str) -> dict[str, Any]:
    status, answer = deliver(site.token, delivery["payload"], secret=SECRET, identifier=identifier)
    assert status == 200, answer
    return dict(answer)


def test_a_story_created_in_jira_becomes_a_feature_with_a_new_reference(
    importing: Site, call_api: Call, worker: SqsPoller, log_output: io.StringIO
) -> None:
    created, delivery = engineer_creates(importing, story())
    assert delivery["status"] == 200 and delivery["delivered"]

    [feature] = features(call_api)
    assert feature["reference"] == "MOB-1"
    assert feature["imported"] is True
    assert feature["name"] == "Crash when the session expires"
    assert feature["status"] == "Ready to develop"  # To Do, mapped
    assert feature["jira"]["key"] == created["key"] and feature["jira"]["status"] == "To Do"
    assert feature["description"] == "<p>Seen on iOS 18.</p>"
    status, by_key = call_api("GET", f"/integrations/mob/features?jira_key={created['key']}")
    assert status == 200 and [item["reference"] for item in by_key["features"]] == ["MOB-1"]

    # The write-back waits in the queue (a call to Jira the webhook does not wait for).
    assert "aha-jira" not in importing.sim.core.store.issues[created["id"]].properties
    assert run_worker(worker) == 1
    issue = importing.sim.core.store.issues[created["id"]]
    assert issue.properties["aha-jira"]["reference"] == "MOB-1"
    assert issue.properties["aha-jira"]["integration_id"] == "mob"
    [remote] = issue.remote_links
    assert remote["globalId"] == "aha-jira:mob:MOB-1"
    assert remote["object"]["url"].endswith("/integrations/mob/features/MOB-1")

    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    imported = [line for line in lines if line.get("action") == "jira.import"]
    assert [(line["reference"], line["jira_key"], line["outcome"]) for line in imported] == [
        ("MOB-1", created["key"], "ok")
    ]
    written = [line for line in lines if line.get("action") == "import.writeback"]
    assert [line["outcome"] for line in written] == ["ok"]


def test_a_second_delivery_of_the_same_creation_imports_nothing_more(
    importing: Site, call_api: Call, deliver: Deliver, worker: SqsPoller
) -> None:
    created, delivery = engineer_creates(importing, story())
    # Jira's own retry (same identifier), and the same event reaching us under another identifier.
    again = redeliver(deliver, importing, delivery, delivery["identifier"])
    assert again["outcome"] == "duplicate"
    other = redeliver(deliver, importing, delivery, "another-identifier")
    assert other["outcome"] == "ignored" and "already linked" in other["reason"]
    assert [item["reference"] for item in features(call_api)] == ["MOB-1"]
    # The duplicate queued the still-pending write-back again (it repairs a write-back we failed to queue);
    # the second job finds the reference written and does nothing: one remote link, one property.
    assert run_worker(worker) == 2
    issue = importing.sim.core.store.issues[created["id"]]
    assert len(issue.remote_links) == 1 and issue.properties["aha-jira"]["reference"] == "MOB-1"


def test_concurrent_deliveries_of_one_creation_import_it_once(
    importing: Site, call_api: Call, deliver: Deliver
) -> None:
    importing.sim.configure_webhook("http://127.0.0.1:9/unreachable", SECRET, retry_delays=())
    _, delivery = engineer_creates(importing, story())
    answers: dict[str, tuple[int, Any]] = {}

    def one(identifier: str) -> None:
        answers[identifier] = deliver(
            importing.token, delivery["payload"], secret=SECRET, identifier=identifier
        )

    threads = [threading.Thread(target=one, args=(f"copy-{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A delivery that lost every round of contention answers 5xx; Jira would send it again.
    for identifier, (status, _) in list(answers.items()):
        if status != 200:
            one(identifier)
    assert len(answers) == 4 and all(status == 200 for status, _ in answers.values()), answers
    outcomes = [answer["outcome"] for _, answer in answers.values()]
    assert outcomes.count("imported") == 1, outcomes
    # One record. Its number is whichever the winner drew: each delivery draws one from the counter before
    # the transaction that decides, so under contention a loser's number is left unused (a gap, never a
    # second record).
    [imported] = features(call_api)
    assert imported["reference"] in {f"MOB-{number}" for number in range(1, 5)}, imported
    assert imported["jira"]["key"] == delivery["payload"]["issue"]["key"]


def test_imported_references_never_reuse_one_the_roadmap_sent(importing: Site, call_api: Call) -> None:
    importing.send(aha_feature("MOB-7", requirements=False))
    _, first = engineer_creates(importing, story("First"))
    _, second = engineer_creates(importing, story("Second", kind="Bug"))
    references = {item["name"]: item["reference"] for item in features(call_api)}
    assert references["First"] == "MOB-8" and references["Second"] == "MOB-9"
    assert first["status"] == second["status"] == 200


def test_a_sub_task_created_under_a_sent_feature_becomes_its_requirement(
    importing: Site, call_api: Call, worker: SqsPoller
) -> None:
    sent = importing.send(aha_feature("MOB-3"))  # one requirement, MOB-3-1
    created, _ = engineer_creates(
        importing,
        {
            "project": {"key": "MOB"},
            "issuetype": {"name": "Sub-task"},
            "parent": {"key": sent["jira"]["key"]},
            "summary": "Handle the expired token",
        },
    )
    feature = importing.read("MOB-3")
    assert [item["reference"] for item in feature["requirements"]] == ["MOB-3-1", "MOB-3-2"]
    imported = feature["requirements"][1]
    assert imported["imported"] is True and imported["name"] == "Handle the expired token"
    assert imported["jira"]["key"] == created["key"]
    assert [item["reference"] for item in features(call_api)] == ["MOB-3"]  # no new feature

    # Sending the feature again from the roadmap keeps the imported requirement and reports nothing removed.
    again = importing.send(aha_feature("MOB-3"))
    assert again["removed"] == [] and again["created"] == []
    assert [item["reference"] for item in importing.read("MOB-3")["requirements"]] == ["MOB-3-1", "MOB-3-2"]
    assert run_worker(worker) == 1
    assert importing.sim.core.store.issues[created["id"]].properties["aha-jira"]["reference"] == "MOB-3-2"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (story(kind="Task"), "no integration imports a Task created in project MOB"),
        (story(project="P001"), "no integration imports a Story created in project P001"),
    ],
)
def test_issues_no_integration_imports_are_ignored_with_the_reason(
    *,
    importing: Site,
    call_api: Call,
    deliver: Deliver,
    fields: dict[str, Any],
    reason: str,
    aws: LocalResources,
) -> None:
    created, delivery = engineer_creates(importing, fields)
    assert delivery["status"] == 200
    answer = redeliver(deliver, importing, delivery, "replayed-to-read-the-answer")
    assert answer["outcome"] == "ignored" and answer["reason"].startswith(reason)
    assert features(call_api) == []
    table = aws.table_name("IssueLinksTable")
    assert boto3.client("dynamodb").scan(TableName=table)["Items"] == []
    assert created["key"]


def test_without_import_enabled_nothing_is_imported(site: Site, call_api: Call, deliver: Deliver) -> None:
    _, delivery = engineer_creates(site, story())
    answer = redeliver(deliver, site, delivery, "replayed")
    assert answer["outcome"] == "ignored" and "imports issues" in answer["reason"]
    assert features(call_api) == []


def test_an_issue_created_by_our_own_send_is_not_imported(importing: Site, call_api: Call) -> None:
    importing.send(aha_feature("MOB-2"))
    assert [item["reference"] for item in features(call_api)] == ["MOB-2"]
    deliveries = [item for item in importing.sim.deliveries() if item["event"] == "jira:issue_created"]
    assert len(deliveries) == 2 and all(item["status"] == 200 for item in deliveries)


def test_only_the_integration_of_the_issues_project_imports_it(
    importing: Site, call_api: Call, worker: SqsPoller
) -> None:
    importing.add_integration("p1", project="P001", import_types=["Story"])
    _, delivery = engineer_creates(importing, story())
    _, other = engineer_creates(importing, story("Filler work", project="P001"))
    assert delivery["status"] == other["status"] == 200
    assert [item["name"] for item in features(call_api, "mob")] == ["Crash when the session expires"]
    assert [(item["reference"], item["name"]) for item in features(call_api, "p1")] == [
        ("P001-1", "Filler work")
    ]


def test_a_write_back_jira_refuses_for_a_while_is_retried(
    importing: Site, call_api: Call, worker: SqsPoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    created, _ = engineer_creates(importing, story())
    importing.sim.add_fault(method="PUT", path=r"/properties/aha-jira$", status=503, times=1)
    assert run_worker(worker, rounds=1) == 1  # the first attempt fails and is postponed
    assert "aha-jira" not in importing.sim.core.store.issues[created["id"]].properties
    assert run_worker(worker, rounds=10, empty_polls=4) == 1
    assert importing.sim.core.store.issues[created["id"]].properties["aha-jira"]["reference"] == "MOB-1"


def test_a_change_whose_event_arrived_before_the_creation_is_caught_up_by_the_write_back(
    importing: Site, call_api: Call, deliver: Deliver, worker: SqsPoller
) -> None:
    """Jira's deliveries are unordered: the status change can arrive before the creation, when there was
    no record to apply it to. The write-back reads the issue once and brings the record up to date."""
    importing.sim.configure_webhook("http://127.0.0.1:9/unreachable", SECRET, retry_delays=())
    engineer = SimulatorClient(importing.sim.base_url)
    created = engineer.engineer_create(story())
    engineer.engineer_transition(created["key"], "In Progress")
    delivered = importing.sim.wait_for_deliveries(2, timeout=10)
    creation, started = (
        next(item for item in delivered if item["event"] == kind)
        for kind in ("jira:issue_created", "jira:issue_updated")
    )

    assert redeliver(deliver, importing, started, started["identifier"])["outcome"] == "ignored"
    assert redeliver(deliver, importing, creation, creation["identifier"])["outcome"] == "imported"
    assert importing.read("MOB-1")["status"] == "Ready to develop"  # the creation's own state
    assert run_worker(worker) == 1
    feature = importing.read("MOB-1")
    assert feature["jira"]["status"] == "In Progress" and feature["status"] == "In development"
    # The late status event itself, played again, is older than nothing it could change.
    assert redeliver(deliver, importing, started, "late-copy")["outcome"] in {"applied", "stale"}
    assert importing.read("MOB-1")["status"] == "In development"


@pytest.mark.parametrize(
    ("capture", "import_types"),
    [("webhook-issue-created.json", ["story"]), ("webhook-cloud-issue-created-many-fields.json", ["10002"])],
)
def test_real_issue_created_captures_are_imported(
    *,
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    deliver: Deliver,
    capture: str,
    import_types: list[str],
) -> None:
    """Atlassian's own captures (their project and site renamed to ours), imported by type name in another
    case, or by type id."""
    site = configure_site(call_api, jira_sim, gateway, import_types=import_types)
    payload = json.loads(reference_delivery(capture))
    payload["issue"]["fields"]["project"]["key"] = "MOB"
    status, answer = deliver(site.token, payload, secret=SECRET)
    assert status == 200 and answer["outcome"] == "imported", answer
    [record] = answer["records"]
    assert record["reference"] == "MOB-1"
    feature = site.read("MOB-1")
    fields = payload["issue"]["fields"]
    assert feature["name"] == fields["summary"] and feature["imported"] is True
    assert feature["description"] == f"<p>{fields['description']}</p>"
    assert feature["jira"]["key"] == payload["issue"]["key"] and feature["jira"]["status"] == "To Do"
    # The same capture again, as Jira's retry of it, imports nothing more.
    status, again = deliver(site.token, payload, secret=SECRET, identifier=None)
    assert status == 200 and again["outcome"] == "ignored"
    status, listed = call_api("GET", "/integrations/mob/features")
    assert [item["reference"] for item in listed["features"]] == ["MOB-1"]
