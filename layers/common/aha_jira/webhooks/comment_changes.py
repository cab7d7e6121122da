"""What a `comment_created|updated|deleted` event does to a record linked to its issue: no attribute of the
record changes (comments are never kept in the issue-link item, which DynamoDB caps at 400 KB); the event
becomes a roadmap event (`record.commented`, `record.comment_updated`, `record.comment_deleted`) written in
the delivery's transaction like any other change, and the connector carries it to the roadmap
(`roadmap/aha_comments.py`).

- The body is Jira's rich text (wiki markup in webhooks, ADF accepted) read back as roadmap HTML.
- A comment written or last changed by the integration's own Jira user is an echo (a roadmap comment the
  integration wrote to Jira, `sync/comments.py`): it never comes back as a roadmap comment.
- `version` orders a comment's own events (Jira's `updated`, in epoch ms): deliveries arrive in any order, and
  the connector never lets an older body overwrite a newer one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aha_jira.errors import InvalidRequest
from aha_jira.models import roadmap_event
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent, WebhookComment
from aha_jira.webhooks.plans import Plan, unchanged
from aha_jira.webhooks.routing import IntegrationContext

EVENT_TYPES = {
    "comment_created": roadmap_event.COMMENTED,
    "comment_updated": roadmap_event.COMMENT_UPDATED,
    "comment_deleted": roadmap_event.COMMENT_DELETED,
}
# A Jira comment is at most 32,767 characters; its HTML is bounded like a description's.
MAX_COMMENT_HTML = 256 * 1024
_JIRA_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"


def jira_time_ms(value: str | None) -> int | None:
    """Jira's `2019-02-15T19:11:18.321-0800` (or ISO 8601) as epoch milliseconds; None when unreadable."""
    if not value:
        return None
    for parse in (lambda text: datetime.strptime(text, _JIRA_TIME), datetime.fromisoformat):
        try:
            moment = parse(value)
        except ValueError:
            continue
        if moment.tzinfo is not None:
            return int(moment.timestamp() * 1000)
    return None


def comment_html(body: str | dict[str, Any] | None) -> str:
    """A Jira comment body (wiki markup or ADF) as roadmap HTML, with the rich-text read-back."""
    # Loaded with the first comment, not with the webhook function.
    from aha_jira.jira.rich_text import adf_to_html, wiki_to_html  # noqa: PLC0415

    converted = adf_to_html(body) if isinstance(body, dict) else wiki_to_html(body or "")
    if len(converted) > MAX_COMMENT_HTML:
        raise InvalidRequest(
            "The body is not a Jira webhook event (comment.body: longer than 256 KiB as HTML).",
            hint="Jira's own comments are at most 32,767 characters; point only Jira's webhook at this URL.",
            code="not_a_jira_event",
        )
    return converted


def comment_document(event: JiraWebhookEvent, comment: WebhookComment) -> dict[str, Any]:
    """`data.comment` of the roadmap event (`models.roadmap_event.commented`)."""
    author = comment.author or comment.update_author
    document: dict[str, Any] = {
        "id": comment.id,
        "author": {
            "name": (author.display_name or author.name) if author else None,
            "account_id": (author.account_id or author.key or author.name) if author else None,
        },
        "created_at": comment.created,
        "updated_at": comment.updated,
        # Deleted: the deletion's time (after every version of the body); else the body's own time.
        "version": event.timestamp
        if event.webhook_event == "comment_deleted"
        else (jira_time_ms(comment.updated) or event.timestamp),
    }
    if event.webhook_event != "comment_deleted":
        document["body"] = comment_html(comment.body)
    return document


def plan_comment(event: JiraWebhookEvent, link: IssueLink, integration: IntegrationContext) -> Plan:
    comment = event.comment
    assert comment is not None  # the payload model requires it on comment events
    account = integration.account_id
    if account is not None and account in comment.identities():
        return unchanged(link, "echo", "a comment the integration wrote (a roadmap comment) coming back")
    deliver = roadmap_event.delivers(integration.roadmap_type)
    new = roadmap_event.commented(
        link, EVENT_TYPES[event.webhook_event], comment_document(event, comment), deliver=deliver
    )
    said = {
        "comment_created": "commented",
        "comment_updated": "comment edited",
        "comment_deleted": "comment deleted",
    }
    return Plan(
        current=link,
        outcome="applied",
        reason=f"{said[event.webhook_event]} in Jira: a roadmap event is written",
        updated=link,
        events=(new,),
    )
