"""Which Jira edits go back to the roadmap record (`mapping.two_way`, DESIGN.md "Two-way content").

A summary or description edited in Jira renames or re-describes the roadmap record (`record.renamed`,
`record.described`, derived by `models.roadmap_event.changes_between`) only when:
- the integration lists the field in `mapping.two_way` (without it, the record keeps the roadmap's name and
  the read-back shows Jira's as `jira.summary`);
- the issue was edited, not deleted;
- the edit was not made by the integration's own Jira user: that is the roadmap's own content, sent by us
  (its echo is usually recognised before, `webhooks.echo`; this also covers an echo arriving before the
  send recorded what it sent);
- the newer change wins: the edit is newer than the roadmap content the last send wrote to the issue (Jira's
  event time against the record's `synced_at`); an older one arriving late never overwrites it.
"""

from __future__ import annotations

from datetime import datetime

from aha_jira.models.integration import TwoWayField
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks.echo import authored_by
from aha_jira.webhooks.routing import IntegrationContext


def carried_back(
    field: TwoWayField,
    event: JiraWebhookEvent,
    link: IssueLink,
    integration: IntegrationContext,
    *,
    deleted: bool,
) -> bool:
    """Whether this event's edit of `field` changes the roadmap record."""
    if field not in integration.two_way or deleted:
        return False
    if authored_by(event, integration.account_id):
        return False
    return newer_than_sent(event, link)


def newer_than_sent(event: JiraWebhookEvent, link: IssueLink) -> bool:
    """Whether the event is newer than the content the last send wrote to the issue (none: newer)."""
    sent = sent_at_ms(link)
    return sent is None or event.order[0] > sent


def sent_at_ms(link: IssueLink) -> int | None:
    if not link.synced_at:
        return None
    try:
        return int(datetime.fromisoformat(link.synced_at).timestamp() * 1000)
    except ValueError:
        return None


def not_carried_reason(field: TwoWayField, event: JiraWebhookEvent, integration: IntegrationContext) -> str:
    """Why an edit of a field `two_way` lists did not go back (for the log line)."""
    if authored_by(event, integration.account_id):
        return f"{field} edited by the integration's own Jira user: the roadmap's own content"
    return f"{field} edit older than the roadmap content last sent to Jira: the newer roadmap's is kept"


def kept_name_reason(event: JiraWebhookEvent, integration: IntegrationContext, *, deleted: bool) -> str:
    """What the log says of a summary edited in Jira that did not rename the record."""
    if "name" in integration.two_way and not deleted:
        return f"summary edited in Jira; not renamed: {not_carried_reason('name', event, integration)}"
    return "summary edited in Jira: the roadmap record keeps its name (jira.summary shows Jira's)"
