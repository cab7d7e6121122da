"""Roadmap comments are kept per integration: two integrations on one Jira site, each with PROD-2 linked to
its own issue, carry the same roadmap comment id to their own issue only, and a deletion through one leaves the
other's comment alone (the comment items are keyed by integration: `storage/comment_links.py`)."""

from __future__ import annotations

from tests.integration.roadmap.test_comments_to_jira import jira_comments
from tests.integration.webhooks.conftest import Site, aha_feature, site  # noqa: F401 - `site` is a fixture


def test_one_comment_id_in_two_integrations_reaches_each_ones_issue_only(
    site: Site,  # noqa: F811 - the fixture imported above
) -> None:
    site.add_integration("other")
    mine = site.send(aha_feature(requirements=False))["jira"]["key"]
    theirs = site.send(aha_feature(requirements=False), integration="other")["jira"]["key"]
    assert mine != theirs
    comment = {"id": "c-1", "body": "<p>hello</p>"}
    for integration in ("mob", "other"):
        status, answer = site.call_api(
            "POST", f"/integrations/{integration}/features/PROD-2/comments", comment
        )
        assert (status, answer["outcome"]) == (200, "created"), answer
    assert len(jira_comments(site.sim, mine)) == 1 and len(jira_comments(site.sim, theirs)) == 1

    status, answer = site.call_api("DELETE", "/integrations/other/features/PROD-2/comments/c-1")
    assert (status, answer["outcome"]) == (200, "deleted"), answer
    assert len(jira_comments(site.sim, mine)) == 1 and jira_comments(site.sim, theirs) == []
    status, answer = site.call_api(
        "POST", "/integrations/mob/features/PROD-2/comments", {**comment, "body": "<p>2</p>"}
    )
    assert (status, answer["outcome"]) == (200, "updated"), answer
