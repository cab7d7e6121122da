"""Comments made in Aha! reach Jira (issue 17 "Comments both ways", roadmap -> Jira by Aha!'s webhook): the Aha!
simulator's activity webhook (Comment audits) over real HTTP through the local gateway queues a comment job;
the retry worker reads the comment from Aha! and writes, edits or deletes its Jira copy once. The integration's
own Aha! comments (the API key's user) are echoes."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from tests.fixtures.aha import AhaApi
from tests.integration.roadmap_inbound.conftest import run_worker
from tests.integration.roadmap_inbound.test_aha_webhook import (  # noqa: F401 - fixtures
    hooked,
    linked,
    settle,
)


def jira_comments(jira: JiraSimulator, key: str) -> list[Any]:
    issue = jira.core.store.issue(key)
    assert issue is not None
    return [c for c in jira.core.store.comments.values() if c.issue_id == issue.id]


def answers(sim: AhaSimulator, since: int) -> list[int | None]:
    return [d["status"] for d in settle(sim)[since:] if d["format"] == "activity"]


def test_a_pm_comment_its_edit_and_deletion_reach_jira_once_each(
    hooked: AhaSimulator,  # noqa: F811
    linked: dict[str, Any],  # noqa: F811
    jira_sim: JiraSimulator,
    worker: SqsPoller,
) -> None:
    key = linked["jira"]["key"]
    before = len(jira_comments(jira_sim, key))
    comment = hooked.pm.add_comment("PROD-1", "<p>Please add <b>SSO</b></p>")
    settle(hooked)
    assert run_worker(worker) >= 1
    [copy] = [c for c in jira_comments(jira_sim, key) if "SSO" in str(c.body)]
    assert "Pat Manager" in str(copy.body) and len(jira_comments(jira_sim, key)) == before + 1

    seen = len(hooked.deliveries())
    hooked.pm.edit_comment(str(comment["id"]), "<p>Please add SAML</p>")
    assert answers(hooked, seen) == [200]
    run_worker(worker)
    [edited] = [c for c in jira_comments(jira_sim, key) if c.id == copy.id]
    assert "SAML" in str(edited.body) and "SSO" not in str(edited.body)

    hooked.pm.delete_comment(str(comment["id"]))
    settle(hooked)
    run_worker(worker)
    assert [c.id for c in jira_comments(jira_sim, key) if c.id == copy.id] == []
    assert len(jira_comments(jira_sim, key)) == before


def test_the_integrations_own_aha_comment_is_an_echo_and_queues_nothing(
    hooked: AhaSimulator,  # noqa: F811
    linked: dict[str, Any],  # noqa: F811
    jira_sim: JiraSimulator,
    worker: SqsPoller,
    aha_api: AhaApi,
) -> None:
    key = linked["jira"]["key"]
    before = len(jira_comments(jira_sim, key))
    seen = len(hooked.deliveries())
    posted = aha_api.post("/features/PROD-1/comments", {"comment": {"body": "<p>from Jira</p>"}})
    assert posted.status_code == 200, posted.text
    assert answers(hooked, seen) == [200]
    assert run_worker(worker) == 0
    assert len(jira_comments(jira_sim, key)) == before


def test_a_comment_on_an_unlinked_feature_is_ignored(
    hooked: AhaSimulator,  # noqa: F811
    linked: dict[str, Any],  # noqa: F811
    worker: SqsPoller,
) -> None:
    hooked.pm.add_comment("PROD-3", "<p>not linked</p>")
    settle(hooked)
    assert run_worker(worker) == 0
