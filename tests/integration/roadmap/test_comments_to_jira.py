"""Roadmap comments reach Jira (issue 17 "Comments both ways", roadmap -> Jira) through
`POST /integrations/{id}/features/{ref}/comments` and `DELETE .../comments/{comment_id}`: ADF on Cloud, wiki on
Data Center, the roadmap author named, once per comment id, edits and deletions following, and the Jira
webhook of the comment written is an echo (nothing comes back to the roadmap)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from aha_jira.sync.comments import COMMENT_PROPERTY
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from tests.fixtures.api import Call
from tests.integration.roadmap.conftest import events
from tests.integration.webhooks.conftest import REFERENCE, Site, aha_feature, site  # noqa: F401 - `site` is a fixture

ADF_SCHEMA = REFERENCE / "adf-schema-full.json"


def jira_comments(sim: JiraSimulator, key: str) -> list[Any]:
    issue = sim.core.store.issue(key)
    assert issue is not None
    return sorted(
        (c for c in sim.core.store.comments.values() if c.issue_id == issue.id), key=lambda c: int(c.id)
    )


def post(target: Site, body: dict[str, Any], reference: str = "PROD-2") -> tuple[int, Any]:
    return target.call_api("POST", f"/integrations/mob/features/{reference}/comments", body)


def test_a_roadmap_comment_is_written_once_edited_and_deleted_in_jira(
    site: Site,  # noqa: F811 - the fixture imported above
) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    calls = len(site.sim.calls)
    status, answer = post(
        site, {"id": "c-1", "body": "<p>Ship it <em>today</em></p>", "author": "Pat Manager"}
    )
    assert status == 200 and answer["outcome"] == "created", answer
    writes = [c for c in site.sim.calls[calls:] if "/comment" in c["path"]]
    assert [c["method"] for c in writes] == ["POST"]  # one Jira call per comment
    [comment] = jira_comments(site.sim, key)
    assert answer["jira"] == {"key": key, "comment_id": comment.id}
    jsonschema.validate(comment.body, _adf_schema())
    text = str(comment.body)
    assert "Pat Manager" in text and "today" in text and "em" in text
    assert comment.properties[COMMENT_PROPERTY] == {
        "integration_id": "mob",
        "reference": "PROD-2",
        "comment_id": "c-1",
    }
    site.settle()  # the comment's own webhook comes back: an echo, no roadmap event
    assert not [e for e in events(site.call_api) if e["type"].startswith("record.comment")]

    status, again = post(
        site, {"id": "c-1", "body": "<p>Ship it <em>today</em></p>", "author": "Pat Manager"}
    )
    assert (status, again["outcome"]) == (200, "unchanged")
    status, edited = post(site, {"id": "c-1", "body": "<p>Next week</p>", "author": "Pat Manager"})
    assert (status, edited["outcome"]) == (200, "updated")
    [comment] = jira_comments(site.sim, key)
    assert "Next week" in str(comment.body) and "today" not in str(comment.body)

    status, deleted = site.call_api("DELETE", "/integrations/mob/features/PROD-2/comments/c-1")
    assert (status, deleted["outcome"]) == (200, "deleted"), deleted
    assert jira_comments(site.sim, key) == []
    status, late = post(site, {"id": "c-1", "body": "<p>late</p>"})
    assert (status, late["outcome"]) == (200, "stale")
    assert jira_comments(site.sim, key) == []


def test_an_older_edit_does_not_overwrite_a_newer_one(site: Site) -> None:  # noqa: F811
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    newer = {"id": "c-2", "body": "<p>v2</p>", "updated_at": "2026-12-07T10:00:00Z"}
    older = {"id": "c-2", "body": "<p>v1</p>", "updated_at": "2026-12-07T09:00:00Z"}
    assert post(site, newer)[1]["outcome"] == "created"
    assert post(site, older)[1]["outcome"] == "stale"
    [comment] = jira_comments(site.sim, key)
    assert "v2" in str(comment.body)


def test_a_create_whose_answer_was_lost_is_found_by_its_stamp(site: Site) -> None:  # noqa: F811
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    site.sim.add_fault(method="POST", path=r"/comment$", drop_after_commit=True)
    status, answer = post(site, {"id": "c-3", "body": "<p>once</p>"})
    assert status == 503 and answer["error"]["code"] == "jira_unavailable", answer
    status, answer = post(site, {"id": "c-3", "body": "<p>once</p>"})
    assert (status, answer["outcome"]) == (200, "updated"), answer
    assert len(jira_comments(site.sim, key)) == 1


def test_data_center_takes_wiki_markup(
    call_api: Call, jira_sim_dc: JiraSimulator, gateway: LocalApiGateway
) -> None:

    dc = _dc_site(call_api, jira_sim_dc, gateway)
    key = dc.send(aha_feature(requirements=False), integration="dc")["jira"]["key"]
    status, answer = dc.call_api(
        "POST", "/integrations/dc/features/PROD-2/comments", {"id": "d-1", "body": "<p>Use <b>v2</b></p>"}
    )
    assert (status, answer["outcome"]) == (200, "created"), answer
    [comment] = jira_comments(jira_sim_dc, key)
    assert isinstance(comment.body, str) and "*v2*" in comment.body


@pytest.mark.parametrize(
    "body",
    [
        {"body": "<p>no id</p>"},
        {"id": "c-9"},
        {"id": "c-9", "body": ""},
        {"id": "a/b", "body": "<p>x</p>"},
        {"id": "c-9", "body": "<p>x</p>", "colour": "red"},
        {"id": "c-9", "body": "<p>x</p>", "author": "a\nb"},
    ],
)
def test_bad_bodies_are_400_and_write_nothing(site: Site, body: dict[str, Any]) -> None:  # noqa: F811
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    calls = len(site.sim.calls)
    status, answer = post(site, body)
    assert status == 400 and answer["error"]["code"] == "invalid_body", answer
    assert site.sim.calls[calls:] == [] and jira_comments(site.sim, key) == []


def test_an_unlinked_record_is_409_and_an_unknown_integration_404(site: Site) -> None:  # noqa: F811
    status, answer = post(site, {"id": "c-1", "body": "<p>x</p>"}, reference="PROD-404")
    assert status == 409 and answer["error"]["code"] == "not_linked", answer
    status, answer = site.call_api(
        "POST", "/integrations/nope/features/PROD-2/comments", {"id": "c", "body": "x"}
    )
    assert status == 404, answer


def _adf_schema() -> dict[str, Any]:
    import json  # noqa: PLC0415

    return dict(json.loads(ADF_SCHEMA.read_text()))


def _dc_site(call_api: Call, sim: JiraSimulator, gateway: LocalApiGateway) -> Site:
    credentials = sim.credentials
    body = {
        "name": "Mobile app (Data Center)",
        "product": "PROD",
        "jira": {
            "base_url": sim.base_url,
            "auth": {"type": "bearer", "token": credentials["dc_pat"]},
            "project": "MOB",
        },
        "mapping": {"feature_issue_type": "Story", "requirement_issue_type": "Sub-task", "statuses": {}},
    }
    status, view = call_api("PUT", "/integrations/dc", body)
    assert status == 201, view
    status, report = call_api("POST", "/integrations/dc/test-connection")
    assert status == 200 and report["ok"], report
    return Site(call_api=call_api, sim=sim, token=view["webhook_url"].rsplit("/", 1)[-1], secret=None)
