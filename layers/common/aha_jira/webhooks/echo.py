"""The echo of our own writes: Jira sends a webhook for every change, ours included.

An event is an echo when its author is the integration's own Jira user AND it changes nothing but what we
last sent: no status or resolution change (the integration never transitions issues), and a summary, if it
changed, equal to the one we sent. An echo changes nothing on the record and is never written back to Jira.
Someone using the integration's account in Jira to move an issue is therefore still seen.
"""

from __future__ import annotations

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent

NEVER_OURS = frozenset({"status", "resolution"})


def authored_by(event: JiraWebhookEvent, account_id: str | None) -> bool:
    return account_id is not None and account_id in event.actor_identities


def is_echo(event: JiraWebhookEvent, link: IssueLink, account_id: str | None) -> bool:
    if not authored_by(event, account_id):
        return False
    items = event.changelog.items if event.changelog else []
    if any(item.field_key in NEVER_OURS for item in items):
        return False
    summary = event.changelog.item("summary") if event.changelog else None
    return summary is None or summary.to_string == link.jira.name
