"""Jira comments on a linked issue reach Aha! (issue 17 "Comments both ways", Jira -> roadmap): the Jira
simulator fires its comment webhooks at the local gateway, the webhook writes `record.commented` (and its
edit and delete) in the delivery's transaction, and the delivery worker carries each to the Aha! simulator
once, in order, with its Jira author named."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

from aha_jira.models import roadmap_event
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.aha import AhaApi
from tests.fixtures.api import Call
from tests.fixtures.roadmap import RECEIVER_SECRET, RoadmapReceiver
from tests.integration.roadmap.conftest import AhaSite, drain, emit, events, record_link, roadmap_poller
from tests.integration.roadmap.test_smoke_flow import aha_feature_body
from tests.integration.webhooks.conftest import Deliver, deliver, reference_delivery  # noqa: F401 - `deliver` is a fixture


def adf(text: str, *, bold: str | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if bold:
        content.append({"type": "text", "text": bold, "marks": [{"type": "strong"}]})
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": content}]}


def aha_comments(site: AhaSite, reference: str) -> list[dict[str, Any]]:
    assert site.aha is not None
    found = site.aha.feature(reference)["comments"]
    return [comment for comment in found if not comment.get("deleted")]


def own_comments(site: AhaSite, reference: str) -> list[dict[str, Any]]:
    """The comments the integration posted (the seed has one of the product manager's on PROD-1)."""
    return [c for c in aha_comments(site, reference) if "focusedCommentId=" in (c.get("body") or "")]


def linked(site: AhaSite, aha_api: AhaApi, reference: str = "PROD-2") -> str:
    sent = site.send(aha_feature_body(aha_api, reference))
    site.deliver()
    return str(sent["jira"]["key"])


def test_a_jira_comment_its_edit_and_its_deletion_reach_aha_once_each(
    aha_site: AhaSite, aha_api: AhaApi
) -> None:
    key = linked(aha_site, aha_api)
    engineer = SimulatorClient(aha_site.sim.base_url)
    comment = engineer.engineer_comment(key, adf("Blocked on the ", bold="login API"))
    aha_site.settle()
    feed = [e for e in events(aha_site.call_api) if e["type"].startswith("record.comment")]
    assert [e["type"] for e in feed] == ["record.commented"]
    data = feed[0]["data"]
    assert data["comment"]["id"] == str(comment["id"])
    assert data["comment"]["author"]["name"] == "Erin Engineer"
    assert "<strong>login API</strong>" in data["comment"]["body"]
    assert data["jira"]["key"] == key

    calls_before = len(aha_site.aha.calls) if aha_site.aha else 0
    aha_site.deliver()
    [posted] = own_comments(aha_site, "PROD-2")
    assert posted["body"].startswith("<p><b>Erin Engineer</b> (<a href=")
    assert f"Jira {key}</a>" in posted["body"]
    assert "<strong>login API</strong>" in posted["body"]
    assert aha_site.aha is not None
    comment_calls = [c for c in aha_site.aha.calls[calls_before:] if "comments" in c["path"]]
    assert [(c["method"], c["status"]) for c in comment_calls] == [("POST", 200)]  # one call per comment

    # The Aha! copy is the integration's own comment: carried back by its id, it is an echo (no Jira call).
    jira_calls = len(aha_site.sim.calls)
    status, echo = aha_site.call_api(
        "POST", "/integrations/mob/features/PROD-2/comments", {"id": posted["id"], "body": posted["body"]}
    )
    assert (status, echo["outcome"]) == (200, "echo"), echo
    assert [c for c in aha_site.sim.calls[jira_calls:] if "/comment" in c["path"]] == []

    engineer.engineer_edit_comment(key, str(comment["id"]), adf("Unblocked"))
    aha_site.settle()
    aha_site.deliver()
    [edited] = own_comments(aha_site, "PROD-2")
    assert edited["id"] == posted["id"]
    assert "Unblocked" in edited["body"] and "login API" not in edited["body"]

    engineer.engineer_delete_comment(key, str(comment["id"]))
    aha_site.settle()
    aha_site.deliver()
    assert own_comments(aha_site, "PROD-2") == []
    types = [e["type"] for e in events(aha_site.call_api) if e["type"].startswith("record.comment")]
    assert types == ["record.commented", "record.comment_updated", "record.comment_deleted"]


def test_a_comment_the_integration_wrote_in_jira_is_an_echo(
    aha_site: AhaSite,
    aha_api: AhaApi,
    deliver: Deliver,  # noqa: F811 - the fixture imported above
) -> None:
    key = linked(aha_site, aha_api)
    SimulatorClient(aha_site.sim.base_url).engineer_comment(key, adf("ours"), user="bot@acme.example")
    [fired] = [d for d in aha_site.settle() if d["event"] == "comment_created"]
    assert fired["status"] == 200
    # The same delivery again, under a new identifier: the receiver's answer names it.
    status, answer = deliver(aha_site.token, fired["payload"], secret=aha_site.secret)
    assert status == 200 and answer["outcome"] == "echo", answer
    assert not [e for e in events(aha_site.call_api) if e["type"].startswith("record.comment")]


def test_duplicated_and_reordered_deliveries_leave_one_comment_with_the_newest_body(
    aha_site: AhaSite,
    aha_api: AhaApi,
    deliver: Deliver,  # noqa: F811 - the fixture imported above
) -> None:
    """The real Cloud capture, addressed to the linked issue: created after its own edit, each twice."""
    key = linked(aha_site, aha_api)
    issue = SimulatorClient(aha_site.sim.base_url).issue(key)
    created = json.loads(reference_delivery("webhook-cloud-comment-created.json"))
    created["issue"]["id"], created["issue"]["key"] = issue["id"], key
    edited = copy.deepcopy(created)
    edited["webhookEvent"] = "comment_updated"
    edited["comment"]["body"] = "Edited *later*"
    edited["comment"]["updated"] = "2019-02-15T19:20:00.000-0800"
    for body, identifier in ((edited, "e1"), (edited, "e1"), (created, "c1"), (created, "c1")):
        status, answer = deliver(aha_site.token, body, secret=aha_site.secret, identifier=identifier)
        assert status == 200, answer
    aha_site.deliver()
    [posted] = own_comments(aha_site, "PROD-2")
    assert "<b>Test User</b>" in posted["body"]
    assert "<strong>later</strong>" in posted["body"] and "Added a comment" not in posted["body"]


def test_a_post_whose_answer_was_lost_is_found_not_posted_again(aha_site: AhaSite, aha_api: AhaApi) -> None:
    key = linked(aha_site, aha_api)
    assert aha_site.aha is not None
    aha_site.aha.add_fault(method="POST", path=r"/features/PROD-2/comments$", drop_after_commit=True)
    SimulatorClient(aha_site.sim.base_url).engineer_comment(key, adf("once"))
    aha_site.settle()
    aha_site.deliver(rounds=60)
    assert len(own_comments(aha_site, "PROD-2")) == 1
    statuses = [c["delivery"]["S"] for c in _event_items() if c["type"]["S"] == "record.commented"]
    assert statuses == ["delivered"]


def test_a_comment_on_an_unlinked_issue_writes_nothing(
    aha_site: AhaSite,
    deliver: Deliver,  # noqa: F811 - the fixture imported above
) -> None:
    status, answer = deliver(
        aha_site.token, reference_delivery("webhook-cloud-comment-created.json"), secret=aha_site.secret
    )
    assert status == 200 and answer["outcome"] == "ignored", answer
    assert not events(aha_site.call_api)


def test_a_comment_event_without_its_comment_is_refused(
    aha_site: AhaSite,
    deliver: Deliver,  # noqa: F811 - the fixture imported above
) -> None:
    body = json.loads(reference_delivery("webhook-cloud-comment-created.json"))
    del body["comment"]
    status, answer = deliver(aha_site.token, body, secret=aha_site.secret)
    assert status == 400 and answer["error"]["code"] == "not_a_jira_event", answer
    assert not events(aha_site.call_api)


def _event_items() -> list[dict[str, Any]]:
    table = next(
        name for name in boto3.client("dynamodb").list_tables()["TableNames"] if "RoadmapEvents" in name
    )
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [item for item in items if item["sk"]["S"].startswith("EVENT#")]


def test_the_webhook_connector_gets_the_comment_event_as_json(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    roadmap_receiver: RoadmapReceiver,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> None:
    body = integration_body(jira_sim, product="PROD")
    body["roadmap"] = {"type": "webhook", "url": roadmap_receiver.url, "secret": RECEIVER_SECRET}
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    link = record_link("PROD-9", key="MOB-9")
    comment = {
        "id": "10019",
        "body": "<p>hi</p>",
        "author": {"name": "Jane Doe", "account_id": "a-1"},
        "version": 1,
    }
    [event_id] = emit(roadmap_event.commented(link, roadmap_event.COMMENTED, comment, deliver=True))
    drain(roadmap_poller(repo_template, aws, handler_registry))
    [received] = [json.loads(r["body"]) for r in roadmap_receiver.received if r["verified"]]
    assert received["id"] == event_id and received["type"] == "record.commented"
    assert received["data"]["comment"] == comment and received["data"]["jira"]["key"] == "MOB-9"
