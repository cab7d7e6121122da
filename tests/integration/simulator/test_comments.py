"""Comments: REST v3 (ADF) and v2 (wiki), comment entity properties, permissions, and the webhooks Jira fires
for them (``comment_*`` in the shape of the real capture, plus ``jira:issue_updated`` with the comment)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.fixtures.jira import WebhookReceiver

from .helpers import Api, adf, assert_matches_openapi, reference, story


def new_issue(api: Api, summary: str = "Commented") -> str:
    key: str = api.post("issue", json=story(summary)).json()["key"]
    return key


def events(receiver: WebhookReceiver, count: int) -> list[dict[str, Any]]:
    return [r.json() for r in receiver.wait_for(count)]


def test_add_get_and_list_comments_in_adf_and_wiki(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    created = api.post(f"issue/{key}/comment", json={"body": adf("Looks *good*")})
    assert created.status_code == 201, created.text
    assert_matches_openapi(created)
    comment = created.json()
    assert comment["body"] == adf("Looks *good*")
    assert comment["author"]["accountId"] == jira_sim.bot_account_id  # the API caller is the author
    assert comment["updateAuthor"]["accountId"] == jira_sim.bot_account_id
    assert comment["self"].endswith(
        f"/rest/api/3/issue/{jira_sim.core.store.issue(key).id}/comment/{comment['id']}"
    )  # type: ignore[union-attr]
    got = api.get(f"issue/{key}/comment/{comment['id']}")
    assert_matches_openapi(got)
    assert got.json()["id"] == comment["id"]
    listed = api.get(f"issue/{key}/comment")
    assert_matches_openapi(listed)
    assert (listed.json()["total"], [c["id"] for c in listed.json()["comments"]]) == (1, [comment["id"]])
    v2 = Api(jira_sim, version=2)
    assert v2.get(f"issue/{key}/comment/{comment['id']}").json()["body"] == "Looks *good*"
    wiki = v2.post(f"issue/{key}/comment", json={"body": "From *v2*"})
    assert wiki.status_code == 201
    assert api.get(f"issue/{key}/comment/{wiki.json()['id']}").json()["body"]["type"] == "doc"
    field = api.get(f"issue/{key}", params={"fields": "comment"}).json()["fields"]["comment"]
    assert [c["id"] for c in field["comments"]] == [comment["id"], wiki.json()["id"]]
    newest_first = api.get(f"issue/{key}/comment", params={"orderBy": "-created"}).json()["comments"]
    assert [c["id"] for c in newest_first] == [wiki.json()["id"], comment["id"]]


def test_update_and_delete_a_comment(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    comment_id = api.post(f"issue/{key}/comment", json={"body": adf("first")}).json()["id"]
    updated = api.put(f"issue/{key}/comment/{comment_id}", json={"body": adf("second")})
    assert updated.status_code == 200
    assert_matches_openapi(updated)
    assert updated.json()["body"] == adf("second")
    assert api.delete(f"issue/{key}/comment/{comment_id}").status_code == 204
    missing = api.get(f"issue/{key}/comment/{comment_id}")
    assert missing.status_code == 404
    assert api.get(f"issue/{key}/comment").json()["total"] == 0


@pytest.mark.parametrize(
    ("version", "body", "message"),
    [
        (3, "a wiki string on v3", "Atlassian Document"),
        (3, None, "Comment body can not be empty!"),
        (3, {"type": "doc", "version": 1, "content": []}, "Comment body can not be empty!"),
        (3, adf("x" * 32768), "exceeds the allowed limit of 32,767 characters"),
        (2, adf("ADF on v2"), "must be a string"),
        (2, "   ", "Comment body can not be empty!"),
    ],
)
def test_bad_bodies_are_refused_like_jira(
    jira_sim: JiraSimulator, version: int, body: Any, message: str
) -> None:
    api = Api(jira_sim, version=version)
    key = new_issue(api)
    resp = api.post(f"issue/{key}/comment", json={"body": body})
    assert resp.status_code == 400
    assert message in resp.json()["errors"]["comment"]
    assert jira_sim.core.store.comments == {}


def test_comments_of_unknown_issues_and_comments_are_404(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    assert api.post("issue/MOB-999/comment", json={"body": adf("x")}).status_code == 404
    assert api.get(f"issue/{key}/comment/424242").status_code == 404
    other = new_issue(api, "other")
    comment_id = api.post(f"issue/{other}/comment", json={"body": adf("x")}).json()["id"]
    assert api.get(f"issue/{key}/comment/{comment_id}").status_code == 404  # not a comment of this issue


def test_comment_properties_stamp_what_an_integration_wrote(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    stamp = {"key": "aha.comment", "value": {"aha_id": "c-1"}}
    created = api.post(
        f"issue/{key}/comment",
        params={"expand": "properties"},
        json={"body": adf("x"), "properties": [stamp]},
    )
    assert created.status_code == 201
    assert created.json()["properties"] == [stamp]
    comment_id = created.json()["id"]
    assert api.put(f"comment/{comment_id}/properties/aha.sync", json={"v": 1}).status_code == 201
    assert api.put(f"comment/{comment_id}/properties/aha.sync", json={"v": 2}).status_code == 200
    got = api.get(f"comment/{comment_id}/properties/aha.sync")
    assert_matches_openapi(got)
    assert got.json() == {"key": "aha.sync", "value": {"v": 2}}
    keys = api.get(f"comment/{comment_id}/properties")
    assert_matches_openapi(keys)
    assert [k["key"] for k in keys.json()["keys"]] == ["aha.comment", "aha.sync"]
    assert api.delete(f"comment/{comment_id}/properties/aha.sync").status_code == 204
    assert api.get(f"comment/{comment_id}/properties/aha.sync").status_code == 404
    assert api.get("comment/999999/properties").status_code == 404
    listed = api.get(f"issue/{key}/comment", params={"expand": "properties"}).json()["comments"]
    assert listed[0]["properties"] == [stamp]


def test_comments_by_ids(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    ids = [api.post(f"issue/{key}/comment", json={"body": adf(f"c{n}")}).json()["id"] for n in range(3)]
    resp = api.post("comment/list", json={"ids": [int(ids[2]), int(ids[0]), 987654]})
    assert resp.status_code == 200
    assert_matches_openapi(resp)
    assert [c["id"] for c in resp.json()["values"]] == [ids[0], ids[2]]


def test_permissions_to_add_edit_and_delete(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    client = SimulatorClient(jira_sim.base_url)
    theirs = client.engineer_comment(key, adf("the engineer's"))["id"]
    jira_sim.set_permissions(
        jira_sim.bot_account_id, "MOB", revoked=["EDIT_ALL_COMMENTS", "DELETE_ALL_COMMENTS"]
    )
    assert api.put(f"issue/{key}/comment/{theirs}", json={"body": adf("mine now")}).status_code == 403
    assert api.delete(f"issue/{key}/comment/{theirs}").status_code == 403
    own = api.post(f"issue/{key}/comment", json={"body": adf("mine")}).json()["id"]
    assert api.put(f"issue/{key}/comment/{own}", json={"body": adf("still mine")}).status_code == 200
    jira_sim.set_permissions(jira_sim.bot_account_id, "MOB", revoked=["ADD_COMMENTS"])
    refused = api.post(f"issue/{key}/comment", json={"body": adf("no")})
    assert refused.status_code == 400
    assert "permission to comment" in refused.json()["errorMessages"][0]
    assert len(jira_sim.core.store.comments) == 2


def test_a_comment_moves_the_issue_updated_time(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    before = api.get(f"issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]
    api.post(f"issue/{key}/comment", json={"body": adf("bump")})
    after = api.get(f"issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]
    assert after >= before
    assert jira_sim.core.store.issue(key).updated > jira_sim.core.store.issue(key).created  # type: ignore[union-attr]


def test_api_comment_fires_comment_created_shaped_like_the_capture(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    jira_sim.configure_webhook(webhook_receiver.url)
    stamp = {"key": "aha.comment", "value": {"aha_id": "c-9"}}
    comment = api.post(f"issue/{key}/comment", json={"body": adf("Ship it"), "properties": [stamp]}).json()
    created, updated = events(webhook_receiver, 2)
    ref = reference("jira-webhooks/webhook-cloud-comment-created.json")
    assert set(created) == set(ref)
    assert created["webhookEvent"] == "comment_created"
    assert set(ref["comment"]) <= set(created["comment"])
    assert created["comment"]["id"] == comment["id"]
    assert created["comment"]["body"] == "Ship it"  # webhooks carry the v2 (wiki) representation
    assert created["comment"]["author"]["accountId"] == jira_sim.bot_account_id  # its own echo
    assert created["comment"]["properties"] == [stamp]
    assert set(created["issue"]) == set(ref["issue"])
    assert set(created["issue"]["fields"]) == set(ref["issue"]["fields"])
    assert created["issue"]["key"] == key
    assert updated["webhookEvent"] == "jira:issue_updated"
    assert updated["issue_event_type_name"] == "issue_commented"
    assert updated["comment"]["id"] == comment["id"]
    assert updated["user"]["accountId"] == jira_sim.bot_account_id
    assert "changelog" not in updated


def test_engineer_comment_edit_and_delete_fire_their_events(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    key = new_issue(Api(jira_sim))
    client = SimulatorClient(jira_sim.base_url)
    jira_sim.configure_webhook(
        webhook_receiver.url, events=["comment_created", "comment_updated", "comment_deleted"]
    )
    comment_id = client.engineer_comment(key, adf("v1"))["id"]
    client.engineer_edit_comment(key, comment_id, "v2 in *wiki*", api_version=2)
    client.engineer_delete_comment(key, comment_id)
    created, updated, deleted = events(webhook_receiver, 3)
    assert [e["webhookEvent"] for e in (created, updated, deleted)] == [
        "comment_created",
        "comment_updated",
        "comment_deleted",
    ]
    assert created["comment"]["author"]["accountId"] == jira_sim.engineer_account_id
    assert updated["comment"]["body"] == "v2 in *wiki*"
    assert deleted["comment"]["id"] == comment_id
    assert Api(jira_sim).get(f"issue/{key}/comment").json()["total"] == 0


def test_issue_updated_events_for_comment_edits_and_deletes(
    jira_sim: JiraSimulator, webhook_receiver: WebhookReceiver
) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    comment_id = api.post(f"issue/{key}/comment", json={"body": adf("x")}).json()["id"]
    jira_sim.configure_webhook(webhook_receiver.url, events=["jira:issue_updated"])
    api.put(f"issue/{key}/comment/{comment_id}", json={"body": adf("y")})
    api.delete(f"issue/{key}/comment/{comment_id}")
    edited, deleted = events(webhook_receiver, 2)
    assert (edited["issue_event_type_name"], deleted["issue_event_type_name"]) == (
        "issue_comment_edited",
        "issue_comment_deleted",
    )
    assert deleted["comment"]["id"] == comment_id


def test_engineer_comment_respects_permissions_and_bad_bodies(jira_sim: JiraSimulator) -> None:
    key = new_issue(Api(jira_sim))
    resp = requests.post(
        f"{jira_sim.base_url}/_sim/engineer/issues/{key}/comments", json={"body": "not ADF"}, timeout=5
    )
    assert resp.status_code == 400
    jira_sim.set_permissions(jira_sim.engineer_account_id, "MOB", revoked=["ADD_COMMENTS"])
    resp = requests.post(
        f"{jira_sim.base_url}/_sim/engineer/issues/{key}/comments", json={"body": adf("x")}, timeout=5
    )
    assert resp.status_code == 400
    assert jira_sim.core.store.comments == {}


def test_deleting_the_issue_deletes_its_comments(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    api.post(f"issue/{key}/comment", json={"body": adf("x")})
    assert api.delete(f"issue/{key}").status_code == 204
    assert jira_sim.core.store.comments == {}


def test_data_center_comments_are_wiki(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    key = new_issue(api)
    created = api.post(f"issue/{key}/comment", json={"body": "h1. Notes"})
    assert created.status_code == 201
    assert created.json()["author"]["name"] == "aha-bot"
    assert api.get(f"issue/{key}/comment").json()["comments"][0]["body"] == "h1. Notes"
