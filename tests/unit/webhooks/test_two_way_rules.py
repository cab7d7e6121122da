"""`mapping.two_way` on real captures: which Jira edits rename or re-describe the roadmap record, and the
roadmap events those changes derive (`record.renamed`, `record.described`)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from aha_jira.models import roadmap_event
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks import two_way
from aha_jira.webhooks.description import MAX_DESCRIPTION_HTML, jira_description_to_html
from aha_jira.webhooks.issue_changes import plan_issue_deleted, plan_issue_updated
from tests.unit.webhooks.test_ordering_rules import BOT, CAPTURES, NOW, integration, link

RENAMED = "webhook-issue-updated-renamed.json"  # summary -> "Unit test summary 1", 1550286471789
EDITED = "webhook-issue-updated-edited.json"  # description edited, 1550286601840


def capture(name: str, **changes: Any) -> JiraWebhookEvent:
    payload = json.loads((CAPTURES / name).read_text())
    payload.update(changes)
    return JiraWebhookEvent.model_validate(payload)


def sent(**values: Any) -> IssueLink:
    """Sent with the name "Sent name" before the captures were made (2019-01-01)."""
    return link(**({"name": "Sent name", "summary": "Sent name"} | values)).model_copy(
        update={"synced_at": "2019-01-01T00:00:00.000+00:00"}
    )


def events_of(before: IssueLink, after: IssueLink) -> list[tuple[str, dict[str, Any]]]:
    """The change's two-way events and detachment (the captures' status and time tracking aside)."""
    kept = {roadmap_event.RENAMED, roadmap_event.DESCRIBED, roadmap_event.DETACHED}
    changes = roadmap_event.changes_between(before, after, deliver=True)
    return [(event.type, event.data) for event in changes if event.type in kept]


def test_without_two_way_a_summary_edit_keeps_the_name_and_writes_no_event() -> None:
    plan = plan_issue_updated(capture(RENAMED), sent(), integration(), NOW)
    assert plan.outcome == "applied" and plan.updated is not None
    assert (plan.updated.jira.name, plan.updated.jira.summary) == ("Sent name", "Unit test summary 1")
    assert "keeps its name" in plan.reason
    assert [kind for kind, _ in events_of(plan.current, plan.updated)] == []


def test_with_two_way_name_a_summary_edit_renames_the_record() -> None:
    context = replace(integration(), two_way=frozenset({"name"}))
    plan = plan_issue_updated(capture(RENAMED), sent(), context, NOW)
    assert plan.updated is not None and plan.updated.jira.name == "Unit test summary 1"
    [(kind, data)] = events_of(plan.current, plan.updated)
    assert kind == "record.renamed" and data["name"] == "Unit test summary 1"
    assert data["jira"]["key"] == "TES-41"


def test_an_edit_by_the_integrations_own_user_or_older_than_the_send_or_of_a_deleted_issue_stays() -> None:
    context = replace(integration(), two_way=frozenset({"name", "description"}))
    ours = capture(RENAMED, user={"accountId": BOT})
    older = sent().model_copy(update={"synced_at": "2019-06-01T00:00:00.000+00:00"})
    for event, record in ((ours, sent()), (capture(RENAMED), older)):
        plan = plan_issue_updated(event, record, context, NOW)
        assert plan.updated is not None and plan.updated.jira.name == "Sent name", plan.reason
        assert plan.updated.jira.summary == "Unit test summary 1"
        assert "not renamed" in plan.reason
    deleted = plan_issue_deleted(capture("webhook-issue-deleted.json"), sent(), context, NOW)
    assert deleted.updated is not None and deleted.updated.jira.name == "Sent name"
    assert [kind for kind, _ in events_of(deleted.current, deleted.updated)] == ["record.detached"]


def test_with_two_way_description_an_edit_writes_the_html_and_its_event() -> None:
    context = replace(integration(), two_way=frozenset({"description"}))
    plan = plan_issue_updated(capture(EDITED), sent(), context, NOW)
    assert plan.updated is not None
    html = "<p>Unit test description, not that long, a little longer now</p>"
    assert plan.updated.jira.description == html
    assert [(kind, data["description"]) for kind, data in events_of(plan.current, plan.updated)] == [
        ("record.described", html)
    ]
    # Without two_way the description is still kept on the record's Jira side, and no event is written.
    plain = plan_issue_updated(capture(EDITED), sent(), integration(), NOW)
    assert plain.updated is not None and plain.updated.jira.description == html
    assert events_of(plain.current, plain.updated) == []
    # An older edit than the last send does not go back either.
    older = sent().model_copy(update={"synced_at": "2019-06-01T00:00:00.000+00:00"})
    late = plan_issue_updated(capture(EDITED), older, context, NOW)
    assert late.updated is not None and events_of(late.current, late.updated) == []


def test_a_description_whose_html_outgrows_the_limit_keeps_its_words_as_paragraphs() -> None:
    wiki = "*a* " * 20_000  # 80,000 characters; as HTML, each bold word is 18 characters more
    html = jira_description_to_html(wiki)
    assert html.startswith("<p>a a a") and "<strong>" not in html
    assert len(html) <= MAX_DESCRIPTION_HTML


def test_a_send_time_that_cannot_be_read_counts_as_no_send() -> None:
    record = sent().model_copy(update={"synced_at": "not a time"})
    assert two_way.sent_at_ms(record) is None
    assert two_way.newer_than_sent(capture(RENAMED), record)


def test_only_a_summary_jira_changed_since_renames_the_record() -> None:
    """An event without a summary item renames the record only when the summary it carries is new to the
    record (a rename whose own delivery was lost); Jira's summary as the record had it is no edit."""
    context = replace(integration(), two_way=frozenset({"name"}))
    started = capture("webhook-issue-updated-started-working.json")  # a status change, summary in snapshot
    seen = sent(summary="Unit test summary 1")  # an edit from before two_way was listed
    plan = plan_issue_updated(started, seen, context, NOW)
    assert plan.updated is not None and plan.updated.jira.name == "Sent name"
    missed = plan_issue_updated(started, sent(), context, NOW)
    assert missed.updated is not None and missed.updated.jira.name == "Unit test summary 1"
